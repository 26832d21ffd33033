"""GitHub-flavoured Markdown for `$GITHUB_STEP_SUMMARY` and pull-request comments.

An overview table of the models, then a section per model: its placement summary, the operators
that end the Edge TPU region with what they strand, its findings by impact (repeats folded, long
names shortened in the middle) and its operators by type. A hundred models stay well under
GitHub's 1 MiB step-summary limit. Every model-derived string is made printable and has
Markdown's and HTML's special characters escaped, so a tensor name cannot break a table or
inject markup.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TextIO

from tpulint.analysis.latency import latency_line
from tpulint.report import DEFAULT, ReportOptions
from tpulint.report.names import name_once
from tpulint.report.triage import (
    Group,
    groups,
    listed_region_ends,
    opcode_table,
    run_summary,
    shorten_names,
)
from tpulint.results import ModelResult, RunResult
from tpulint.text import printable

FOLD_AFTER = 12  # operator types listed before the table folds into `<details>`
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


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
        stream.write(f"| {md(model.relpath)} | {s.tpu} of {s.operators} | "
                     f"{s.cpu_segments} | {counts['error']} | {counts['warning']} | "
                     f"{counts['info']} |\n")
    for model in run.models:
        stream.write(f"\n### {md(model.relpath)}\n\n")
        if model.error:
            stream.write(f"Could not be read: {md(model.error)}\n")
            continue
        _model(model, stream, options)
    if run.config_findings:
        stream.write(f"\n### {md(run.config_findings[0].location.path)}\n\n")
        _findings([Group(finding) for finding in run.config_findings], stream)
    if not options.quiet:
        stream.write(f"\n{md(run_summary(run))}\n")


def _model(model: ModelResult, stream: TextIO, options: ReportOptions) -> None:
    s = model.summary
    stream.write(f"{s.tpu} of {s.operators} operators predicted on the Edge TPU, "
                 f"{s.cpu_segments} CPU segment(s).\n")
    if model.latency is not None:
        stream.write(f"\n{md(latency_line(model.latency))}\n")
    for fatal in model.fatal:
        stream.write(f"\n**Compilation fails:** {md(fatal.message)} ({md(fatal.cause)})\n")
    ends, more = listed_region_ends(model)
    if ends:
        stream.write("\n**Edge TPU region ends at:**\n\n")
        for end in ends:
            strands = f", strands **{end.stranded}** operator(s)" if end.stranded else ""
            stream.write(f"- op{end.row.index} {md(shorten_names(end.row.label))}: "
                         f"{md(end.status)}{strands}\n")
        if more:
            stream.write(f"- {more}\n")
    if model.findings:
        stream.write("\n")
        _findings(groups(model, options.show_all), stream)
    table = opcode_table(model)
    if not table:
        return
    fold = len(table) > FOLD_AFTER
    if fold:
        stream.write(f"\n<details><summary>Operators by type ({len(table)})</summary>\n")
    stream.write("\n| operator | count | Edge TPU | CPU | status |\n|---|---|---|---|---|\n")
    for row in table:
        stream.write(f"| {md(row.opcode)} | {row.count} | {row.tpu} | {row.cpu} | "
                     f"{md(row.brief)} |\n")
    if fold:
        stream.write("\n</details>\n")


def _findings(found: list[Group], stream: TextIO) -> None:
    stream.write("| code | severity | where | message |\n|---|---|---|---|\n")
    for group in found:
        finding = group.lead
        where = finding.location.anchor
        message = md(shorten_names(name_once(finding.message)))
        stream.write(f"| {finding.code} {md(finding.name)} | {finding.severity.value} | "
                     f"{md(where) or 'model'} | {message} |\n")
        if group.folded:
            stream.write(f"| | | | _{md(group.fold_text())}_ |\n")
