"""Run `tpulint ARGV` for a fuzz case, in `case/project`, bounded in time and memory.

`run_forked` runs it in a child forked from this process (the whole process group is killed
past the time bound, and the resident memory the child adds is measured); `run_inline` runs it
in this process, three times cheaper, for cases that start no process of their own. Either way
the case folder's `cache`, `tmp` and `home` stand in for the user's.
"""

from __future__ import annotations

import contextlib
import io
import os
import resource
import select
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

MEMORY_MB = 1024  # address space a case may add to the worker


@dataclass
class Outcome:
    code: int | None  # None: killed at the time bound
    stdout: str
    stderr: str
    seconds: float
    added_rss_mb: float
    signal: int = 0


def run_forked(argv: list[str], case: Path, seconds: float, memory_mb: int = MEMORY_MB
               ) -> Outcome:
    """`tpulint ARGV` in a child process of this one, in `case/project`."""
    out, err = case.parent / f"{case.name}.out", case.parent / f"{case.name}.err"
    argv = [str(case) + "/" + a[1:] if a.startswith("@") else a for a in argv]
    before = _rss_mb()
    sys.stdout.flush()
    sys.stderr.flush()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        _child(argv, case, out, err, memory_mb)
    descriptor = os.pidfd_open(pid)
    try:
        ready, _w, _x = select.select([descriptor], [], [], seconds)
        if not ready:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        _pid, status, usage = os.wait4(pid, 0)
    finally:
        os.close(descriptor)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)  # what the run left behind (a compiler's children)
    elapsed = time.monotonic() - started
    stdout = _read_text(out)
    stderr = _read_text(err)
    out.unlink()
    err.unlink()
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    return Outcome(code if ready else None, stdout, stderr, elapsed,
                   max(0.0, usage.ru_maxrss / 1024 - before),
                   os.WTERMSIG(status) if os.WIFSIGNALED(status) and ready else 0)


class CaseTimeout(BaseException):
    """An inline case ran past its time bound (no `except Exception` may hide it)."""


def _on_alarm(signum: int, frame: object) -> None:
    raise CaseTimeout


def run_inline(argv: list[str], case: Path, seconds: float) -> Outcome:
    """`tpulint ARGV` in this process, in `case/project`: three times cheaper than a fork, for
    cases that start no process of their own. The worker's address space is bounded."""
    argv = [str(case) + "/" + a[1:] if a.startswith("@") else a for a in argv]
    saved_env, here = dict(os.environ), Path.cwd()
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    code: int | None = None
    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    try:
        os.chdir(case / "project")
        os.environ.update(_environment(case))
        os.environ.pop("TPULINT_EDGETPU_COMPILER", None)
        tempfile.tempdir = None
        from tpulint.cli import main

        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            signal.setitimer(signal.ITIMER_REAL, seconds)
            try:
                code = main(argv)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            out.flush()
            err.flush()
    except CaseTimeout:
        code = None
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 98
    except BaseException:
        import traceback

        err.write(traceback.format_exc())
        code = 99
    finally:
        signal.signal(signal.SIGALRM, previous)
        os.chdir(here)
        os.environ.clear()
        os.environ.update(saved_env)
        tempfile.tempdir = None
    return Outcome(code, _text(out), _text(err), time.monotonic() - started, 0.0)


def _text(stream: io.TextIOWrapper) -> str:
    with contextlib.suppress(ValueError, UnicodeError):
        stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue()[: 4 << 20].decode("utf-8", "replace")


def _environment(case: Path) -> dict[str, str]:
    return {"TPULINT_CACHE_DIR": str(case / "cache"), "TMPDIR": str(case / "tmp"),
            "HOME": str(case / "home"), "XDG_CACHE_HOME": str(case / "home" / ".cache")}


def _read_text(path: Path) -> str:
    with path.open("rb") as stream:
        data = stream.read(4 << 20)
    return data.decode("utf-8", "replace")


def _child(argv: list[str], case: Path, out: Path, err: Path, memory_mb: int) -> None:
    code = 99
    try:
        os.setsid()
        for fd, path, flags in ((0, os.devnull, os.O_RDONLY),
                                (1, out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                                (2, err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
            opened = os.open(path, flags, 0o600)
            os.dup2(opened, fd)
            os.close(opened)
        os.chdir(case / "project")
        os.environ.update(_environment(case))
        os.environ.pop("TPULINT_EDGETPU_COMPILER", None)
        tempfile.tempdir = None
        limit = address_space() + (memory_mb << 20)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        from tpulint.cli import main

        code = main(argv)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 98
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def address_space() -> int:
    return int(Path("/proc/self/statm").read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE")
