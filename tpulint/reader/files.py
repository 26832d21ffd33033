"""A model file's bytes: read once from a regular file (whole, or without its large payloads:
`reader.sparse`), and told apart from other formats."""

from __future__ import annotations

import os

from tpulint._schema import tflite as schema
from tpulint.ir import ByteSource
from tpulint.reader.errors import ModelReadError
from tpulint.reader.sparse import FileBytes, read_sparse
from tpulint.safeio import read_regular

# The largest model file read: TensorFlow Lite keeps models over 2 GB as a flatbuffer followed by
# their buffers, and the converter's own limit for those is far below this.
MAX_FILE_BYTES = 8 << 30

_LFS_POINTER = b"version https://git-lfs.github.com/spec/"
# What a file that is not TensorFlow Lite most often is, by its first bytes.
_OTHER_FORMATS = (
    (b"PK\x03\x04", "a zip archive (a Keras .keras model or a zipped export?)"),
    (b"\x89HDF\r\n\x1a\n", "an HDF5 file (a Keras .h5 model?)"),
    (b"\x08", "possibly an ONNX or protobuf file"),
)


def read_file(path: str | os.PathLike[str]) -> bytes:
    """All the bytes of the model file at `path`, read in one pass (see `read_source`)."""
    name = os.fspath(path)
    try:
        return read_regular(name, MAX_FILE_BYTES)
    except (OSError, ValueError, MemoryError) as error:
        raise _open_error(name, error) from None


def read_source(path: str | os.PathLike[str]) -> FileBytes:
    """The bytes of the model file at `path` that checking it reads (`reader.sparse`).

    Only a regular file is read (a FIFO, a device or `/dev/zero` is refused on the open
    descriptor), at most `MAX_FILE_BYTES`. The file is read rather than memory-mapped: a mapped
    file truncated by another process while it is checked kills the process with SIGBUS, which
    no handler can turn into a message; the bytes that are hashed for the cache are the bytes
    that are parsed.
    """
    name = os.fspath(path)
    try:
        return read_sparse(name, MAX_FILE_BYTES)
    except (OSError, ValueError, MemoryError) as error:
        raise _open_error(name, error) from None


def _open_error(name: str, error: Exception) -> ModelReadError:
    if isinstance(error, FileNotFoundError):
        return ModelReadError(name, "open", "no such file")
    if isinstance(error, IsADirectoryError):
        return ModelReadError(name, "open", "is a directory")
    if isinstance(error, PermissionError):
        return ModelReadError(name, "open", "permission denied")
    if isinstance(error, OSError):
        return ModelReadError(name, "open", error.strerror or str(error))
    # a NUL in the name; no memory for the file
    return ModelReadError(name, "open", str(error) or "not enough memory")


def identify(data: ByteSource, path: str) -> None:
    """Refuse, with what it looks like instead, a file that is not TensorFlow Lite."""
    head = bytes(data[:64])
    if not head:
        raise ModelReadError(path, "file identifier", "the file is empty")
    if head.startswith(_LFS_POINTER):
        raise ModelReadError(path, "file identifier",
                             "this is a Git LFS pointer, not the model: run `git lfs pull`")
    if len(data) < 8:
        raise ModelReadError(path, "file identifier",
                             f"{len(data)} bytes is too short for a TensorFlow Lite model")
    if head[4:8] != schema.FILE_IDENTIFIER:
        guess = next((what for magic, what in _OTHER_FORMATS if head.startswith(magic)), None)
        also = f"; {guess}" if guess else ""
        reason = f"not a TensorFlow Lite model (no 'TFL3' identifier{also})"
        raise ModelReadError(path, "file identifier", reason)
