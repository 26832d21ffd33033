"""Fix one model: convert in the worker, check the result, measure drift, write it atomically.

The output path is checked before the conversion starts. The converted model stays in the
worker's scratch folder; only when it parses for compiler 16 and its drift on held-out samples
passes the threshold is it written onto the output path (`<name>.fixed.tflite` by default,
atomically: `output.install`). The input model and the source are only ever read.
"""

from __future__ import annotations

import contextlib
import math
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tpulint.engine.check import lint_model
from tpulint.engine.config import ConfigError, Settings
from tpulint.engine.registry import Registry
from tpulint.engine.selection import Selection
from tpulint.engine.suppress import Suppressions
from tpulint.exitcodes import EXIT_FINDINGS, EXIT_INPUT, EXIT_MISSING, EXIT_OK, EXIT_USAGE
from tpulint.fix import output as destination
from tpulint.fix import runner
from tpulint.fix.data import IMAGES, RANDOM, DataSpec
from tpulint.fix.drift import DEFAULT_MIN_SQNR, OutputDrift
from tpulint.fix.plan import MergedPlan
from tpulint.fix.sources import Source
from tpulint.fix.versions import unknown_versions
from tpulint.ir import Model
from tpulint.reader import read_model_bytes
from tpulint.results import ModelResult, failing


@dataclass(frozen=True)
class Options:
    io_type: str | None = None
    min_sqnr: float = DEFAULT_MIN_SQNR
    input_range: tuple[float, float] | None = None  # --input-range, when given
    max_samples: int = 100
    seed: int = 0
    debug: bool = False


@dataclass
class Outcome:
    """What happened to one model; `code` is the exit code it contributes."""

    code: int
    message: str = ""
    output: str | None = None
    after: ModelResult | None = None
    drift: list[OutputDrift] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    converter: str = ""
    samples: int = 0  # held-out samples the drift was measured on
    calibration: int = 0  # samples calibration used
    random: bool = False  # calibrated and measured on random data
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # wall seconds per worker phase
    cpu_phases: dict[str, float] = field(default_factory=dict)  # CPU seconds per phase
    remaining: int = 0  # findings at or above fail-on in the fixed model


def lint(model: Model, label: str, settings: Settings, registry: Registry) -> ModelResult:
    """`tpulint check` on one model, its findings labelled with `label`."""
    selection = Selection(registry, settings)
    return lint_model(model, label, selection.enabled, settings,
                      Suppressions(settings, selection.codes_matching))


def default_output(model: str) -> str:
    path = Path(model)
    return str(path.with_name(f"{path.stem}.fixed.tflite"))


def needed_modules(source: Source, data: DataSpec) -> list[str]:
    modules = ["ai_edge_litert"]
    modules += ["tensorflow"] if source.needs_tensorflow else ["ai_edge_quantizer"]
    if data.kind == IMAGES and "tensorflow" not in modules:
        modules.append("tensorflow")
    return modules


