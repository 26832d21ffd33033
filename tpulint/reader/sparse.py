"""A model file read without its large constant payloads, which `check` does not look at.

Weights are most of a model's bytes, and no built-in analysis reads them: the reader needs the
tables, and the rules only a few small constants (axes, paddings, strides). So a large file is
read in two passes over one open descriptor: a few small reads find each `Buffer`'s payload,
then every byte outside the payloads of at least `SKIP_BYTES` is read into a zero-filled buffer
(the skipped parts, "holes", are never touched, so the system never commits memory for them).

Whatever later reads inside a hole (the parser following a table a crafted file placed there,
`Model.data` on a weight) first fills it from the file, checked to be the same file (device,
inode, size and modification time): the bytes it reads are always the file's. `filled` counts
such late reads, so a result that depends on bytes read after the cache key was computed is
never stored under it. The key hashes the bytes read and the holes' places (`solid_parts`).

The file is read whole when it is small, when the system has no `pread`, or when the payloads
cannot be found (a corrupt file is then reported by the parser, as before).
"""

from __future__ import annotations

import bisect
import mmap
import os
import struct
from collections.abc import Iterator

from tpulint._schema.tflite import TABLES
from tpulint.reader.edgetpu import parameter_spans
from tpulint.reader.errors import ModelReadError
from tpulint.safeio import UnsafeInput, open_regular, read_to_end

# Payloads shorter than this are read with the tables: shapes, axes and paddings are a few
# bytes, and skipping less than a page saves nothing.
SKIP_BYTES = 4096
# Smaller files are read in one call: finding their payloads with small reads costs more than
# reading them whole (a few milliseconds for a 4 MB model).
SPARSE_FROM_BYTES = 16 << 20
# A file listing more buffers than this is read whole (the parser then judges it).
MAX_LOCATED_BUFFERS = 250_000
# Bytes read at a table's start: all of a `Buffer` table as writers lay it out.
_HEAD_BYTES = 32

_U16, _I32, _U32, _U64 = (struct.Struct(f"<{c}") for c in "HiIQ")
_MODEL_BUFFERS = TABLES["Model"]["buffers"][0]
_BUFFER_DATA, _BUFFER_OFFSET, _BUFFER_SIZE = (TABLES["Buffer"][name][0]
                                              for name in ("data", "offset", "size"))


class FileBytes:
    """A model file's bytes (`ir.ByteSource`), holes filled on first access.

    A small file is read whole, and its payloads are located only when something asks where
    they are (`holes`: the cache key); from then on, reads inside them count as late reads too,
    although their bytes are already there.
    """

    __slots__ = ("buffer", "ends", "filled", "identity", "path", "starts", "whole")

    def __init__(self, path: str, buffer: bytes | mmap.mmap,
                 holes: list[tuple[int, int]] | None, identity: tuple[int, ...]) -> None:
        self.path = path
        self.buffer = buffer
        self.whole = holes is None
        self.starts: list[int] | None = None
        self.ends: list[int] = []
        if holes is not None:
            self._set(holes)
        self.identity = identity
        self.filled = 0

    def _set(self, holes: list[tuple[int, int]]) -> None:
        self.starts = [start for start, _end in holes]
        self.ends = [end for _start, end in holes]

    def __len__(self) -> int:
        return len(self.buffer)

    def __getitem__(self, index: slice) -> bytes:
        start, stop, _step = index.indices(len(self.buffer))
        self.fill(start, stop)
        return bytes(memoryview(self.buffer)[index])

    @property
    def holes(self) -> list[tuple[int, int]]:
        """The (start, end) of the payloads not read (or, in a file read whole, not hashed)."""
        if self.starts is None:
            self._set(_holes(_Probe(self.buffer, len(self.buffer)),
                             parameter_spans(self.buffer)))
        return list(zip(self.starts or [], self.ends, strict=True))

    def fill(self, start: int, stop: int) -> bool:
        """Read the holes overlapping `start:stop` from the file; whether there were any."""
        starts = self.starts
        if starts is None:
            return False
        first = bisect.bisect_right(self.ends, start)
        if first >= len(starts) or starts[first] >= stop:
            return False
        last = bisect.bisect_left(starts, stop)
        if not self.whole:
            self._read(first, last)
        del starts[first:last], self.ends[first:last]
        self.filled += 1
        return True

    def _read(self, first: int, last: int) -> None:
        assert self.starts is not None
        try:
            with open_regular(self.path, len(self.buffer)) as (descriptor, info):
                if _identity(info) != self.identity:
                    raise UnsafeInput("changed while it was checked")
                view = memoryview(self.buffer)
                for hole in range(first, last):
                    _read_into(descriptor, view[self.starts[hole] : self.ends[hole]],
                               self.starts[hole])
        except (OSError, ValueError) as error:
            raise ModelReadError(self.path, "open", getattr(error, "strerror", None)
                                 or str(error)) from None

    def solid_parts(self) -> Iterator[memoryview]:
        """The bytes read, in file order (holes left out)."""
        view = memoryview(self.buffer)
        position = 0
        for start, end in self.holes:
            yield view[position:start]
            position = end
        yield view[position:]


