"""How tools/fuzz.py checks one case: in process, as `tpulint check` would (read, every analysis,
every rule including preview ones, every output format) under a time bound; and through the real
CLI in a fresh process with a bounded address space.
"""

from __future__ import annotations

import io
import os
import resource
import signal
import subprocess
import sys
import warnings
from pathlib import Path
from types import FrameType


class CaseTimeout(BaseException):
    """A case ran past its time bound (a BaseException, so no `except Exception` hides it)."""


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise CaseTimeout


class Checker:
    """Read, analyse, run every rule and render every format, as `tpulint check` does."""

    def __init__(self, workdir: Path, timeout: float) -> None:
        from tpulint.engine.config import load_settings
        from tpulint.engine.registry import load_registry
        from tpulint.engine.selection import Selection

        self.settings = load_settings(None, isolated=True)
        self.settings.preview = True
        self.registry = load_registry(plugins=False)
        self.rules = Selection(self.registry, self.settings).enabled
        self.workdir = workdir
        self.timeout = timeout
        signal.signal(signal.SIGALRM, _on_alarm)

    def run(self, data: bytes) -> str:
        """The outcome ('result' or 'bad input: STEP'); raises when tpulint fails."""
        signal.setitimer(signal.ITIMER_REAL, self.timeout)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                return self._run(data)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)

    def _run(self, data: bytes) -> str:
        from tpulint.engine.check import check_model
        from tpulint.reader import ModelReadError, read_model
        from tpulint.report import FORMATS, renderer
        from tpulint.results import ModelResult, RunResult

        path = self.workdir / "case.tflite"
        path.write_bytes(data)
        try:
            model = read_model(path)
        except ModelReadError as error:
            if "\n" in str(error) or "\r" in str(error):
                raise AssertionError(f"error message spans lines: {error!s:.200}") from None
            result = ModelResult(str(path), error=str(error))
            outcome = f"bad input: {error.step.split()[0]}"
        else:
            result = check_model(model, str(path), self.rules, self.settings)
            outcome = "result"
        run = RunResult([result], self.settings, {rule.code: rule for rule in self.registry})
        for name in FORMATS:
            renderer(name)(run, io.StringIO(), "never")
        return outcome


def run_cli(data: bytes, workdir: Path, output_format: str, memory_mb: int) -> str | None:
    """Why the real CLI's handling of `data` is wrong, or None."""
    path = workdir / "cli-case.tflite"
    path.write_bytes(data)
    limit = memory_mb << 20

    def bound() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tpulint", "check", "--isolated", "--preview",
             "--format", output_format, str(path)],
            capture_output=True, text=True, errors="replace", timeout=60, cwd=workdir,
            preexec_fn=bound, env=env, check=False)
    except subprocess.TimeoutExpired:
        return "the CLI ran for more than 60 s"
    lines = done.stderr.splitlines()
    if done.returncode not in (0, 1, 3):
        return f"CLI exit {done.returncode}: {done.stderr[-500:]}"
    if "Traceback" in done.stderr or len(lines) > 1:
        return f"CLI wrote {len(lines)} stderr lines: {done.stderr[-500:]}"
    if done.returncode == 3 and not lines:
        return "CLI exit 3 without an error line"
    return None
