"""Where a TensorFlow Lite flatbuffer's structures are: the byte positions of its tables,
vtables, offsets, vector lengths and scalars, found by walking it with the reader's own schema.

`tools/model_mutations.py` corrupts a model at these places.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

from tpulint._schema import tflite as schema
from tpulint.reader.wire import Schema, Table, Wire, WireError

_UNIONS = {"BuiltinOptions": schema.BUILTIN_OPTIONS, "BuiltinOptions2": schema.BUILTIN_OPTIONS2}
_TABLES: Schema = schema.TABLES
_MAX_TABLES = 20_000


@dataclass
class Layout:
    """Byte positions of one flatbuffer's structures, found by walking it with the schema."""

    size: int
    tables: list[tuple[int, int]] = field(default_factory=list)  # (table, its vtable)
    offsets: list[tuple[int, int, int]] = field(default_factory=list)  # (offset, target, parent)
    lengths: list[int] = field(default_factory=list)  # positions of vector lengths
    scalars: list[tuple[int, int]] = field(default_factory=list)  # (position, size)

    @property
    def boundaries(self) -> list[int]:
        """Where a structure starts or ends: the places to truncate at."""
        points = {0, 4, 8, self.size}
        for table, vtable in self.tables:
            points.update((table, vtable))
        for offset, target, _parent in self.offsets:
            points.update((offset, target))
        points.update(self.lengths)
        points.update(pos + size for pos, size in self.scalars)
        return sorted(p for p in points if 0 <= p <= self.size)


def layout(data: bytes) -> Layout:
    """The structures of a valid TensorFlow Lite flatbuffer (what cannot be read is skipped)."""
    wire = Wire(data)
    found = Layout(len(data))
    root = wire.root("Model")
    found.offsets.append((0, root.pos, 0))
    stack = [root]
    seen: set[int] = set()
    while stack and len(seen) < _MAX_TABLES:
        table = stack.pop()
        if table.pos in seen:
            continue
        seen.add(table.pos)
        found.tables.append((table.pos, table.pos - wire.i32(table.pos)))
        for name, (slot, kind, detail, _default) in table.fields.items():
            try:
                stack.extend(_field(found, wire, table, name, slot, kind, detail))
            except WireError:
                continue
    return found


def _field(found: Layout, wire: Wire, table: Table, name: str, slot: int, kind: str,
           detail: str) -> Iterator[Table]:
    """Record one field's positions; yield the tables it leads to."""
    index = slot // 2
    offset = table.offsets[index] if index < len(table.offsets) else 0
    if not offset:
        return
    pos = table.pos + offset
    if kind in ("scalar", "enum"):
        found.scalars.append((pos, struct.calcsize("<" + detail[0])))
        return
    target = pos + wire.u32(pos)
    found.offsets.append((pos, target, table.pos))
    if kind == "table" and detail in _TABLES:
        yield Table(wire, target, detail)
    elif kind == "union":
        type_name = _UNIONS.get(detail, {}).get(table.get(name + "_type"))
        if type_name in _TABLES:
            yield Table(wire, target, type_name)
    elif kind in ("string", "vector", "tables", "strings"):
        found.lengths.append(target)
    if kind in ("tables", "strings"):
        for element in range(target + 4, target + 4 + 4 * wire.u32(target), 4):
            element_target = element + wire.u32(element)
            found.offsets.append((element, element_target, table.pos))
            if kind == "strings":
                found.lengths.append(element_target)
            elif detail in _TABLES:
                yield Table(wire, element_target, detail)
