"""Where a model file's constant payloads lie, found by reading only the tables around them.

`Probe` walks the `Buffer` tables of bytes in memory, read as it needs them (`Blocks`: a few
blocks of an open file, where the tables lie together) or already there (a file read whole), and
`locate` adds the compiled packages' parameters (`reader.edgetpu.parameter_spans`): what neither
the check nor the cache key reads (`reader.sparse`).
"""

from __future__ import annotations

import mmap
import os
import struct

from tpulint._schema.tflite import TABLES
from tpulint.safeio import UnsafeInput

# Payloads shorter than this are read with the tables: shapes, axes and paddings are a few
# bytes, and skipping less than a page saves nothing.
SKIP_BYTES = 4096
# What the walk that finds the payloads reads at once (a power of two).
BLOCK_BYTES = 4096
# A file listing more buffers than this is read whole (the parser then judges it).
MAX_LOCATED_BUFFERS = 250_000
# Bytes read at a table's start: all of a `Buffer` table as writers lay it out.
_HEAD_BYTES = 32

_U16, _I32, _U32, _U64 = (struct.Struct(f"<{c}") for c in "HiIQ")
_MODEL_BUFFERS = TABLES["Model"]["buffers"][0]
_BUFFER_DATA, _BUFFER_OFFSET, _BUFFER_SIZE = (TABLES["Buffer"][name][0]
                                              for name in ("data", "offset", "size"))


