"""`verify --format json`: one JSON document. Fields are only ever added:

    {"version": 1, "tool": {"name", "version"}, "command": "verify",
     "missing": ["edgetpu_compiler not found: ...", ...],
     "errors": [{"path", "message"}],
     "models": [{
       "path", "verified", "not_verified": null | why nothing was compared,
       "compiler": null | {"path", "version", "command", "exit_code", "timed_out", "seconds",
                           "errors", "timeout_seconds", "search_steps", "from_file",
                           "summary": {"edgetpu_subgraphs", "total_operations",
                                       "tpu_operations", "cpu_operations", "input_bytes",
                                       "output_bytes", "compile_ms"}},
       "compiled": null | {"edgetpu_operators", "min_runtime_version", "parameter_bytes",
                           "unmatched"},
       "summary": {"operators", "compared", "confirmed", "placement_contradicted",
                   "reason_contradicted", "unverified", "compiler_tpu", "compiler_cpu",
                   "findings_confirmed", "findings_contradicted", "findings_unverified"},
       "prediction": {"tpu", "cpu", "fatal": [{"message", "cause"}]},
       "log": [{"opcode", "count", "status"}],
       "memory": {"tpulint": {"parameter_bytes", "on_chip_bytes", "off_chip_bytes", "measured"},
                  "compiler": {"on_chip_used_bytes", "on_chip_remaining_bytes",
                               "off_chip_used_bytes", "compiled_parameter_bytes"}},
       "operators": [{"subgraph", "index", "opcode", "label", "predicted", "predicted_reason",
                      "compiler", "compiler_reason", "reason_candidates", "outcome"}],
       "findings": [TPU5xx findings, shaped as in `tpulint check --format json`],
       "check_findings": [{"code", "name", "location", "outcome"}],
       "run": null | {"inputs", "reference": timing, "tpu": timing | null, "device",
                      "tpu_skipped", "tpu_error",
                      "outputs": [{"name", "sqnr_db", "max_abs_error"}],
                      "latency": {"board", "host", "estimate_ms", "expected_error",
                                  "measured_median_ms", "verified", "measured_vs_estimate"}},
       "notes": [...]}]}

A timing is {"runs", "mean_ms", "median_ms", "min_ms"}; an SQNR of identical outputs is null.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from typing import Any, TextIO

from tpulint import __version__
from tpulint.engine.fingerprint import fingerprint
from tpulint.verify.latency import entry as latency_entry
from tpulint.verify.pipeline import Verification
from tpulint.verify.tools import Missing

SCHEMA_VERSION = 1


# JSON ----------------------------------------------------------------------------------------


def render(results: list[Verification], stream: TextIO, missing: list[Missing]) -> None:
    json.dump(document(results, missing), stream, indent=2)
    stream.write("\n")


def document(results: list[Verification], missing: list[Missing]) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "tool": {"name": "tpulint", "version": __version__},
        "command": "verify",
        "missing": list(dict.fromkeys(str(m) for m in missing)),
        "errors": [{"path": r.path, "message": r.error} for r in results if r.error],
        "models": [model_entry(r) for r in results if not r.error],
    }


def model_entry(result: Verification) -> dict[str, Any]:
    check, comparison, report = result.check, result.comparison, result.report
    assert check is not None
    prediction_tpu = sum(1 for row in check.operators
                         if row.subgraph == 0 and row.placement == "tpu")
    return {
        "path": result.path,
        "verified": result.verified,
        "not_verified": result.not_verified,
        "compiler": _compiler_entry(result),
        "compiled": None if result.compiled is None else {
            "edgetpu_operators": result.compiled.edgetpu_operators,
            "min_runtime_version": result.compiled.min_runtime_version,
            "parameter_bytes": result.compiled.parameter_bytes,
            "unmatched": result.compiled.unmatched},
        "summary": None if comparison is None else comparison.summary,
        "prediction": {"tpu": prediction_tpu, "cpu": check.summary.operators - prediction_tpu,
                       "fatal": [{"message": f.message, "cause": f.cause} for f in check.fatal]},
        "log": [] if report is None else [asdict(row) for row in report.rows],
        "memory": _memory(result),
        "operators": [] if comparison is None else [
            {"subgraph": r.subgraph, "index": r.index, "opcode": r.opcode, "label": r.label,
             "predicted": r.predicted, "predicted_reason": r.predicted_reason,
             "compiler": r.compiler, "compiler_reason": r.compiler_reason,
             "reason_candidates": list(r.reason_candidates), "outcome": r.outcome}
            for r in comparison.rows],
        "findings": [_finding(f) for f in result.findings],
        "check_findings": [] if comparison is None else [
            {"code": f.code, "name": f.name, "location": str(f.location), "outcome": outcome}
            for f, outcome in comparison.findings],
        "run": _run_entry(result),
        "notes": [*result.notes, *(comparison.notes if comparison else [])],
    }


def _compiler_entry(result: Verification) -> dict[str, Any] | None:
    output, run = result.compiler_output, result.compile_run
    if output is None:
        return None
    return {
        "path": run.command[0] if run else None,
        "version": output.compiler_version,
        "command": run.command if run else None,
        "exit_code": run.exit_code if run else None,
        "timed_out": run.timed_out if run else False,
        "seconds": round(run.seconds, 3) if run else None,
        "errors": output.errors,
        "timeout_seconds": output.timeout_seconds,
        "search_steps": output.search_steps,
        "from_file": run is None,
        "summary": _printed_summary(result),
    }


def _printed_summary(result: Verification) -> dict[str, Any]:
    """The counts and sizes the compiler printed (None where it did not print them)."""
    report, output = result.report, result.compiler_output
    names = ("edgetpu_subgraphs", "total_operations", "tpu_operations", "cpu_operations",
             "input_bytes", "output_bytes")
    summary = {name: getattr(report, name) if report else None for name in names}
    summary["compile_ms"] = output.compile_ms if output else None
    return summary


def _memory(result: Verification) -> dict[str, Any]:
    estimate = result.check.memory if result.check else None
    report = result.report
    return {
        "tpulint": None if estimate is None else {
            "parameter_bytes": estimate.parameter_bytes, "on_chip_bytes": estimate.on_chip_bytes,
            "off_chip_bytes": estimate.off_chip_bytes, "measured": estimate.measured},
        "compiler": {
            "on_chip_used_bytes": report.on_chip_used_bytes if report else None,
            "on_chip_remaining_bytes": report.on_chip_remaining_bytes if report else None,
            "off_chip_used_bytes": report.off_chip_used_bytes if report else None,
            "compiled_parameter_bytes": result.compiled.parameter_bytes
            if result.compiled else None},
    }


def _finding(finding: Any) -> dict[str, Any]:
    loc = finding.location
    return {"code": finding.code, "name": finding.name, "severity": finding.severity.value,
            "message": finding.message, "subgraph": loc.subgraph, "operator": loc.operator,
            "operator_label": finding.operator, "location": str(loc),
            "fingerprint": fingerprint(finding), "data": dict(finding.data)}


def _run_entry(result: Verification) -> dict[str, Any] | None:
    run = result.device
    if run is None:
        return None
    return {
        "inputs": run.inputs,
        "reference": None if run.reference is None else asdict(run.reference),
        "tpu": None if run.tpu is None else asdict(run.tpu),
        "device": run.device, "tpu_skipped": run.tpu_skipped, "tpu_error": run.tpu_error,
        "outputs": [{"name": o.name, "sqnr_db": None if math.isinf(o.sqnr_db) else o.sqnr_db,
                     "max_abs_error": o.max_abs_error} for o in run.outputs],
        "latency": latency_entry(result),
    }
