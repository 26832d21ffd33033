"""Fix one model: convert in the worker, check the result, measure drift, write it atomically.

The converted model goes to a hidden temporary file next to the output; only when the result
parses for compiler 16 and its drift passes the threshold is it renamed onto the output path
(`<name>.fixed.tflite` by default). The input model and the source are only ever read.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tpulint.engine.check import lint_model
from tpulint.engine.config import ConfigError, Settings
from tpulint.engine.registry import Registry
from tpulint.engine.selection import Selection
from tpulint.engine.suppress import Suppressions
from tpulint.exitcodes import EXIT_FINDINGS, EXIT_INPUT, EXIT_MISSING, EXIT_OK
from tpulint.fix import runner
from tpulint.fix.data import IMAGES, DataSpec
from tpulint.fix.drift import DEFAULT_MIN_SQNR, OutputDrift
from tpulint.fix.plan import MergedPlan
from tpulint.fix.sources import Source
from tpulint.fix.versions import unknown_versions
from tpulint.ir import Model
from tpulint.reader import read_model
from tpulint.results import ModelResult, failing


@dataclass(frozen=True)
class Options:
    io_type: str | None = None
    min_sqnr: float = DEFAULT_MIN_SQNR
    input_range: tuple[float, float] = (-1.0, 1.0)
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
    samples: int = 0
    seconds: float = 0.0
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
    target = Path(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                         dir=target.parent)
    os.close(handle)
    try:
        return _convert_and_check(model, source, data, plan, output, temporary, settings,
                                  registry, options)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _convert_and_check(model: str, source: Source, data: DataSpec, plan: MergedPlan,
                       output: str, temporary: str, settings: Settings, registry: Registry,
                       options: Options) -> Outcome:
    request: dict[str, Any] = {
        "model": str(Path(model).resolve()), "output": temporary,
        "source": {"kind": source.kind, "path": str(Path(source.path).resolve())},
        "data": {"kind": data.kind, "value": data.value},
        "settings": plan.settings, "range": list(options.input_range),
        "limit": options.max_samples, "seed": options.seed,
    }
    result = runner.run_worker(request, debug=options.debug)
    status, message = result.get("status"), str(result.get("message", ""))
    if status == "input":
        return Outcome(EXIT_INPUT, message)
    if status == "missing":
        return Outcome(EXIT_MISSING, f"tpulint fix needs the fix extra (missing: {message}): "
                                     f"{runner.INSTALL_HINT}")
    if status != "ok":
        if len(message) > 240:
            message = message[:239] + "…"
        hint = "; ".join(f"[{item.code}] {item.reason}" for item in plan.manual)
        return Outcome(EXIT_FINDINGS, f"could not convert {source.path}: {message}"
                       + (f" (change the model first: {hint})" if hint else ""))
    outcome = Outcome(
        EXIT_OK, notes=list(result.get("notes", [])), converter=str(result.get("converter")),
        drift=[OutputDrift.from_json(d) for d in result.get("drift", [])],
        samples=int(result.get("drift_samples", 0)), seconds=float(result.get("seconds", 0)))
    converted = read_model(temporary)
    outcome.after = lint(converted, output, settings, registry)
    unknown = unknown_versions(converted)
    if unknown:
        outcome.code = EXIT_FINDINGS
        outcome.message = (f"the converted model still has operator versions Edge TPU compiler "
                           f"16 cannot parse ({', '.join(unknown)}); nothing written")
        return outcome
    low = [d for d in outcome.drift if d.sqnr_db < options.min_sqnr]
    if low:
        worst = min(low, key=lambda d: d.sqnr_db)
        outcome.code = EXIT_FINDINGS
        outcome.message = (f"accuracy lost: output '{worst.name}' SQNR {db(worst.sqnr_db)} is "
                           f"below --min-sqnr {options.min_sqnr:g} dB; nothing written")
        return outcome
    # mkstemp creates the file readable by its owner only; give it a new file's usual mode.
    umask = os.umask(0)
    os.umask(umask)
    Path(temporary).chmod(0o666 & ~umask)
    Path(temporary).replace(output)
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