def fix_model(model: str, source: Source, data: DataSpec, plan: MergedPlan, output: str,
              settings: Settings, registry: Registry, options: Options) -> Outcome:
    missing = runner.missing_modules(needed_modules(source, data))
    if missing:
        return Outcome(EXIT_MISSING, f"tpulint fix needs the fix extra (missing: "
                                     f"{', '.join(missing)}): {runner.INSTALL_HINT}")
    try:
        destination.check(output)
    except destination.OutputError as error:
        return Outcome(EXIT_USAGE, str(error))
    with interruptible():
        return _convert_and_check(model, source, data, plan, output, settings, registry,
                                  options)


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM and SIGHUP end `fix` like Ctrl-C does: through every `finally` (the worker is
    killed, the scratch folder and any temporary file removed), exiting 128 + the signal."""
    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    try:
        previous = {number: signal.signal(number, stop)
                    for number in (signal.SIGTERM, signal.SIGHUP)}
    except ValueError:  # not the main thread: leave signals alone
        previous = {}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _convert_and_check(model: str, source: Source, data: DataSpec, plan: MergedPlan,
                       output: str, settings: Settings, registry: Registry,
                       options: Options) -> Outcome:
    request: dict[str, Any] = {
        "model": str(Path(model).resolve()),
        "source": {"kind": source.kind, "path": str(Path(source.path).resolve())},
        "data": {"kind": data.kind, "value": data.value},
        "settings": plan.settings,
        "range": list(options.input_range) if options.input_range else None,
        "limit": options.max_samples, "seed": options.seed,
    }
    result, converted_bytes = runner.run_worker(request, debug=options.debug)
    status, message = result.get("status"), str(result.get("message", ""))
    if status == "input":
        return Outcome(EXIT_INPUT, message)
    if status == "missing":
        return Outcome(EXIT_MISSING, f"tpulint fix needs the fix extra (missing: {message}): "
                                     f"{runner.INSTALL_HINT}")
    if status != "ok" or converted_bytes is None:
        if len(message) > 400:
            message = message[:399] + "…"
        hint = "; ".join(f"[{item.code}] {item.reason}" for item in plan.manual)
        return Outcome(EXIT_FINDINGS, f"could not convert {source.path}: {message}"
                       + (f" (change the model first: {hint})" if hint else ""))
    outcome = Outcome(
        EXIT_OK, notes=list(result.get("notes", [])), converter=str(result.get("converter")),
        drift=[OutputDrift.from_json(d) for d in result.get("drift", [])],
        samples=int(result.get("drift_samples", 0)), seconds=float(result.get("seconds", 0)),
        calibration=int(result.get("samples", 0)), phases=dict(result.get("phases", {})),
        cpu_phases=dict(result.get("cpu_phases", {})),
        random=data.kind == RANDOM)
    converted = read_model_bytes(converted_bytes, output)
    outcome.after = lint(converted, output, settings, registry)
    unknown = unknown_versions(converted)
    if unknown:
        outcome.code = EXIT_FINDINGS
        outcome.message = (f"the converted model still has operator versions Edge TPU compiler "
                           f"16 cannot parse ({', '.join(unknown)}); nothing written")
        return outcome
    measured = [d for d in outcome.drift if not d.constant]
    if not measured:
        outcome.code = EXIT_FINDINGS
        outcome.message = ("cannot measure drift on this data: every output of the original is "
                           "constant on the held-out samples; give varied data; nothing written")
        return outcome
    worst = min(measured, key=lambda d: d.worst)
    if worst.worst < options.min_sqnr:
        part = next((label for label, value in worst.parts if value == worst.worst), "")
        outcome.code = EXIT_FINDINGS
        outcome.message = (f"accuracy lost: output '{worst.name}'"
                           + (f" ({part})" if part else "")
                           + f" SQNR {db(worst.worst)} is below --min-sqnr "
                           f"{options.min_sqnr:g} dB; nothing written")
        return outcome
    try:
        destination.install(converted_bytes, output)
    except destination.OutputError as error:
        return Outcome(EXIT_USAGE, str(error))
    except OSError as error:
        return Outcome(EXIT_USAGE, f"{output}: cannot write the output: {error.strerror}")
    outcome.output = output
    outcome.remaining = len(failing(outcome.after.findings, settings.fail_on))
    if outcome.remaining:
        outcome.code = EXIT_FINDINGS
    return outcome


def configured_min_sqnr(table: dict[str, Any]) -> float:
    """`min-sqnr` from the `fix` table of the configuration, else the default."""
    value = table.get("min-sqnr", DEFAULT_MIN_SQNR)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"fix.min-sqnr must be a number of dB, not {value!r}")
    return float(value)


def db(value: float) -> str:
    return "identical" if math.isinf(value) and value > 0 else f"{value:.1f} dB"
