"""GitHub-flavoured Markdown for `$GITHUB_STEP_SUMMARY` and pull-request comments.

An overview table of the models, then a section per model: its placement summary, its findings
and a placement table of its main subgraph's operators (folded in `<details>` past 30 rows).
Every model-derived string is made printable and has Markdown's and HTML's special characters
escaped, so a tensor name cannot break a table or inject markup.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TextIO

from tpulint.analysis.status import MORE_THAN_ONE_SUBGRAPH
from tpulint.api import Finding
from tpulint.engine import ModelResult, OperatorRow, RunResult
from tpulint.report import DEFAULT, ReportOptions
from tpulint.text import printable

FOLD_AFTER = 30
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
PLACEMENT = {"tpu": "🟩 Edge TPU", "cpu": "🟥 CPU", "stranded": "🟧 CPU (after a CPU op)"}


def md(text: str) -> str:
    """`text` safe inside Markdown prose and table cells."""
    escaped = _SPECIAL.sub(r"\\\1", printable(text))
    return escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render(run: RunResult, stream: TextIO, color: str,
           options: ReportOptions = DEFAULT) -> None:
    stream.write("## tpulint: Edge TPU compatibility\n\n")
    stream.write("| model | on the Edge TPU | CPU segments | errors | warnings | info |\n")
    stream.write("|---|---|---|---|---|---|\n")
    for model in run.models:
        if model.error:
            stream.write(f"| {md(model.relpath)} | could not be read | | | | |\n")
            continue
        s, counts = model.summary, Counter(f.severity.value for f in model.findings)
        stream.write(f"| {md(model.relpath)} | {s['tpu']} of {s['operators']} | "
                     f"{s['cpu_segments']} | {counts['error']} | {counts['warning']} | "
                     f"{counts['info']} |\n")
    for model in run.models:
        stream.write(f"\n### {md(model.relpath)}\n\n")
        if model.error:
            stream.write(f"Could not be read: {md(model.error)}\n")
            continue
        _model(model, stream)
    if run.config_findings:
        stream.write(f"\n### {md(run.config_findings[0].location.path)}\n\n")
        _findings(run.config_findings, stream)
    total = Counter(f.severity.value for f in run.findings)
    suppressed = sum(m.suppressed for m in run.models)
    stream.write(f"\n{total['error']} error(s), {total['warning']} warning(s), "
                 f"{total['info']} info in {len(run.models)} model(s); "
                 f"{suppressed} suppressed.\n")


def _model(model: ModelResult, stream: TextIO) -> None:
    s = model.summary
    stream.write(f"{s['tpu']} of {s['operators']} operators predicted on the Edge TPU, "
                 f"{s['cpu_segments']} CPU segment(s).\n")
    for fatal in model.fatal:
        stream.write(f"\n**Compilation fails:** {md(fatal.message)} ({md(fatal.cause)})\n")
    if model.findings:
        stream.write("\n")
        _findings(model.findings, stream)
    rows = [row for row in model.operators if row.subgraph == 0]
    if not rows:
        return
    fold = len(rows) > FOLD_AFTER
    if fold:
        stream.write(f"\n<details><summary>Placement of {len(rows)} operators</summary>\n")
    stream.write("\n| op | operator | placement | reason |\n|---|---|---|---|\n")
    for row in rows:
        stream.write(f"| {row.index} | {md(row.label)} | {PLACEMENT[_kind(row)]} | "
                     f"{md(row.reason)} |\n")
    if fold:
        stream.write("\n</details>\n")


def _kind(row: OperatorRow) -> str:
    if row.placement != "cpu":
        return "tpu"
    return "stranded" if row.reason == MORE_THAN_ONE_SUBGRAPH else "cpu"


def _findings(findings: list[Finding], stream: TextIO) -> None:
    stream.write("| code | severity | where | message |\n|---|---|---|---|\n")
    for finding in findings:
        where = finding.location.anchor
        stream.write(f"| {finding.code} {md(finding.name)} | {finding.severity.value} | "
                     f"{md(where) or 'model'} | {md(finding.message)} |\n")
