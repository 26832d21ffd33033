"""A model file read without its large constant payloads, which `check` does not look at.

Weights are most of a model's bytes, and no built-in analysis reads them: the reader needs the
tables, and the rules only a few small constants (axes, paddings, strides). A compiled model's
parameters are not read either (`reader.edgetpu`). So a large file is read in two passes over
one open descriptor: the blocks holding the tables are read to find each `Buffer`'s payload and
each package's parameters (`reader.payloads`), then every byte outside the payloads of at least
`SKIP_BYTES` and the parameters is read into a zero-filled buffer (the skipped parts, "holes",
are never touched, so the system never commits memory for them).

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
from collections.abc import Iterator

from tpulint.reader.edgetpu import parameter_spans
from tpulint.reader.errors import ModelReadError
from tpulint.reader.payloads import Blocks, Probe, locate, read_into
from tpulint.safeio import UnsafeInput, open_regular, read_to_end

# Smaller files are read in one call: finding their payloads costs more than reading them
# (a few milliseconds for a 4 MB model).
SPARSE_FROM_BYTES = 16 << 20


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
            self._set(locate(Probe(self.buffer, len(self.buffer)),
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
                    read_into(descriptor, view[self.starts[hole] : self.ends[hole]],
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
        if size < SPARSE_FROM_BYTES or not hasattr(os, "preadv"):
            return FileBytes(path, read_to_end(descriptor, size), None, _identity(info))
        # Anonymous memory: zero pages, committed only where written (and, unlike a map of
        # the file, untouched by anything done to the file). The walk that finds the holes
        # reads the blocks it looks at into it; then everything outside the holes is read.
        buffer = mmap.mmap(-1, size)
        blocks = Blocks(descriptor, buffer, size)
        holes = locate(Probe(buffer, size, blocks), parameter_spans(buffer, blocks))
        if not holes:
            return FileBytes(path, read_to_end(descriptor, size), None, _identity(info))
        view = memoryview(buffer)
        position = 0
        for start, end in [*holes, (size, size)]:
            read_into(descriptor, view[position:start], position)
            position = end
        if os.pread(descriptor, 1, size):
            raise UnsafeInput("changed size while it was read")
        return FileBytes(path, buffer, holes, _identity(info))

def _identity(info: os.stat_result) -> tuple[int, ...]:
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns
