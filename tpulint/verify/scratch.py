"""The private folder one model's verification works in: the model's copy, the compiler's output.

It is a `tempfile` folder (mode 0700) removed on every way out of the `with` block: normal end,
an error, Ctrl-C, and SIGTERM or SIGHUP (which `verify` turns into an exception, see
`tpulint.verify.process.terminate_as_interrupt`). SIGKILL cannot be caught: the folder's name
holds tpulint's process id, and the next `verify` removes the folders of processes that are gone.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PREFIX = "tpulint-verify-"


class ScratchError(Exception):
    """No private folder can be made in the temporary folder (one line)."""


@contextmanager
def folder() -> Iterator[Path]:
    root = tempfile.gettempdir()
    remove_abandoned(Path(root))
    try:
        scratch = tempfile.TemporaryDirectory(prefix=f"{PREFIX}{os.getpid()}-")
    except OSError as error:
        raise ScratchError(f"cannot make a scratch folder in {root} (set TMPDIR to a "
                           f"writable folder): {error.strerror or error}") from None
    with scratch as path:
        yield Path(path)


def remove_abandoned(root: Path) -> None:
    """Remove scratch folders left by `verify` processes that no longer run (killed by SIGKILL).

    Only this user's real folders (not links) named `tpulint-verify-<pid>-*` are touched."""
    if not hasattr(os, "getuid"):
        return
    try:
        entries = [entry for entry in os.scandir(root) if entry.name.startswith(PREFIX)]
    except OSError:
        return
    for entry in entries:
        pid = entry.name[len(PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or _running(int(pid)):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid():
            shutil.rmtree(entry.path, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process, or not a process id: leave it
    return True
