"""Bounds-checked access to FlatBuffer tables, driven by the generated schema bindings.

Every offset read from the file is checked against the file size before it is followed, and every
vector's claimed length against the bytes that remain, so a corrupt or hostile file ends in a
`WireError` instead of a wrong answer, a hang or an allocation of billions of elements. The reader
only descends the schema's fixed tree, so offsets that loop back cannot make it recurse forever.

The layout follows the FlatBuffers binary format: a table starts with a signed offset back to its
vtable; the vtable holds its own size, the table's size, then one 16-bit field offset per slot.
(The `flatbuffers` Python runtime implements the same reads, but importing it imports numpy, which
costs more than the rest of `tpulint check` together.)
"""

from __future__ import annotations

import struct
from operator import add

from tpulint._schema.tflite import TABLES
from tpulint.ir import ByteSource, PackedNumbers
from tpulint.reader.scalar_plan import SCALAR_SIZES, ScalarPlan, scalar_plan
from tpulint.text import shorten

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from typing import Any, Protocol
else:
    Protocol = object  # `Holes` is a plain class at run time

# table -> field -> (vtable slot, kind, detail, default), as generated in tpulint._schema
Schema = dict[str, dict[str, tuple[int, str, str, "Any"]]]
TFLITE: Schema = TABLES

_U16 = struct.Struct("<H")
_I32 = struct.Struct("<i")
_U32 = struct.Struct("<I")
_SCALARS = {fmt: struct.Struct("<" + fmt) for fmt in "?bBhHiIqQfd"}
# Shapes, operator inputs and quantization scales are short; a longer scalar vector read as a tuple
# is a corrupt length, not data (weights and custom options are read as spans, never as tuples).
MAX_SCALAR_VECTOR = 1 << 20
# Characters of a string kept: real tensor names, even fused ones, are far shorter.
MAX_STRING = 1024


