"""The JSON report: one document, a stable contract for scripts and CI.

    {"version": 1, "tool": {"name", "version"},
     "models": [{"path", "relpath", "suppressed", "compiled",
                 "summary": {"operators", "tpu", "tpu_low", "tpu_high", "cpu",
                 "edgetpu_subgraphs", "cpu_segments"}, "tpu_depends_on",
                 "compiler_options": {...}, "recipe", "fatal": [...], "memory": {...},
                 "latency": {"board", "board_name", "host", "host_name", "estimate",
                             "total_ms", "low_ms", "high_ms", "expected_error",
                             "extrapolated", "breakdown_ms": {...}, "stranded_cpu_ms": [...],
                             "basis"} (or "estimate": false and "reason"),
                 "operators": [{"subgraph", "index", "opcode", "version", "placement", "reason",
                                "confidence", "cause", "edgetpu_subgraph"}],
                 "findings": [{"code", "name", "severity", "message", "subgraph", "operator",
                               "tensor", "location", "confidence", "fix", "url",
                               "fingerprint"}],
                 "omitted_operators": 0, "omitted_findings": {"TPU201": 0}}],
     "errors": [{"path", "message"}],
     "config_findings": [...]}   # TPU09x findings about the configuration file, same fields

`compiler_options` are the edgetpu_compiler options the prediction assumed, under their
`[tool.tpulint.compiler]` names; `edgetpu_subgraph` numbers a mapped operator's Edge TPU subgraph
from 0 (several only with `enable-multiple-subgraphs`), null on the CPU.
`relpath` is the model's path relative to the run's root (that of the first checked path's
configuration, or the working directory); fingerprints are computed from it.

Reports are bounded (`tpulint.report.bounded`, docs/ci.md): `operators` lists at most 5,000
rows and `omitted_operators` counts the rest; `findings` lists at most 100 of each rule and
500 in all, and `omitted_findings` maps a code to how many more it has (0 and empty when
nothing is left out; `summary` always counts everything); strings taken from the model or a
file name are cut to 500 characters (an operator's `opcode` and `reason` to 200), and a file
name's bytes that are not UTF-8 appear as `\\xNN`.

Fields are only ever added; `version` changes if one is removed or changes meaning.
"""

from __future__ import annotations

from tpulint import __version__
from tpulint.analysis.latency import describe
from tpulint.api import Finding
from tpulint.engine.fingerprint import fingerprint
from tpulint.report import DEFAULT, ReportOptions, bounded
from tpulint.report.json_text import dumps_indented
from tpulint.results import ModelResult, RunResult

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from typing import Any, TextIO

SCHEMA_VERSION = 1


def render(run: RunResult, stream: TextIO, color: str,
           options: ReportOptions = DEFAULT) -> None:
    # One write: `json.dump` writes each token separately (thousands of calls on a large model);
    # `dumps_indented` is `json.dumps(..., indent=2)` without its slow Python encoder.
    stream.write(dumps_indented(document(run)) + "\n")


def document(run: RunResult) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "tool": {"name": "tpulint", "version": __version__},
        "models": [_bounded_entry(m, run) for m in run.models if not m.error],
        "errors": bounded.json_value([{"path": m.path, "message": m.error} for m in run.errors]),
        "config_findings": bounded.json_value([finding_entry(f, run, f.location.path)
                                               for f in run.config_findings]),
    }


def _bounded_entry(model: ModelResult, run: RunResult) -> dict[str, Any]:
    """`model_entry` made `bounded.json_value`, but for its operator rows, which hold only
    tpulint's own values and texts already cut by `bounded.text` (a row per operator: walking
    them again was a third of the report of a large model)."""
    entry = model_entry(model, run)
    rows, entry["operators"] = entry["operators"], []
    kept: dict[str, Any] = bounded.json_value(entry)
    kept["operators"] = rows
    return kept


def model_entry(model: ModelResult, run: RunResult) -> dict[str, Any]:
    memory = model.memory
    operators, omitted_operators = bounded.rows(model.operators)
    findings, omitted = bounded.listed(model.findings, model.relpath)
    return {
        "path": model.path,
        "relpath": model.relpath,
        "suppressed": model.suppressed,
        "compiled": model.compiled,
        "summary": model.summary.as_dict(),
        # the size limits whose guess moves the Edge TPU region between tpu_low and tpu_high
        "tpu_depends_on": list(model.tpu_depends_on),
        "compiler_options": run.settings.compiler_options.as_dict(),
        "recipe": model.recipe,
        "fatal": [{"message": f.message, "cause": f.cause, "operator": f.operator,
                   "confidence": f.confidence} for f in model.fatal],
        "memory": None if memory is None else {
            "parameter_bytes": memory.parameter_bytes, "on_chip_bytes": memory.on_chip_bytes,
            "off_chip_bytes": memory.off_chip_bytes, "measured": memory.measured},
        "latency": None if model.latency is None else bounded.json_value(
            describe(model.latency), bounded.OPERATOR_ROWS),
        "operators": [{"subgraph": row.subgraph, "index": row.index,
                       "opcode": bounded.text(row.opcode, bounded.ROW_TEXT),
                       "version": row.version, "placement": row.placement,
                       "reason": bounded.text(row.reason, bounded.ROW_TEXT),
                       "confidence": row.confidence, "cause": row.cause,
                       "edgetpu_subgraph": row.edgetpu_subgraph}
                      for row in operators],
        "findings": [finding_entry(f, run, model.relpath) for f in findings],
        "omitted_operators": omitted_operators,
        "omitted_findings": {o.code: o.count for o in omitted},
    }


def finding_entry(finding: Finding, run: RunResult, relpath: str) -> dict[str, Any]:
    loc = finding.location
    rule = run.rules.get(finding.code)
    fix = finding.fix
    return {
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity.value,
        "message": finding.message,
        "subgraph": loc.subgraph,
        "operator": loc.operator,
        "tensor": loc.tensor,
        "operator_label": finding.operator,
        "tensor_name": finding.tensor,
        "location": str(loc),
        "confidence": finding.confidence,
        "fix": None if fix is None else {"settings": dict(fix.settings), "reason": fix.reason,
                                         "safe": fix.safe, "manual": fix.manual},
        "url": rule.url if rule else None,
        "fingerprint": fingerprint(finding, relpath),
        "data": bounded.json_value(dict(finding.data), bounded.DATA_ITEMS),
    }