class Blocks:
    """An open file read into `buffer` block by block, as the walk that finds the holes first
    looks at each (`fill`, as `wire.Holes`): its tables lie together, a few blocks."""

    __slots__ = ("descriptor", "done", "size", "view")

    def __init__(self, descriptor: int, buffer: mmap.mmap, size: int) -> None:
        self.descriptor = descriptor
        self.view = memoryview(buffer)
        self.size = size
        self.done = bytearray(-(-size // BLOCK_BYTES))
        self.fill(0, 64)  # the header: where the root table is, what the file is

    def fill(self, start: int, stop: int) -> bool:
        start, stop = max(start, 0), min(stop, self.size)
        if start >= stop:
            return False
        first, last = start // BLOCK_BYTES, (stop - 1) // BLOCK_BYTES
        done = self.done
        if first == last and done[first]:
            return False
        read = False
        for block in range(first, last + 1):
            if not done[block]:
                at = block * BLOCK_BYTES
                read_into(self.descriptor, self.view[at : min(at + BLOCK_BYTES, self.size)],
                           at)
                done[block] = read = True
        return read


def read_into(descriptor: int, view: memoryview, offset: int) -> None:
    done = 0
    while done < len(view):
        count = os.preadv(descriptor, [view[done:]], offset + done)
        if not count:
            raise UnsafeInput("changed size while it was read")
        done += count


def _nothing(_start: int, _stop: int) -> bool:
    return False


class Unlocated(Exception):
    """The payloads cannot be found by the quick walk: the file is read whole."""


def locate(probe: Probe, parameters: list[tuple[int, int]] | None = None
           ) -> list[tuple[int, int]]:
    """Sorted, disjoint (start, end) of the payloads of at least `SKIP_BYTES` and of the
    compiled `parameters`; [] when the payloads cannot be located."""
    try:
        spans = probe.payloads()
    except Unlocated:
        return []
    holes: list[tuple[int, int]] = []
    for start, end in sorted(span for span in [*spans, *(parameters or ())]
                             if span[1] - span[0] >= SKIP_BYTES):
        start = max(start, 64)  # the header is always read: it identifies the file
        if holes and start <= holes[-1][1]:  # overlapping payloads: only a crafted file
            holes[-1] = (holes[-1][0], max(end, holes[-1][1]))
        elif start < end:
            holes.append((start, end))
    return holes


class Probe:
    """Reads that find each buffer's payload in a file's bytes (read as they are needed)."""

    def __init__(self, source: bytes | mmap.mmap, size: int,
                 blocks: Blocks | None = None) -> None:
        self.source = source
        self.size = size
        self.vtables: dict[int, tuple[int, ...]] = {}
        # Where the bytes of `source` are read from as they are needed (None: all there), and
        # which blocks are there already.
        self.fill = _nothing if blocks is None else blocks.fill
        self.done = b"\1" * (size // BLOCK_BYTES + 1) if blocks is None else blocks.done

    def read(self, pos: int, length: int) -> bytes:
        if pos < 0 or length < 0 or pos + length > self.size:
            raise Unlocated
        self.fill(pos, pos + length)
        raw = self.source[pos : pos + length]
        if len(raw) != length:
            raise Unlocated
        return raw

    def u32(self, pos: int) -> int:
        value: int = _U32.unpack(self.read(pos, 4))[0]
        return value

    def entries(self, vtable: int) -> tuple[int, ...]:
        """A vtable's entries (its size, the table's size, a field offset per slot)."""
        entries = self.vtables.get(vtable)
        if entries is None:
            vtable_size = _U16.unpack(self.read(vtable, 2))[0]
            if vtable_size < 4 or vtable_size % 2:
                raise Unlocated
            entries = struct.unpack(f"<{vtable_size // 2}H", self.read(vtable, vtable_size))
            self.vtables[vtable] = entries
        return entries

    def table(self, pos: int) -> tuple[bytes, tuple[int, ...]]:
        """The first bytes of the table at `pos` (all of a small one) and its vtable."""
        head = self.read(pos, min(_HEAD_BYTES, self.size - pos))
        if len(head) < 4:
            raise Unlocated
        entries = self.entries(pos - _I32.unpack_from(head)[0])
        if entries[1] < 4:
            raise Unlocated
        return head, entries

    def scalar(self, pos: int, head: bytes, entries: tuple[int, ...], slot: int,
               unpack: struct.Struct) -> int | None:
        """A field of the table at `pos` (None when absent), from `head` when it lies there."""
        offset = entries[slot // 2] if slot // 2 < len(entries) else 0
        if not offset:
            return None
        if offset + unpack.size > entries[1]:
            raise Unlocated
        raw = head[offset : offset + unpack.size]
        if len(raw) < unpack.size:
            raw = self.read(pos + offset, unpack.size)
        value: int = unpack.unpack(raw)[0]
        return value

    def payloads(self) -> list[tuple[int, int]]:
        root = self.u32(0)
        head, entries = self.table(root)
        relative = self.scalar(root, head, entries, _MODEL_BUFFERS, _U32)
        if relative is None:
            return []
        vector = root + entries[_MODEL_BUFFERS // 2] + relative
        count = self.u32(vector)
        if count > MAX_LOCATED_BUFFERS:
            raise Unlocated
        offsets = struct.unpack(f"<{count}I", self.read(vector + 4, 4 * count))
        tables = [element + relative for element, relative in
                  zip(range(vector + 4, vector + 4 + 4 * count, 4), offsets, strict=True)]
        return self._in_memory(tables)

    def _in_memory(self, tables: list[int]) -> list[tuple[int, int]]:
        """`payload` of each table, its reads inlined: a model has hundreds of buffers, and
        the cache key of every file checked needs them."""
        data, size = self.source, self.size
        signed, unsigned, fill, done = _I32.unpack_from, _U32.unpack_from, self.fill, self.done
        index, vtables, shift = _BUFFER_DATA // 2, self.vtables, BLOCK_BYTES.bit_length() - 1
        spans = []
        for pos in tables:
            if pos + 4 > size:
                raise Unlocated
            if not (done[pos >> shift] and done[(pos + 3) >> shift]):
                fill(pos, pos + 4)
            vtable = pos - signed(data, pos)[0]
            entries = vtables.get(vtable) or self.entries(vtable)
            field = entries[index] if index < len(entries) else 0
            if entries[1] < 4 or field + 4 > entries[1] or pos + field + 4 > size:
                raise Unlocated
            if not field:
                # offsets from the file's start, or (most tensors: activations) no payload
                spans.append(self.payload(pos) if any(
                    entries[_BUFFER_OFFSET // 2 : _BUFFER_SIZE // 2 + 1]) else (0, 0))
                continue
            at = pos + field
            if not (done[at >> shift] and done[(at + 3) >> shift]):
                fill(at, at + 4)
            start = at + unsigned(data, at)[0]
            if start + 4 > size:
                raise Unlocated
            if not (done[start >> shift] and done[(start + 3) >> shift]):
                fill(start, start + 4)
            end = start + 4 + unsigned(data, start)[0]
            if end > size:
                raise Unlocated
            spans.append((start + 4, end))
        return spans

    def payload(self, pos: int) -> tuple[int, int]:
        head, entries = self.table(pos)
        relative = self.scalar(pos, head, entries, _BUFFER_DATA, _U32)
        if relative is not None:
            start = pos + entries[_BUFFER_DATA // 2] + relative
            length = self.u32(start)
            if start + 4 + length > self.size:
                raise Unlocated
            return start + 4, start + 4 + length
        # Models over 2 GB keep payloads after the flatbuffer, at offsets from the file's start.
        offset = self.scalar(pos, head, entries, _BUFFER_OFFSET, _U64) or 0
        size = self.scalar(pos, head, entries, _BUFFER_SIZE, _U64) or 0
        if offset > 1 and offset + size <= self.size:
            return offset, offset + size
        return 0, 0