def read_sparse(path: str, limit: int) -> FileBytes:
    """The file at `path` (a regular file of at most `limit` bytes, see `safeio`), its large
    payloads left as holes."""
    with open_regular(path, limit) as (descriptor, info):
        size = info.st_size
        holes = _holes(_Probe(descriptor, size)) \
            if size >= SPARSE_FROM_BYTES and hasattr(os, "preadv") else []
        if not holes:
            return FileBytes(path, read_to_end(descriptor, size), None, _identity(info))
        # Anonymous memory: zero pages, committed only where written (and, unlike a map of
        # the file, untouched by anything done to the file).
        buffer = mmap.mmap(-1, size)
        view = memoryview(buffer)
        position = 0
        for start, end in [*holes, (size, size)]:
            _read_into(descriptor, view[position:start], position)
            position = end
        if os.pread(descriptor, 1, size):
            raise UnsafeInput("changed size while it was read")
        return FileBytes(path, buffer, holes, _identity(info))


def _identity(info: os.stat_result) -> tuple[int, ...]:
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns


def _read_into(descriptor: int, view: memoryview, offset: int) -> None:
    done = 0
    while done < len(view):
        count = os.preadv(descriptor, [view[done:]], offset + done)
        if not count:
            raise UnsafeInput("changed size while it was read")
        done += count


class _Unlocated(Exception):
    """The payloads cannot be found by the quick walk: the file is read whole."""


def _holes(probe: _Probe, parameters: list[tuple[int, int]] | None = None
           ) -> list[tuple[int, int]]:
    """Sorted, disjoint (start, end) of the payloads of at least `SKIP_BYTES` and of the
    compiled `parameters`; [] when the payloads cannot be located."""
    try:
        spans = probe.payloads()
    except _Unlocated:
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


class _Probe:
    """Small reads that find each buffer's payload, from an open file or bytes already read."""

    def __init__(self, source: int | bytes | mmap.mmap, size: int) -> None:
        self.source = source
        self.size = size
        self.vtables: dict[int, tuple[int, ...]] = {}

    def read(self, pos: int, length: int) -> bytes:
        if pos < 0 or length < 0 or pos + length > self.size:
            raise _Unlocated
        source = self.source
        raw = os.pread(source, length, pos) if isinstance(source, int) else \
            source[pos : pos + length]
        if len(raw) != length:
            raise _Unlocated
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
                raise _Unlocated
            entries = struct.unpack(f"<{vtable_size // 2}H", self.read(vtable, vtable_size))
            self.vtables[vtable] = entries
        return entries

    def table(self, pos: int) -> tuple[bytes, tuple[int, ...]]:
        """The first bytes of the table at `pos` (all of a small one) and its vtable."""
        head = self.read(pos, min(_HEAD_BYTES, self.size - pos))
        if len(head) < 4:
            raise _Unlocated
        entries = self.entries(pos - _I32.unpack_from(head)[0])
        if entries[1] < 4:
            raise _Unlocated
        return head, entries

    def scalar(self, pos: int, head: bytes, entries: tuple[int, ...], slot: int,
               unpack: struct.Struct) -> int | None:
        """A field of the table at `pos` (None when absent), from `head` when it lies there."""
        offset = entries[slot // 2] if slot // 2 < len(entries) else 0
        if not offset:
            return None
        if offset + unpack.size > entries[1]:
            raise _Unlocated
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
            raise _Unlocated
        offsets = struct.unpack(f"<{count}I", self.read(vector + 4, 4 * count))
        tables = [element + relative for element, relative in
                  zip(range(vector + 4, vector + 4 + 4 * count, 4), offsets, strict=True)]
        if isinstance(self.source, int):
            return [self.payload(pos) for pos in tables]
        return self._in_memory(tables)

    def _in_memory(self, tables: list[int]) -> list[tuple[int, int]]:
        """`payload` of each table in bytes already read, its reads inlined: a model has
        hundreds of buffers, and the cache key of every file checked needs them."""
        data, size = self.source, self.size
        assert not isinstance(data, int)
        signed, unsigned = _I32.unpack_from, _U32.unpack_from
        index, vtables = _BUFFER_DATA // 2, self.vtables
        spans = []
        for pos in tables:
            if pos + 4 > size:
                raise _Unlocated
            vtable = pos - signed(data, pos)[0]
            entries = vtables.get(vtable) or self.entries(vtable)
            field = entries[index] if index < len(entries) else 0
            if entries[1] < 4 or field + 4 > entries[1] or pos + field + 4 > size:
                raise _Unlocated
            if not field:
                # offsets from the file's start, or (most tensors: activations) no payload
                spans.append(self.payload(pos) if any(
                    entries[_BUFFER_OFFSET // 2 : _BUFFER_SIZE // 2 + 1]) else (0, 0))
                continue
            start = pos + field + unsigned(data, pos + field)[0]
            if start + 4 > size:
                raise _Unlocated
            end = start + 4 + unsigned(data, start)[0]
            if end > size:
                raise _Unlocated
            spans.append((start + 4, end))
        return spans

    def payload(self, pos: int) -> tuple[int, int]:
        head, entries = self.table(pos)
        relative = self.scalar(pos, head, entries, _BUFFER_DATA, _U32)
        if relative is not None:
            start = pos + entries[_BUFFER_DATA // 2] + relative
            length = self.u32(start)
            if start + 4 + length > self.size:
                raise _Unlocated
            return start + 4, start + 4 + length
        # Models over 2 GB keep payloads after the flatbuffer, at offsets from the file's start.
        offset = self.scalar(pos, head, entries, _BUFFER_OFFSET, _U64) or 0
        size = self.scalar(pos, head, entries, _BUFFER_SIZE, _U64) or 0
        if offset > 1 and offset + size <= self.size:
            return offset, offset + size
        return 0, 0
