"""How long one model may take to check, so that no file can hold a run (a pre-commit hook, a
CI job) for long.

Reading and analysis are linear in the file's structures, but a crafted file within every count
limit can still cost seconds, and a plugin rule can be slow. The budget (`time-budget` seconds,
`--time-budget`) covers parsing and checking one model; past it the model is bad input: one
line naming the file and the budget, exit 3, and the other models are still checked.

On POSIX the main thread of each process (the run's, or a `--jobs` worker's) gets a real-time
alarm that interrupts the check where it is. Elsewhere (Windows, another thread) the time is
checked once the model is done, which still reports it but cannot cut it short. An alarm set by
the caller (a harness bounding a whole case) is kept: the shorter of the two applies, and the
caller's is re-armed afterwards.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import time
from collections.abc import Iterator
from types import FrameType

DEFAULT_SECONDS = 60.0  # the 10,000-operator benchmark model takes 17 s on a slow machine


class OverBudget(BaseException):
    """The model took longer than its budget. A `BaseException`, like `KeyboardInterrupt`, so
    that the `except Exception` around each rule does not report it as a failing rule."""


def message(path: str, seconds: float) -> str:
    return (f"{path}: not checked: took longer than the time budget of {seconds:g} s "
            "(`time-budget` in the configuration, --time-budget)")


def valid(seconds: object) -> bool:
    return isinstance(seconds, int | float) and not isinstance(seconds, bool) and \
        math.isfinite(seconds) and seconds > 0


@contextlib.contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise `OverBudget` in the block once `seconds` have passed."""
    start = time.monotonic()
    if not hasattr(signal, "setitimer") or threading.current_thread() is not \
            threading.main_thread():
        yield
        if time.monotonic() - start > seconds:
            raise OverBudget
        return
    outer, _ = signal.getitimer(signal.ITIMER_REAL)
    if outer and outer <= seconds:  # the caller's alarm comes first: leave it alone
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise OverBudget

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:  # re-arm the caller's alarm with what is left of it
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - start), 1e-3))
