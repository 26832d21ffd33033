"""Run an outside program (`edgetpu_compiler`) with a deadline and a bound on what it prints.

- The program gets a session of its own, so it and every helper it starts form one process group,
  and that group is killed when the program exits, at the deadline, or when tpulint itself is
  interrupted: nothing it started outlives the call.
- Its output is read as it comes, both pipes in one loop. Each stream keeps its first and last
  `KEEP_BYTES` and counts what it left out, so a program printing gigabytes costs a few MiB.
- Once the program has exited, the pipes are read only for what is already in them: a helper that
  left the group and still holds a pipe cannot make the call wait.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

KEEP_BYTES = 2 * 1024 * 1024  # of each stream's start and of its end
CHUNK_BYTES = 64 * 1024
DRAIN_SECONDS = 0.5  # after the program exits, for output still in the pipes
POLL_SECONDS = 0.1  # how often the loop looks whether the program has exited


class CannotStart(Exception):
    """The program could not be started (missing, not executable, wrong architecture)."""


class Terminated(BaseException):
    """tpulint received SIGTERM or SIGHUP: unwinds like Ctrl-C, so clean-up code runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass
class CappedStream:
    """The head and tail of one output stream, and how many bytes came in all."""

    head: bytearray = field(default_factory=bytearray)
    tail: bytearray = field(default_factory=bytearray)
    total: int = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = KEEP_BYTES - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        self.tail += chunk
        if len(self.tail) > 2 * KEEP_BYTES:  # trimmed in batches, not at every chunk
            del self.tail[:-KEEP_BYTES]

    @property
    def left_out(self) -> int:
        return self.total - len(self.head) - min(len(self.tail), KEEP_BYTES)

    def text(self) -> str:
        tail = self.tail[-KEEP_BYTES:]
        gap = f"\n[tpulint: {self.left_out} bytes left out here]\n" if self.left_out else ""
        return (self.head.decode("utf-8", "replace") + gap
                + bytes(tail).decode("utf-8", "replace"))


@dataclass(frozen=True, slots=True)
class Finished:
    exit_code: int | None  # None when tpulint stopped it at the deadline
    stdout: CappedStream
    stderr: CappedStream
    seconds: float

    @property
    def timed_out(self) -> bool:
        return self.exit_code is None


def run(command: list[str], cwd: Path | None, seconds: float) -> Finished:
    """Run `command` for at most `seconds`; raises `CannotStart` when it does not start."""
    started = time.monotonic()
    try:
        process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   start_new_session=True)
    except OSError as error:
        raise CannotStart(error.strerror or str(error)) from None
    assert process.stdout is not None and process.stderr is not None
    streams = {process.stdout: CappedStream(), process.stderr: CappedStream()}
    try:
        exited = _pump(process, streams, started + seconds)
    finally:
        # Also on Ctrl-C or SIGTERM: the group goes before tpulint removes its scratch folder.
        _kill_group(process)
        for pipe in streams:
            pipe.close()
        process.wait()
    return Finished(process.returncode if exited else None, streams[process.stdout],
                    streams[process.stderr], time.monotonic() - started)


def _pump(process: subprocess.Popen[bytes], streams: dict[IO[bytes], CappedStream],
          deadline: float) -> bool:
    """Read both pipes until they close; False when the deadline came first."""
    exited_at: float | None = None
    with selectors.DefaultSelector() as selector:
        for pipe in streams:
            os.set_blocking(pipe.fileno(), False)
            selector.register(pipe, selectors.EVENT_READ)
        while selector.get_map():
            now = time.monotonic()
            if exited_at is None and _has_exited(process):
                exited_at = now
                _kill_group(process)  # its helpers; what they wrote stays in the pipes
            limit = deadline if exited_at is None else min(deadline, exited_at + DRAIN_SECONDS)
            if now >= limit:
                return exited_at is not None
            for key, _ in selector.select(min(limit - now, POLL_SECONDS)):
                chunk = os.read(key.fd, CHUNK_BYTES)
                if chunk:
                    streams[key.fileobj].add(chunk)  # type: ignore[index]
                else:
                    selector.unregister(key.fileobj)
    try:  # both pipes closed: the program may still be running
        process.wait(max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        return False
    return True


def _has_exited(process: subprocess.Popen[bytes]) -> bool:
    """Whether the program has exited, without reaping it: while it is a zombie its process
    group id cannot be given to another process, so killing the group stays safe."""
    if hasattr(os, "waitid"):
        state = os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        return state is not None
    return process.poll() is not None


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    if os.name != "posix":  # no process groups to kill: the program alone
        process.kill()
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone already
        os.killpg(process.pid, signal.SIGKILL)


def read_capped(path: Path) -> CappedStream:
    """A file the program wrote, kept as its output is: the head and tail only. The middle of a
    large file is skipped, not read: a log of gigabytes (or a sparse one) costs two reads."""
    kept = CappedStream()
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        kept.add(file.read(KEEP_BYTES))
        if size > 2 * KEEP_BYTES:
            file.seek(size - KEEP_BYTES)
            kept.total += size - 2 * KEEP_BYTES  # counted as left out, never read
        while chunk := file.read(CHUNK_BYTES):
            kept.add(chunk)
            if kept.total > size + KEEP_BYTES:  # still growing: keep no more than this
                break
    return kept


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise `Terminated`, so `finally` clauses and
    `with` blocks (the process group kill, the scratch folder removal) run as for Ctrl-C."""
    def raise_terminated(signum: int, _frame: object) -> None:
        raise Terminated(signum)

    wanted = [s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]
    try:
        previous = {s: signal.signal(s, raise_terminated) for s in wanted}
    except ValueError:  # not the main thread: signals cannot be handled here
        yield
        return
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
