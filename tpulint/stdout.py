"""Standard output that fails loudly: a report that could not be written is not a success.

Python reports a failed flush at exit only as "Exception ignored" and still exits 0, so a full
disk or `/dev/full` behind stdout would pass as a clean run. tpulint flushes before it returns
and turns a write error into one line and exit 2 (`UsageError`).
"""

from __future__ import annotations

import errno
import os
import sys

from tpulint.exitcodes import UsageError


def flush() -> None:
    """Flush stdout; a write error other than a closed pipe is a `UsageError`."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as error:
        raise failed(error) from None


# What a write to a full or broken device raises; reads of a named file carry its name instead.
_WRITE_ERRORS = {errno.ENOSPC, errno.EIO, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


def is_write_failure(error: OSError) -> bool:
    """Whether `error` is a failed write to stdout rather than a problem with a named file."""
    return error.filename is None and error.errno in _WRITE_ERRORS


def failed(error: OSError) -> UsageError:
    """The error for a failed write to stdout, after pointing stdout at /dev/null so the
    interpreter's own flush at exit does not fail a second time."""
    silence()
    return UsageError(f"cannot write to standard output: {error.strerror or error}")


def silence() -> None:
    """Point stdout at /dev/null (what is still buffered is dropped)."""
    import contextlib  # here: `--version` and `rules` never need it

    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
