"""Where the fixed model goes: checked before converting, written atomically, regular files only.

`check` runs before any conversion, so an output that cannot be written is one line and exit 2,
not a failure after minutes of work. `install` writes the bytes to a file in the target's folder
that has no name yet (`O_TMPFILE`; a killed process leaves nothing), names it only when complete
and renames it onto the target, so a reader sees the old file or the whole new one. It never
replaces a directory, a device or a symbolic link (`-o /dev/full` stays a device): the target is
checked again just before the rename, and the temporary name is opened with `O_EXCL` and
`O_NOFOLLOW` where `O_TMPFILE` is not available.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path


class OutputError(Exception):
    """The output path cannot receive the fixed model: exit 2."""


def check(path: str) -> None:
    """Raise `OutputError` when `path` is not a regular file that `fix` may replace or create."""
    target = Path(path)
    folder = target.parent
    try:
        mode: int | None = os.lstat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise OutputError(f"{path}: cannot write the output: {error.strerror}") from None
    if mode is not None and not stat.S_ISREG(mode):
        kind = ("a directory" if stat.S_ISDIR(mode) else "a symbolic link" if stat.S_ISLNK(mode)
                else "a device or special file")
        raise OutputError(f"{path}: the output is {kind}; fix writes regular files only: "
                          "choose another -o")
    if not folder.is_dir():
        raise OutputError(f"{path}: the output folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: cannot write in the output folder {folder} "
                          "(permission denied)")
    if mode is not None and not os.access(target, os.W_OK):
        raise OutputError(f"{path}: the output exists and is read-only")


def install(data: bytes, path: str) -> None:
    """Replace (or create) the regular file `path` with `data`, atomically."""
    check(path)
    target = Path(path)
    hidden = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
    try:
        handle = _unnamed(target.parent)
        if handle is None:
            handle = os.open(hidden, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                             | getattr(os, "O_CLOEXEC", 0), 0o666)
            named = True
        else:
            named = False
        try:
            _write_all(handle, data)
            os.fsync(handle)
            if not named:
                _name(handle, hidden)
        finally:
            os.close(handle)
        check(path)
        hidden.replace(target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            hidden.unlink()


def _unnamed(folder: Path) -> int | None:
    """A file in `folder` without a name (Linux `O_TMPFILE`), or None where unsupported."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag or not Path("/proc/self/fd").is_dir():
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError:
        return None


def _name(handle: int, path: Path) -> None:
    """Give the unnamed file `handle` the name `path` (a directory fd makes `os.link` call
    `linkat` with AT_SYMLINK_FOLLOW, which resolves the /proc link to the open file)."""
    folder = os.open(path.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.link(f"/proc/self/fd/{handle}", path.name, dst_dir_fd=folder, follow_symlinks=True)
    finally:
        os.close(folder)


def _write_all(handle: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(handle, view)
        view = view[written:]
