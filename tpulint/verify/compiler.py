"""Run `edgetpu_compiler` on a copy of a model, in a temporary directory, with a time limit.

The compiler writes `<name>_edgetpu.tflite` and `<name>_edgetpu.log` next to where it is told;
running it on a copy in a private directory keeps the user's folder untouched. Only the options
that change the result are passed through. The compiler has its own timer (`-t`); tpulint stops
it, with every process it started, a little after that (`tpulint.verify.process`), since a stuck
compiler would otherwise hang the run.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from tpulint.analysis.compiler_options import CompilerOptions
from tpulint.verify import process

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
    notes: list[str] = field(default_factory=list)  # output left out, copies not kept


def grace_seconds(timeout: int) -> float:
    """How long after the compiler's own timer tpulint waits before stopping it."""
    return max(1.0, min(30.0, timeout * 0.1))


def deadline_seconds(timeout: int) -> float:
    """All the time one model's compiler runs may take (`--version` included)."""
    return timeout + grace_seconds(timeout)


def compile_model(compiler: str, model: Path, workdir: Path, options: CompileOptions,
                  seconds: float, keep: Path | None = None) -> CompileRun:
    """Compile a copy of `model` inside `workdir` within `seconds`; copy the results to `keep`.

    Raises `process.CannotStart` when the compiler does not start.
    """
    # A short name of tpulint's own: the user's may be too long once `_edgetpu.tflite` is added.
    source = copy_path(workdir)
    out = workdir / "out"
    source.parent.mkdir(parents=True, exist_ok=True)
    out.mkdir(exist_ok=True)
    shutil.copyfile(model, source)
    command = [compiler, "-o", str(out), *options.arguments(), str(source)]
    done = process.run(command, workdir, seconds)
    run = CompileRun(command, done.exit_code, done.stdout.text(), done.stderr.text(),
                     done.seconds, done.timed_out)
    compiled = out / f"{source.stem}_edgetpu.tflite"
    log = out / f"{source.stem}_edgetpu.log"
    run.compiled = compiled if compiled.is_file() else None
    logged = process.read_capped(log) if log.is_file() else None
    if logged is not None:
        run.log = log
        run.log_text = logged.text()
    for name, stream in (("stdout", done.stdout), ("stderr", done.stderr),
                         ("operation log", logged)):
        if stream is not None and stream.left_out:
            run.notes.append(f"the compiler's {name} held {stream.total:,} bytes: tpulint kept "
                             f"the first and last {process.KEEP_BYTES // 2**20} MiB")
    if keep is not None:
        _keep(run, keep, model.stem)
    return run


def copy_path(workdir: Path) -> Path:
    """Where the model's copy goes, the path the compiler's messages name."""
    return workdir / "in" / "model.tflite"


def _keep(run: CompileRun, keep: Path, stem: str) -> None:
    """Copies named after the user's model, as the compiler would have named them."""
    try:
        keep.mkdir(parents=True, exist_ok=True)
        for produced, suffix in ((run.compiled, ".tflite"), (run.log, ".log")):
            if produced is not None:
                target = keep / f"{stem}_edgetpu{suffix}"
                run.kept.append(Path(shutil.copy2(produced, target)))
    except OSError as error:
        run.notes.append(f"the compiler's output was not kept in {keep}: "
                         f"{error.strerror or error}")
