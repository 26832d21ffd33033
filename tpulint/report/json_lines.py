"""One JSON object per finding and per unreadable file, a line each, for streaming tools; then a
`{"path", "latency"}` object per checked model with its latency estimate (as in the JSON report).

A model with more findings of one rule than a report lists (`tpulint.report.bounded`) has a
line `{"path", "code", "name", "omitted": N}` per such rule after its findings.
"""

from __future__ import annotations

import json

from tpulint.analysis.latency import describe
from tpulint.report import DEFAULT, ReportOptions, bounded
from tpulint.report.json_report import finding_entry
from tpulint.results import RunResult

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from typing import Any, TextIO


def render(run: RunResult, stream: TextIO, color: str,
           options: ReportOptions = DEFAULT) -> None:
    for model in run.models:
        if model.error:
            _line(stream, {"path": model.path, "error": model.error})
        findings, omitted = bounded.listed(model.findings, model.relpath)
        for finding in findings:
            _line(stream, {"path": model.path, **finding_entry(finding, run, model.relpath)})
        for left in omitted:
            _line(stream, {"path": model.path, "code": left.code, "name": left.name,
                           "omitted": left.count})
        if model.latency is not None:
            _line(stream, {"path": model.path, "latency": bounded.json_value(
                describe(model.latency), bounded.OPERATOR_ROWS)})
    for finding in run.config_findings:
        path = finding.location.path
        _line(stream, {"path": path, **finding_entry(finding, run, path)})


def _line(stream: TextIO, entry: dict[str, Any]) -> None:
    stream.write(json.dumps(bounded.json_value(entry)) + "\n")
