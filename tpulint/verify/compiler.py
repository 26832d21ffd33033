"""Run `edgetpu_compiler` on a copy of a model, in a temporary directory, with a time limit.

The compiler writes `<name>_edgetpu.tflite` and `<name>_edgetpu.log` next to where it is told;
running it on a copy in a private directory keeps the user's folder untouched. Only the options
that change the result are passed through. The compiler has its own timer (`-t`); tpulint stops
it a little after that, since a stuck compiler would otherwise hang the run.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tpulint.analysis.compiler_options import CompilerOptions

DEFAULT_TIMEOUT = 180  # seconds; the compiler's own default


@dataclass(frozen=True, slots=True)
class CompileOptions:
    # the options the prediction assumed (-m, -a, -d, -k, -i), handed on unchanged
    compiler: CompilerOptions = field(default_factory=CompilerOptions)
    timeout: int = DEFAULT_TIMEOUT  # -t, and tpulint's own limit

    def arguments(self) -> list[str]:
        return ["-s", "-t", str(self.timeout), *self.compiler.arguments()]


@dataclass
class CompileRun:
    """One compiler run: what it was given, what it printed and what it wrote."""

    command: list[str]
    exit_code: int | None  # None when tpulint stopped it
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False
    compiled: Path | None = None
    log: Path | None = None
    log_text: str = ""
    kept: list[Path] = field(default_factory=list)  # copies written for -o


def grace_seconds(timeout: int) -> float:
    """How long after the compiler's own timer tpulint waits before stopping it."""
    return max(1.0, min(30.0, timeout * 0.1))


def compile_model(compiler: str, model: Path, workdir: Path, options: CompileOptions,
                  keep: Path | None = None) -> CompileRun:
    """Compile a copy of `model` inside `workdir`; copy the results to `keep` if given."""
    source = workdir / "in" / model.name
    out = workdir / "out"
    source.parent.mkdir(parents=True, exist_ok=True)
    out.mkdir(exist_ok=True)
    shutil.copyfile(model, source)
    command = [compiler, "-o", str(out), *options.arguments(), str(source)]
    started = time.monotonic()
    stdout, stderr, code, timed_out = _run(command, workdir,
                                           options.timeout + grace_seconds(options.timeout))
    run = CompileRun(command, code, stdout, stderr, time.monotonic() - started, timed_out)
    compiled = out / f"{source.stem}_edgetpu.tflite"
    log = out / f"{source.stem}_edgetpu.log"
    run.compiled = compiled if compiled.is_file() else None
    if log.is_file():
        run.log = log
        run.log_text = log.read_text(encoding="utf-8", errors="replace")
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        for produced in (run.compiled, run.log):
            if produced is not None:
                run.kept.append(Path(shutil.copy2(produced, keep / produced.name)))
    return run


def _run(command: list[str], cwd: Path, limit: float) -> tuple[str, str, int | None, bool]:
    # A process group of its own, so stopping it also stops the compiler's child process.
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, text=True, errors="replace",
                               start_new_session=os.name == "posix")
    try:
        stdout, stderr = process.communicate(timeout=limit)
        return stdout, stderr, process.returncode, False
    except subprocess.TimeoutExpired:
        _stop(process)
        stdout, stderr = process.communicate()
        return stdout, stderr, None, True


def _stop(process: subprocess.Popen[str]) -> None:
    if os.name == "posix":
        try:
            os.killpg(process.pid, signal.SIGKILL)
            return
        except ProcessLookupError:
            return
    process.kill()
