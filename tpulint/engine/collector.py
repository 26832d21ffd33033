"""Cyclic garbage collection paused around work that only builds acyclic data, and kept off
what the `tpulint` program builds while it starts."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while one model is checked or a report is rendered: their
    data are acyclic and only grow, and each full collection walks all of them again, which
    made the check of 100,000 operators superlinear (28% of it in the collector). Collection
    resumes after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# Whether this process runs as the `tpulint` program (`cli.main` called as the command) and is
# still starting. A caller running tpulint inside its own process keeps its collector as it is.
_starting = False


def program_starting() -> None:
    """The program starts: what it builds until `started()` (modules, classes, tables, the
    parser, the rules) lasts until the process exits, so no collection runs meanwhile: each
    one would walk all of it again."""
    global _starting
    if gc.isenabled():
        gc.disable()
        _starting = True


def started() -> None:
    """Start-up is over: what it built is put out of the collector's reach (`gc.freeze`), so
    later collections never walk it, and collection resumes."""
    global _starting
    if _starting:
        _starting = False
        gc.freeze()
        gc.enable()

