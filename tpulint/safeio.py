"""Reads and writes that a hostile repository cannot turn against tpulint.

Reads open the file without blocking (a FIFO must not hang the open), check on the open
descriptor that it is a regular file (a path can be swapped between a check and the open), and
read at most a stated number of bytes in one pass, so `/dev/zero`, a FIFO or a file growing while
it is read ends in one line instead of a hang or gigabytes of memory. The bytes returned are the
only copy tpulint looks at: whatever hashes them parses them too.

Writes go to a new private temporary file beside the target and are renamed over it, so a reader
never sees half a file and a link planted at the target is replaced, never followed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from typing import TextIO

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_BINARY = getattr(os, "O_BINARY", 0)  # Windows
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class UnsafeInput(OSError):
    """A file that is not read: not a regular file, too large, changed while read."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.strerror = reason


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def read_regular(path: str | os.PathLike[str], limit: int, *, follow: bool = True,
                 private: bool = False) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them.

    Raises `UnsafeInput` (an `OSError`) for anything else; other `OSError`s as the system gives
    them. `follow=False` refuses a symbolic link at `path` itself; `private` a file another
    user owns or may write.
    """
    with open_regular(path, limit, follow=follow, private=private) as (descriptor, info):
        return read_to_end(descriptor, info.st_size)


def read_to_end(descriptor: int, size: int) -> bytes:
    """The `size` bytes left in an open file; `UnsafeInput` when there are more or fewer."""
    pieces = [os.read(descriptor, size)] if size else []
    done = len(pieces[0]) if pieces else 0
    while done < size:  # a short read: Linux reads at most 2 GB at once
        piece = os.read(descriptor, size - done)
        if not piece:
            raise UnsafeInput("changed size while it was read")
        pieces.append(piece)
        done += len(piece)
    if os.read(descriptor, 1):
        raise UnsafeInput("changed size while it was read")
    # One read of the exact size is the usual case and costs no copy.
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)


@contextlib.contextmanager
def open_regular(path: str | os.PathLike[str], limit: int, *, follow: bool = True,
                 private: bool = False) -> Iterator[tuple[int, os.stat_result]]:
    """The open descriptor of the regular file at `path` and its `fstat`, checked as
    `read_regular` says; closed on leaving."""
    flags = os.O_RDONLY | _NONBLOCK | _BINARY | _CLOEXEC | (0 if follow else _NOFOLLOW)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if not follow and error.errno == errno.ELOOP:
            raise UnsafeInput("is a symbolic link") from None
        raise
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeInput(f"is {_kind(info.st_mode)}, not a regular file")
        if private and not owned_privately(info):
            raise UnsafeInput("is owned or writable by another user")
        if info.st_size > limit:
            raise UnsafeInput(f"{info.st_size:,} bytes, more than the {limit:,} tpulint reads")
        yield descriptor, info
    finally:
        os.close(descriptor)


def owned_privately(info: os.stat_result) -> bool:
    """Owned by this user and writable by no one else (always true where there are no uids)."""
    if not hasattr(os, "geteuid"):
        return True
    return info.st_uid == os.geteuid() and not info.st_mode & 0o022


def read_text(path: str | os.PathLike[str], limit: int, *, follow: bool = True) -> str:
    """`read_regular` decoded as UTF-8 (a `UnicodeDecodeError` is the caller's to word)."""
    return read_regular(path, limit, follow=follow).decode("utf-8")


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str], *, private: bool = False) -> Iterator[TextIO]:
    """A text stream whose content replaces `path` only once it is complete.

    The temporary file is created beside the target (same file system, so the rename is
    atomic) with `O_EXCL`, which never follows a link; `private` keeps it readable by the owner
    only. On any error the temporary file is removed and the target left as it was.
    """
    import tempfile  # writing files is rare beside reading them

    target = Path(path)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name[:40]}.",
                                         suffix=".tmp")
    try:
        if not private:
            umask = os.umask(0)
            os.umask(umask)
            Path(temporary).chmod(0o666 & ~umask)
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            yield stream
            stream.flush()
        Path(temporary).replace(target)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(temporary).unlink()
        raise


def replaceable(path: Path, *, links: bool) -> bool:
    """Whether a new file may be renamed over `path`: nothing or a regular file is there, or,
    with `links`, a symbolic link (the rename replaces the link itself, never its target).
    Never a device, FIFO or directory."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return True
    return stat.S_ISREG(mode) or (links and stat.S_ISLNK(mode))
