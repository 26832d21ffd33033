"""GitHub Actions workflow commands: an annotation per finding, a log group per model.

    ::group::models/cls.tflite
    ::error file=models/cls.tflite,line=1,title=TPU201 unsupported-op::sg0/op12 GATHER 'g': …
    ::endgroup::

Messages escape `%`, CR and LF; property values also `:` and `,` (the runner's own rules, in
`ActionCommand.cs`). No `col`/`endColumn`: a model has no columns. Info findings are notices.
The latency estimate ends each model's summary line in the log, not an annotation: the runner
shows only the first ten notices of a step, and those belong to findings.
"""

from __future__ import annotations

from typing import TextIO

from tpulint.analysis.latency import latency_line
from tpulint.api import Finding
from tpulint.report import DEFAULT, ReportOptions
from tpulint.report._common import headline
from tpulint.report.triage import run_summary
from tpulint.results import ModelResult, RunResult
from tpulint.text import printable

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(run: RunResult, stream: TextIO, color: str,
           options: ReportOptions = DEFAULT) -> None:
    for model in run.models:
        stream.write(f"::group::{escape_data(printable(model.relpath))}\n")
        if model.error:
            stream.write(_command("error", model.relpath, "tpulint: bad input", model.error))
        else:
            stream.write(escape_data(_summary(model)) + "\n")
            for finding in model.findings:
                stream.write(_annotation(model.relpath, finding))
        stream.write("::endgroup::\n")
    for finding in run.config_findings:
        stream.write(_annotation(finding.location.path, finding))
    if not options.quiet:
        stream.write(escape_data(run_summary(run)) + "\n")


def _annotation(path: str, finding: Finding) -> str:
    return _command(COMMANDS[finding.severity.value], path, f"{finding.code} {finding.name}",
                    headline(finding))


def _command(command: str, path: str, title: str, message: str) -> str:
    properties = ",".join(f"{key}={escape_property(printable(value))}"
                          for key, value in (("file", path), ("line", "1"), ("title", title)))
    return f"::{command} {properties}::{escape_data(printable(message))}\n"


def _summary(model: ModelResult) -> str:
    s = model.summary
    latency = "" if model.latency is None else f"; {latency_line(model.latency)}"
    return (f"{s.tpu} of {s.operators} operators predicted on the Edge TPU, "
            f"{s.cpu_segments} CPU segment(s), {len(model.findings)} finding(s){latency}")
