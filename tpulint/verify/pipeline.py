"""Verify one model: predict, compile (or read an earlier compilation), compare, run.

Everything the compiler writes goes to a private scratch folder that is removed afterwards
(`tpulint.verify.scratch`), unless the user asked for a copy (`-o DIR`). All compiler runs for one
model (the compilation, then `--version` if its output named no version) share one deadline. What
could not be done is recorded, not raised: a missing compiler still leaves the prediction and the
CPU reference run to report, and a model where nothing could be compared is "not verified", with
the reason.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from tpulint.api import Finding, Rule
from tpulint.engine.check import lint_model
from tpulint.engine.config import Settings
from tpulint.engine.suppress import Suppressions
from tpulint.ir import Model
from tpulint.reader import ModelReadError, read_model
from tpulint.results import ModelResult
from tpulint.verify import device, findings, log, process, scratch, tools
from tpulint.verify.compiled import CompiledPlacement, match
from tpulint.verify.compiler import (
    CompileOptions,
    CompileRun,
    compile_model,
    copy_path,
    deadline_seconds,
)
from tpulint.verify.tools import Compiler, compiler_major
from tpulint.verify.verdict import Comparison, compare

PREDICTED_COMPILER = 16  # the compiler version tpulint's prediction models
VERSION_SECONDS = 10.0  # `--version` answers at once; what is left of the deadline, up to this


@dataclass(frozen=True)
class Request:
    """What to do for every model of a `verify` run."""

    check_rules: list[Rule]
    verify_rules: list[Rule]
    settings: Settings
    suppressions: Suppressions
    options: CompileOptions
    compiler: Compiler | None = None
    compiled: Path | None = None  # an earlier compilation to verify against
    log: Path | None = None
    keep: Path | None = None
    interpreter: ModuleType | None = None  # None: no run
    data: Path | None = None
    seed: int = 0
    runs: int = 10
    device: str | None = None

    @property
    def earlier(self) -> bool:
        """Verify against an earlier compilation's files instead of running the compiler."""
        return self.compiled is not None or self.log is not None


@dataclass
class Verification:
    path: str
    error: str | None = None  # bad input: the model (or --data) cannot be used
    check: ModelResult | None = None
    compile_run: CompileRun | None = None
    compiler_output: log.CompilerOutput | None = None
    report: log.CompilerReport | None = None  # the operation table and summary for this model
    compiled: CompiledPlacement | None = None
    comparison: Comparison | None = None
    findings: list[Finding] = field(default_factory=list)  # TPU5xx
    device: device.DeviceReport | None = None
    notes: list[str] = field(default_factory=list)
    not_verified: str | None = None  # why nothing was compared, when something should have been
    missing: tools.Missing | None = None  # the compiler was found but does not start

    @property
    def verified(self) -> bool:
        return self.comparison is not None and self.not_verified is None


def verify(path: str, request: Request) -> Verification:
    result = Verification(path)
    try:
        model = read_model(path)
    except ModelReadError as error:
        result.error = str(error)
        return result
    if model.compiled:
        result.error = (f"{path}: already compiled for the Edge TPU; verify the model you give "
                        "to edgetpu_compiler")
        return result
    result.check = lint_model(model, path, request.check_rules, request.settings,
                              request.suppressions)
    with scratch.folder() as workdir:
        compiled_file = _compile(Path(path), workdir, request, result)
        if compiled_file is not None:
            result.compiled = _placement(model, compiled_file, request, result)
        failed = _failed(result)
        if result.compile_run is not None or request.earlier:
            errors = result.compiler_output.errors if result.compiler_output else []
            result.comparison = compare(result.check, result.compiled, result.report, failed,
                                        errors)
            result.findings = findings.emit(request.verify_rules, result.comparison)
            if not failed and not result.comparison.summary["compared"]:
                result.not_verified = result.not_verified or \
                    "the compiler's output places no operator of this model"
        if request.interpreter is not None:
            usable = compiled_file if result.compiled is not None and not failed else None
            _run(Path(path), usable, request, result)
    return result


