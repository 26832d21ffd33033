"""Signature definitions, decoded only when something asks for them.

Nothing `tpulint check` runs reads them, and a crafted file can make them the largest part of
the model (a thousand signatures listing ten thousand inputs each fit in 45 KB, since every entry
may point at the same table), so the reader keeps only the tables and decodes one signature at a
time, on access, with its own bound.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from tpulint.ir import Signature
from tpulint.reader.wire import Table, WireError

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from typing import overload

# A signature names each model input and output once; more entries than this are not real.
MAX_ENTRIES = 100_000


class LazySignatures(Sequence[Signature]):
    __slots__ = ("_count", "_root")

    def __init__(self, root: Table) -> None:
        self._root = root
        self._count = root.length("signature_defs")

    def __len__(self) -> int:
        return self._count

    if TYPE_CHECKING:
        @overload
        def __getitem__(self, index: int) -> Signature: ...

        @overload
        def __getitem__(self, index: slice) -> Sequence[Signature]: ...

    def __getitem__(self, index: int | slice) -> Signature | Sequence[Signature]:
        if isinstance(index, slice):
            return [self[number] for number in range(self._count)[index]]
        if index < 0:
            index += self._count
        return decode(self._root.element("signature_defs", index))

    def __iter__(self) -> Iterator[Signature]:
        return (self[number] for number in range(self._count))


def decode(table: Table) -> Signature:
    """One signature; a `WireError` when it is corrupt or lists more than `MAX_ENTRIES`."""
    def tensor_map(field: str) -> tuple[tuple[str, int], ...]:
        if table.length(field) > MAX_ENTRIES:
            raise WireError(f"signature {field} lists more than {MAX_ENTRIES:,} tensors")
        return tuple((t.get("name") or "", t.get("tensor_index")) for t in table.get(field))

    return Signature(
        key=table.get("signature_key") or "",
        subgraph=table.get("subgraph_index"),
        inputs=tensor_map("inputs"),
        outputs=tensor_map("outputs"),
    )
