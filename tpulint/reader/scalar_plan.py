"""Several scalar fields of a FlatBuffer table read in one `struct` call.

Tables of one type written by one writer share a vtable, so their fields lie at the same
offsets from each table's start: one `Struct` with pad bytes between the fields reads them all
for every table of that layout (`wire.Table.scalars` keeps one plan per vtable).
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


class ScalarPlan(Record):
    """How to read some scalar fields of the tables sharing one vtable in one `unpack_from`:
    the fields present, in file order with pad bytes between them, then the defaults of those
    absent, picked back into the order asked for."""

    layout: struct.Struct
    end: int  # bytes from the table's start to the end of its last field read
    defaults: tuple[Any, ...]
    pick: Any  # (present values + defaults) -> the values in the order asked for


def scalar_plan(fields: dict[str, tuple[int, str, str, Any]], offsets: tuple[int, ...],
                table_size: int, names: tuple[str, ...]) -> ScalarPlan | None:
    """The plan for `names` in a table of `fields` whose vtable holds `offsets` (its entries:
    the vtable's size, the table's, then a field offset per slot); None when a field lies
    outside the table or two overlap (a corrupt file: the field-by-field reads report it)."""
    present: list[tuple[int, str, int]] = []  # (offset in the table, format, position asked)
    defaults: list[tuple[int, Any]] = []
    for position, name in enumerate(names):
        slot, kind, detail, default = fields[name]
        assert kind in ("scalar", "enum"), name
        index = slot >> 1
        offset = offsets[index] if index < len(offsets) else 0
        if not offset:
            defaults.append((position, default))
        elif offset >= table_size:
            return None
        else:
            present.append((offset, detail[0], position))
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
    return ScalarPlan(struct.Struct(layout), end, tuple(value for _, value in defaults), pick)