def _vtable_entries(fields: dict[str, tuple[int, str, str, Any]]) -> int:
    """How many 16-bit vtable entries a table's known fields use (its size, then a slot each)."""
    return max((slot // 2 for slot, *_rest in fields.values()), default=1) + 1


# Per TensorFlow Lite table: entries beyond these are fields of a newer schema, never read.
KNOWN_ENTRIES = {name: _vtable_entries(fields) for name, fields in TFLITE.items()}


class Holes(Protocol):
    """Parts of the bytes not read yet (`reader.sparse.FileBytes`)."""

    def fill(self, start: int, stop: int) -> bool:
        """Read the parts overlapping `start:stop`; whether there were any."""
        ...


class WireError(Exception):
    """The bytes do not form the table the schema describes."""


class Refused(WireError):
    """Well-formed tables that describe no model tpulint can analyse (not a corrupt file)."""


class Wire:
    """A model's bytes with checked primitive reads."""

    __slots__ = ("data", "decoded", "holes", "plans", "size", "vtables")

    def __init__(self, data: ByteSource, holes: Holes | None = None) -> None:
        self.data = data
        self.size = len(data)
        # A file read without its large payloads: every region read is filled first.
        self.holes = holes
        # Strings and scalar vectors by position: many tables may point at one (a crafted file
        # names a thousand tensors with one 2 MiB string), and each is decoded only once.
        self.decoded: dict[tuple[int, str], Any] = {}
        # Decoded vtables by (position, entries read): writers share one vtable among tables of
        # the same layout, so a model's thousands of tensors use a handful.
        self.vtables: dict[tuple[int, int], tuple[int, ...]] = {}
        # Scalar plans by (vtable, table type, fields): see `Table.scalars`.
        self.plans: dict[tuple[int, str, tuple[str, ...]], ScalarPlan | None] = {}

    def check(self, pos: int, length: int, what: str) -> None:
        if pos < 0 or length < 0 or pos + length > self.size:
            raise WireError(
                f"{what} at byte {pos} (+{length}) lies outside the file ({self.size} bytes)"
            )

    # The bounds checks are inlined: these are the reader's most frequent calls.
    def u16(self, pos: int) -> int:
        if pos < 0 or pos + 2 > self.size:
            self.check(pos, 2, "16-bit field")
        value: int = _U16.unpack_from(self.data, pos)[0]  # type: ignore[arg-type]
        return value

    def i32(self, pos: int) -> int:
        if pos < 0 or pos + 4 > self.size:
            self.check(pos, 4, "offset")
        value: int = _I32.unpack_from(self.data, pos)[0]  # type: ignore[arg-type]
        return value

    def u32(self, pos: int) -> int:
        if pos < 0 or pos + 4 > self.size:
            self.check(pos, 4, "offset")
        value: int = _U32.unpack_from(self.data, pos)[0]  # type: ignore[arg-type]
        return value

    def root(self, table: str, schema: Schema = TFLITE) -> Table:
        return Table(self, self.u32(0), table, schema)

    def vtable(self, vtable: int, known: int, table: str, pos: int) -> tuple[int, ...]:
        """The first `known` entries of the vtable at `vtable` (of the `table` at `pos`)."""
        offsets = self.vtables.get((vtable, known))
        if offsets is None:
            offsets = self.vtables[vtable, known] = _decode_vtable(self, vtable, known, table, pos)
        return offsets

    def text(self, start: int, length: int) -> str:
        """The string of `length` bytes at `start`, decoded once however many tables name it.
        Names are evidence in messages and reports, repeated per finding: a name of megabytes
        would be too, so the middle of a long one is left out (decoding only its ends)."""
        known: str | None = self.decoded.get((start, ""))
        if known is None:
            data = self.data
            if length <= 4 * MAX_STRING:
                known = shorten(bytes(data[start : start + length]).decode("utf-8", "replace"),
                                MAX_STRING)
            else:
                keep = MAX_STRING // 2
                head = bytes(data[start : start + 4 * keep]).decode("utf-8", "replace")[:keep]
                tail = bytes(data[start + length - 4 * keep : start + length]).decode(
                    "utf-8", "replace")
                known = f"{head}…[{length:,} bytes in all]…{tail[-keep:]}"
            self.decoded[start, ""] = known
        return known


def _decode_vtable(wire: Wire, vtable: int, known: int, table: str, pos: int) -> tuple[int, ...]:
    """The vtable's 16-bit entries: its size, the table's size, then one offset per field, so
    entry `slot // 2` is the field of vtable slot `slot`. Only the known fields' entries: a
    hostile vtable may claim 32,767 of them for every table."""
    if wire.holes is not None:
        wire.holes.fill(vtable, vtable + 2)
    vtable_size = wire.u16(vtable)
    if vtable_size < 4 or vtable_size % 2:
        raise WireError(f"{table} at byte {pos} has a malformed vtable")
    wire.check(vtable, vtable_size, "vtable")
    if wire.holes is not None:
        wire.holes.fill(vtable, vtable + vtable_size)
    layout = f"<{min(vtable_size // 2, known)}H"
    offsets: tuple[int, ...] = struct.unpack_from(layout, wire.data, vtable)  # type: ignore[arg-type]
    return offsets


_NO_PLAN = ScalarPlan(struct.Struct("<"), 0, (), None)


class Table:
    """One table of a known schema type at a position in the file."""

    __slots__ = ("fields", "kind", "offsets", "pos", "schema", "size", "vtable", "wire")

    def __init__(self, wire: Wire, pos: int, table: str, schema: Schema = TFLITE) -> None:
        self.wire = wire
        self.pos = pos
        self.schema = schema
        self.kind = table
        self.fields = schema[table]
        holes = wire.holes
        if holes is not None:
            holes.fill(pos, pos + 4)
        if pos < 0 or pos + 4 > wire.size:
            wire.check(pos, 4, "offset")
        vtable = pos - _I32.unpack_from(wire.data, pos)[0]  # type: ignore[arg-type]
        self.vtable = vtable
        known = KNOWN_ENTRIES[table] if schema is TFLITE else _vtable_entries(self.fields)
        self.offsets = offsets = wire.vtable(vtable, known, table, pos)
        self.size = size = offsets[1]
        if pos + size > wire.size or size < 0:
            wire.check(pos, size, table)
        if holes is not None:
            holes.fill(pos, pos + size)

    def _field_pos(self, slot: int) -> int:
        index = slot >> 1
        if index >= len(self.offsets):
            return 0
        offset = self.offsets[index]
        if offset and offset >= self.size:
            raise WireError(f"field at byte {self.pos + offset} lies outside its table")
        return self.pos + offset if offset else 0

    def _target(self, pos: int) -> int:
        return pos + self.wire.u32(pos)

    def _vector(self, pos: int, element_size: int, body: bool = True) -> tuple[int, int]:
        """(start, count) of the vector at the offset at `pos`: its length and, with `body`,
        its elements are read (`span` reads neither: payloads are left in the file)."""
        wire = self.wire
        data, size, holes = wire.data, wire.size, wire.holes
        # The offset and length reads are `Wire.u32`, inlined: a table has several vectors.
        if pos < 0 or pos + 4 > size:
            wire.check(pos, 4, "offset")
        start = pos + _U32.unpack_from(data, pos)[0]  # type: ignore[arg-type]
        while True:
            if start < 0 or start + 4 > size:
                wire.check(start, 4, "offset")
            count: int = _U32.unpack_from(data, start)[0]  # type: ignore[arg-type]
            end = start + 4 + count * element_size
            if end > size:
                raise WireError(f"vector of {count} elements at byte {start} lies outside the "
                                f"file ({size} bytes)")
            # A hole filled under the length changes it: read it again.
            if holes is None or not holes.fill(start, end if body else start + 4):
                return start + 4, count

    def scalars(self, names: tuple[str, ...]) -> tuple[Any, ...] | None:
        """The values of scalar or enum fields `names` (defaults for those absent), read at
        once; None where `get` must read them one by one (it then reports what is wrong)."""
        wire = self.wire
        key = (self.vtable, self.kind, names)
        plan = wire.plans.get(key, _NO_PLAN)
        if plan is _NO_PLAN:
            plan = wire.plans[key] = scalar_plan(self.fields, self.offsets, self.size, names)
        if plan is None or self.pos + plan.end > wire.size:
            return None
        values: tuple[Any, ...] = plan.pick(
            plan.layout.unpack_from(wire.data, self.pos) + plan.defaults)  # type: ignore[arg-type]
        return values

    def has(self, name: str) -> bool:
        return self._field_pos(self.fields[name][0]) != 0

    def get(self, name: str) -> Any:
        """The field's value: scalar, enum value, str, tuple of scalars, Table or list of Tables."""
        slot, kind, detail, default = self.fields[name]
        # _field_pos, inlined: this is the reader's innermost call.
        offsets = self.offsets
        index = slot >> 1
        offset = offsets[index] if index < len(offsets) else 0
        if not offset:
            return () if kind in ("vector", "strings", "tables") else default
        if offset >= self.size:
            raise WireError(f"field at byte {self.pos + offset} lies outside its table")
        pos = self.pos + offset
        wire = self.wire
        if kind == "scalar" or kind == "enum":
            unpack = _SCALARS[detail[0]]
            if pos + unpack.size > wire.size:
                raise WireError(f"{name} at byte {pos} lies outside the file ({wire.size} bytes)")
            return unpack.unpack_from(wire.data, pos)[0]  # type: ignore[arg-type]
        if kind == "string":
            return self._string(pos)
        if kind == "vector":
            start, count = self._vector(pos, SCALAR_SIZES[detail])
            if count > MAX_SCALAR_VECTOR:
                raise WireError(f"{name} claims {count} elements")
            known = wire.decoded.get((start, detail))
            if known is None:
                known = struct.unpack_from(f"<{count}{detail}", wire.data, start)  # type: ignore[arg-type]
                wire.decoded[start, detail] = known
            return known
        if kind == "table":
            return Table(wire, self._target(pos), detail, self.schema)
        if kind == "tables" or kind == "strings":
            start, count = self._vector(pos, 4)
            items = range(start, start + 4 * count, 4)
            if kind == "strings":
                return [self._string(item) for item in items]
            return [Table(wire, self._target(item), detail, self.schema) for item in items]
        raise WireError(f"field {name} of kind {kind} cannot be read directly")

    def packed(self, name: str) -> PackedNumbers | tuple[()]:
        """A vector of numbers, checked now and decoded when first read."""
        slot, _kind, detail, _default = self.fields[name]
        pos = self._field_pos(slot)
        if not pos:
            return ()
        start, count = self._vector(pos, SCALAR_SIZES[detail])
        if count > MAX_SCALAR_VECTOR:
            raise WireError(f"{name} claims {count} elements")
        return PackedNumbers(self.wire.data, start, count, detail)

    def length(self, name: str) -> int:
        """How many elements a vector field holds (checked against the file), none read."""
        slot, kind, detail, _default = self.fields[name]
        pos = self._field_pos(slot)
        size = SCALAR_SIZES[detail] if kind == "vector" else 4
        return self._vector(pos, size)[1] if pos else 0

    def positions(self, name: str) -> tuple[int, ...]:
        """Where each table of a vector of tables starts (the targets `get` reads)."""
        pos = self._field_pos(self.fields[name][0])
        if not pos:
            return ()
        start, count = self._vector(pos, 4)
        offsets: tuple[int, ...] = struct.unpack_from(f"<{count}I", self.wire.data, start)  # type: ignore[arg-type]
        return tuple(map(add, range(start, start + 4 * count, 4), offsets))

    def element(self, name: str, index: int) -> Table:
        """Element `index` of a vector of tables, read alone (`length` gives how many)."""
        pos = self._field_pos(self.fields[name][0])
        start, count = self._vector(pos, 4) if pos else (0, 0)
        if not 0 <= index < count:
            raise IndexError(index)
        return Table(self.wire, self._target(start + 4 * index), self.fields[name][2],
                     self.schema)

    def span(self, name: str) -> tuple[int, int]:
        """(start, length) of a byte vector, without copying it."""
        pos = self._field_pos(self.fields[name][0])
        return self._vector(pos, 1, body=False) if pos else (0, 0)

    def spans(self, name: str) -> list[tuple[int, int]]:
        """(start, length) of each element of a vector of strings, as raw bytes."""
        pos = self._field_pos(self.fields[name][0])
        if not pos:
            return []
        start, count = self._vector(pos, 4)
        return [self._vector(item, 1, body=False) for item in range(start, start + 4 * count, 4)]

    def union(self, name: str, table: str) -> Table | None:
        pos = self._field_pos(self.fields[name][0])
        return Table(self.wire, self._target(pos), table, self.schema) if pos else None

    def _string(self, pos: int) -> str:
        return self.wire.text(*self._vector(pos, 1))

