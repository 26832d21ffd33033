"""Where a report goes: standard output, or a file named with `--output-file`."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

from tpulint.exitcodes import UsageError

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from typing import TextIO


@contextlib.contextmanager
def output_stream(path: str | None) -> Iterator[TextIO]:
    """Standard output, or the file at `path` (a write failure is a usage error)."""
    from tpulint.safeio import atomic_writer, replaceable

    if path is None:
        try:
            yield sys.stdout
        except BrokenPipeError:
            raise
        except OSError as error:  # a full disk or device behind stdout: one line, exit 2
            from tpulint.stdout import failed, is_write_failure

            if not is_write_failure(error):
                raise
            raise failed(error) from None
        return
    try:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        if replaceable(target, links=False):
            # A report is complete or absent: a run that fails half-way leaves the old file.
            with atomic_writer(target) as stream:
                yield stream
        else:  # a device, a pipe or a link: written through, never replaced
            with target.open("w", encoding="utf-8") as stream:
                yield stream
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from None
