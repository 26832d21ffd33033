"""One JSON object per finding and per unreadable file, a line each, for streaming tools; then a
`{"path", "latency"}` object per checked model with its latency estimate (as in the JSON report)."""

from __future__ import annotations

import json
from typing import TextIO

from tpulint.analysis.latency import describe
from tpulint.report import DEFAULT, ReportOptions
from tpulint.report.json_report import finding_entry
from tpulint.results import RunResult


def render(run: RunResult, stream: TextIO, color: str,
           options: ReportOptions = DEFAULT) -> None:
    for model in run.models:
        if model.error:
            stream.write(json.dumps({"path": model.path, "error": model.error}) + "\n")
        for finding in model.findings:
            entry = {"path": model.path, **finding_entry(finding, run, model.relpath)}
            stream.write(json.dumps(entry) + "\n")
        if model.latency is not None:
            stream.write(json.dumps({"path": model.path, "latency": describe(model.latency)})
                         + "\n")
    for finding in run.config_findings:
        path = finding.location.path
        stream.write(json.dumps({"path": path, **finding_entry(finding, run, path)}) + "\n")