def _placement(model: Model, compiled_file: Path, request: Request,
               result: Verification) -> CompiledPlacement | None:
    """Where the compiled model put each operator; None when it cannot tell."""
    given = f"--compiled {compiled_file}" if request.earlier else "the compiled model"
    try:
        compiled = read_model(str(compiled_file))
    except ModelReadError as error:
        problem = f"{given} cannot be read: {error}"
    else:
        if compiled.compiled or not request.earlier:
            return match(model, compiled)
        problem = f"{given} holds no Edge TPU operator: it is not a compiled model"
    if request.earlier:
        result.not_verified = problem
    else:  # the compiler reported success but wrote something unusable: a failed compilation
        assert result.compile_run is not None and result.compiler_output is not None
        result.compile_run.compiled = None
        result.compiler_output.errors.append(f"Invalid output: {problem}")
    return None


def _compile(model: Path, workdir: Path, request: Request,
             result: Verification) -> Path | None:
    """The compiled model to compare with (from the compiler or the user), reading its output."""
    if request.earlier:
        text = ""
        if request.log is not None:
            try:
                text = process.read_capped(request.log).text()
            except OSError as error:
                result.not_verified = f"--log {request.log} cannot be read: " \
                                      f"{error.strerror or error}"
        result.compiler_output = log.parse(text)
        result.report = _report_for(result.compiler_output, model)
        return request.compiled
    if request.compiler is None:
        return None
    compiler = request.compiler.path
    deadline = time.monotonic() + deadline_seconds(request.options.timeout)
    try:
        run = compile_model(compiler, model, workdir, request.options,
                            deadline - time.monotonic(), request.keep)
    except process.CannotStart as error:
        result.missing = tools.cannot_run(compiler, str(error))
        return None
    except OSError as error:  # the scratch folder is full or was removed under us
        result.not_verified = f"cannot prepare the compilation in {workdir}: " \
                              f"{error.strerror or error}"
        return None
    result.compile_run = run
    result.notes += run.notes
    # Messages name the private copy; show the user's file instead.
    copy = str(copy_path(workdir))
    printed = log.parse((run.stderr + "\n" + run.stdout).replace(copy, str(model)))
    logged = log.parse(run.log_text.replace(copy, str(model)))
    if run.timed_out:
        printed.errors.append(f"Compilation timeout: no result after {request.options.timeout} s "
                              "(tpulint stopped the compiler)")
    printed.compiler_version = printed.compiler_version or \
        _version(compiler, deadline - time.monotonic())
    major = compiler_major(printed.compiler_version)
    if major is not None and major != PREDICTED_COMPILER:
        result.notes.append(f"tpulint predicts compiler {PREDICTED_COMPILER}; this is "
                            f"{printed.compiler_version}, so some contradictions are expected")
    result.compiler_output = printed
    result.report = _merge(_report_for(printed, model), _report_for(logged, model))
    return run.compiled if run.exit_code == 0 and not run.timed_out else None


def _version(compiler: str, seconds: float) -> str | None:
    """`--version`, in what is left of the model's deadline."""
    if seconds <= 0:
        return None
    try:
        return tools.ask_version(compiler, min(seconds, VERSION_SECONDS))
    except process.CannotStart:
        return None


def _report_for(output: log.CompilerOutput, model: Path) -> log.CompilerReport | None:
    """The block about `model` (by file name when the text holds several)."""
    named = [r for r in output.reports if r.input and Path(r.input).name == model.name]
    return named[0] if named else output.report


def _merge(printed: log.CompilerReport | None,
           logged: log.CompilerReport | None) -> log.CompilerReport | None:
    """Stdout has the summary; the log file has the table (so does stdout with `-s`)."""
    if printed is None or logged is None:
        return printed or logged
    if logged.rows:
        printed.rows = logged.rows
    return printed


def _failed(result: Verification) -> bool:
    run = result.compile_run
    if run is None:
        return False
    return run.timed_out or run.exit_code != 0 or run.compiled is None


def _run(model: Path, compiled: Path | None, request: Request, result: Verification) -> None:
    if request.interpreter is None:
        return
    try:
        result.device = device.run(request.interpreter, model, compiled, request.data,
                                   request.seed, request.runs, request.device)
    except device.DataError as error:
        result.error = str(error)
    except (RuntimeError, ValueError) as error:
        result.notes.append(f"the CPU reference run failed: {str(error).splitlines()[0]}")
