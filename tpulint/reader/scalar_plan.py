"""Several fields of a FlatBuffer table read in one `struct` call.

Tables of one type written by one writer share a vtable, so their fields lie at the same
offsets from each table's start: one `Struct` with pad bytes between the fields reads them all
for every table of that layout (`wire.Table.scalars` and `reader.direct` keep one plan per
vtable). A scalar or enum field is read as its value; a string, vector or table field as the
32-bit offset from the field to its target (None when absent), which `where` places.
"""

from __future__ import annotations

import struct
from operator import itemgetter

from tpulint.record import Record

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from typing import Any

# bytes of each scalar format the schema uses (the wire reader sizes vectors with it too)
SCALAR_SIZES = {fmt: struct.calcsize("<" + fmt) for fmt in "?bBhHiIqQfd"}
OFFSET_KINDS = frozenset({"string", "vector", "table", "union", "strings", "tables"})


class ScalarPlan(Record):
    """How to read some scalar fields of the tables sharing one vtable in one `unpack_from`:
    the fields present, in file order with pad bytes between them, then the defaults of those
    absent, picked back into the order asked for."""

    layout: struct.Struct
    end: int  # bytes from the table's start to the end of its last field read
    defaults: tuple[Any, ...]
    pick: Any  # (present values + defaults) -> the values in the order asked for
    where: tuple[int, ...] = ()  # each field's offset in the table (0: absent)
    table_size: int = 0


def scalar_plan(fields: dict[str, tuple[int, str, str, Any]], offsets: tuple[int, ...],
                table_size: int, names: tuple[str, ...]) -> ScalarPlan | None:
    """The plan for `names` in a table of `fields` whose vtable holds `offsets` (its entries:
    the vtable's size, the table's, then a field offset per slot); None when a field lies
    outside the table or two overlap (a corrupt file: the field-by-field reads report it)."""
    present: list[tuple[int, str, int]] = []  # (offset in the table, format, position asked)
    defaults: list[tuple[int, Any]] = []
    field_offsets = []
    for position, name in enumerate(names):
        slot, kind, detail, default = fields[name]
        index = slot >> 1
        offset = offsets[index] if index < len(offsets) else 0
        field_offsets.append(offset)
        offset_field = kind in OFFSET_KINDS
        if not offset:
            defaults.append((position, None if offset_field else default))
        elif offset >= table_size:
            return None
        else:
            present.append((offset, "I" if offset_field else detail[0], position))
    present.sort()
    layout, end = "<", 0
    for offset, fmt, _position in present:
        if offset < end:
            return None
        layout += f"{offset - end}x{fmt}" if offset > end else fmt
        end = offset + SCALAR_SIZES[fmt]
    order = [position for *_rest, position in present] + [position for position, _ in defaults]
    where = [order.index(position) for position in range(len(names))]
    pick = itemgetter(*where) if len(where) > 1 else (lambda values: (values[where[0]],))
    return ScalarPlan(struct.Struct(layout), end, tuple(value for _, value in defaults), pick,
                      tuple(field_offsets), table_size)
