"""A self-contained HTML page of the run: the partition of each model, drawn.

An overview table when several models are checked; per model: the placement summary, where the
Edge TPU region ends and what each exit strands, a strip of its main subgraph's operators in
execution order coloured by placement (Edge TPU, CPU for a reason of its own, CPU because it
follows a CPU operator), the findings by impact (repeats folded, long names shortened in the
middle), the parameter memory against the on-chip cache, and the operators by type. Nothing is
wider than the window from 1000 px up: tables have a fixed layout and long words break. Inline
CSS only: no script, font or image is fetched, so the page works as a CI artifact opened
offline. Every model-derived string is HTML-escaped.

    tpulint check models/ --format html --output-file tpulint-report.html
"""

from __future__ import annotations

import html
from collections import Counter
from typing import TextIO

from tpulint import __version__
from tpulint.analysis.latency import latency_line
from tpulint.report import DEFAULT, ReportOptions
from tpulint.report.triage import (
    Group,
    groups,
    opcode_table,
    region_ends,
    short_status,
    shorten_names,
)
from tpulint.results import ModelResult, OperatorRow, RunResult
from tpulint.text import printable

MIB = 1024 * 1024
KINDS = {"tpu": "Edge TPU", "cpu": "CPU: its own reason", "stranded": "CPU: depends on a CPU op"}

CSS = """
:root { --tpu: #2f9e63; --cpu: #d64545; --stranded: #f0a030; --ink: #1d2430; --muted: #5f6b7a;
        --line: #dde3ea; --bg: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
       color: var(--ink); background: var(--bg); }
header { padding: 20px 32px; background: #16202c; color: #fff; }
header h1 { margin: 0; font-size: 20px; font-weight: 600; }
header p { margin: 4px 0 0; color: #b8c4d2; }
main { padding: 20px 32px 40px; max-width: 1200px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px;
          margin-bottom: 20px; }
section.bad { border-left: 5px solid var(--cpu); }
section.good { border-left: 5px solid var(--tpu); }
section.warn { border-left: 5px solid var(--stranded); }
h2 { margin: 0 0 4px; font-size: 16px; font-family: ui-monospace, "DejaVu Sans Mono", monospace;
     word-break: break-all; }
h3 { margin: 16px 0 6px; font-size: 13px; text-transform: uppercase; letter-spacing: .04em;
     color: var(--muted); }
.summary { margin: 0 0 8px; }
.summary b { font-size: 15px; }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
         font-weight: 600; margin-right: 4px; color: #fff; }
.badge.error { background: var(--cpu); } .badge.warning { background: var(--stranded); }
.badge.info { background: #3b7dd8; } .badge.none { background: var(--tpu); }
.strip { display: flex; flex-wrap: wrap; gap: 3px; margin: 6px 0; }
.op { width: 34px; height: 26px; border-radius: 3px; font: 10px/26px ui-monospace,
      "DejaVu Sans Mono", monospace; text-align: center; color: #fff; overflow: hidden; }
.op.tpu { background: var(--tpu); } .op.cpu { background: var(--cpu); }
.op.stranded { background: var(--stranded); }
.legend span { display: inline-block; margin-right: 14px; font-size: 12px; color: var(--muted); }
.legend i { display: inline-block; width: 11px; height: 11px; border-radius: 2px;
            margin-right: 5px; vertical-align: -1px; }
.exits { margin: 0; padding-left: 18px; }
.exits li { margin: 3px 0; }
code { font: 12.5px ui-monospace, "DejaVu Sans Mono", monospace; background: #eef1f5;
       padding: 0 4px; border-radius: 3px; word-break: break-all; }
table { border-collapse: collapse; width: 100%; font-size: 13px; table-layout: fixed; }
td, th { overflow-wrap: anywhere; }
table.findings col.code { width: 8em; } table.findings col.rule { width: 13em; }
table.findings col.where { width: 9em; } table.opcodes col.n { width: 6em; }
table.overview col.n { width: 8em; }
td.fold { color: var(--muted); font-style: italic; }
th { text-align: left; color: var(--muted); font-weight: 600; border-bottom: 1px solid var(--line);
     padding: 4px 8px 4px 0; }
td { border-bottom: 1px solid #eef1f5; padding: 4px 8px 4px 0; vertical-align: top; }
td.code { white-space: nowrap; font-weight: 600; }
td.code.error { color: var(--cpu); } td.code.warning { color: #b86e00; }
td.code.info { color: #3b7dd8; }
.memory { width: 100%; max-width: 520px; height: 16px; background: #eef1f5; border-radius: 8px;
          overflow: hidden; display: flex; }
.memory .on { background: #3b7dd8; } .memory .off { background: var(--cpu); }
.fatal { color: var(--cpu); font-weight: 600; }
details summary { cursor: pointer; color: var(--muted); margin-top: 12px; }
"""


def e(text: object) -> str:
    return html.escape(printable(str(text)), quote=True)


def render(run: RunResult, stream: TextIO, color: str,
           options: ReportOptions = DEFAULT) -> None:
    counts = Counter(f.severity.value for f in run.findings)
    checked = len(run.models) - len(run.errors)
    stream.write(f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tpulint report</title><style>{CSS}</style></head><body>
<header><h1>tpulint: Edge TPU compatibility</h1>
<p>{checked} model(s) checked · {counts['error']} error(s) · {counts['warning']} warning(s) ·
{counts['info']} info · {sum(m.suppressed for m in run.models)} suppressed ·
tpulint {e(__version__)}</p></header><main>
""")
    if len(run.models) > 1:
        stream.write(_overview(run))
    for model in run.models:
        stream.write(_error(model) if model.error else _model(model, options))
    if run.config_findings:
        path = run.config_findings[0].location.path
        found = _findings([Group(f) for f in run.config_findings])
        stream.write(f'<section class="warn"><h2>{e(path)}</h2>'
                     f'<p class="muted">The configuration</p>{found}</section>\n')
    stream.write("</main></body></html>\n")


def _error(model: ModelResult) -> str:
    return (f'<section class="bad" id="{e(model.relpath)}"><h2>{e(model.relpath)}</h2>'
            f'<p class="fatal">Could not be read: {e(model.error)}</p></section>\n')


def _overview(run: RunResult) -> str:
    rows = []
    for model in run.models:
        link = f'<a href="#{e(model.relpath)}">{e(model.relpath)}</a>'
        if model.error:
            rows.append(f'<tr><td>{link}</td><td colspan="4" class="fatal">could not be read'
                        "</td></tr>")
            continue
        s, counts = model.summary, Counter(f.severity.value for f in model.findings)
        rows.append(f"<tr><td>{link}</td><td>{s.tpu} of {s.operators}</td>"
                    f"<td>{counts['error']}</td><td>{counts['warning']}</td>"
                    f"<td>{counts['info']}</td></tr>")
    return ('<section><h3>Models</h3><table class="overview"><colgroup><col><col class="n">'
            '<col class="n"><col class="n"><col class="n"></colgroup><tr><th>model</th>'
            "<th>on the Edge TPU</th><th>errors</th><th>warnings</th><th>info</th></tr>"
            + "".join(rows) + "</table></section>\n")


def _model(model: ModelResult, options: ReportOptions) -> str:
    rows = [row for row in model.operators if row.subgraph == 0]
    severities = Counter(f.severity.value for f in model.findings)
    state = "bad" if severities["error"] or model.fatal else \
        "warn" if severities["warning"] else "good"
    parts = [f'<section class="{state}" id="{e(model.relpath)}"><h2>{e(model.relpath)}</h2>',
             _summary(model, severities)]
    parts += [f'<p class="fatal">Compilation fails: {e(f.message)} '
              f'<span class="muted">({e(f.cause)})</span></p>' for f in model.fatal]
    parts.append(_exits(model))
    if rows:
        parts.append("<h3>Operators in execution order</h3>" + _strip(rows) + _legend())
    if model.findings:
        parts.append("<h3>Findings</h3>" + _findings(groups(model, options.show_all)))
    parts.append(_memory(model))
    if rows:
        parts.append(_table(model))
    parts.append("</section>\n")
    return "".join(parts)


def _summary(model: ModelResult, severities: Counter[str]) -> str:
    s = model.summary
    badges = "".join(f'<span class="badge {level}">{_plural(severities[level], level)}</span>'
                     for level in ("error", "warning", "info") if severities[level]) or \
        '<span class="badge none">no findings</span>'
    if model.compiled:
        text = f"<b>Compiled model:</b> {s.tpu} Edge TPU operator(s), {s.cpu} on the CPU"
    else:
        text = (f"<b>{s.tpu} of {s.operators}</b> operators predicted on the Edge TPU, "
                f"<b>{s.cpu_segments}</b> CPU segment(s)")
    recipe = f' <span class="muted">· {e(model.recipe)}</span>' if model.recipe else ""
    suppressed = f' <span class="muted">· {model.suppressed} suppressed</span>' \
        if model.suppressed else ""
    latency = "" if model.latency is None else \
        f'<p class="summary muted latency">{e(latency_line(model.latency))}</p>'
    return f'<p class="summary">{badges} {text}{recipe}{suppressed}</p>{latency}'


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 or word == 'info' else 's'}"


def _strip(rows: list[OperatorRow]) -> str:
    cells = "".join(f'<div class="op {row.kind}" title="{e(shorten_names(row.label))}: '
                    f'{e(short_status(row.reason))}">{row.index}</div>' for row in rows)
    return f'<div class="strip">{cells}</div>'


def _legend() -> str:
    return '<div class="legend">' + "".join(
        f'<span><i style="background: var(--{name})"></i>{label}</span>'
        for name, label in KINDS.items()) + "</div>"


def _exits(model: ModelResult) -> str:
    """Each operator that ends or splits the Edge TPU region, and the operators it strands."""
    ends = region_ends(model)
    if not ends:
        return ""
    items = []
    for end in ends:
        row = end.row
        follow = f" → strands <b>{end.stranded}</b> supported operator(s)" if end.stranded else ""
        items.append(f"<li><code>op{row.index}</code> <code>{e(shorten_names(row.label))}</code> "
                     f'<span class="muted">{e(row.reason)}</span>{follow}</li>')
    return (f"<h3>Edge TPU region ends at ({model.cpu_segments} CPU segment(s))</h3>"
            f'<ul class="exits">{"".join(items)}</ul>')


def _findings(found: list[Group]) -> str:
    rows = []
    for group in found:
        f = group.lead
        where = f.location.anchor or "model"
        rows.append(f'<tr><td class="code {f.severity.value}">{e(f.code)}</td>'
                    f'<td>{e(f.name)}</td><td><code>{e(where)}</code></td>'
                    f"<td>{e(shorten_names(f.message))}</td></tr>")
        if group.folded:
            rows.append(f'<tr><td></td><td></td><td></td><td class="fold">'
                        f"{e(group.fold_text())}</td></tr>")
    return ('<table class="findings"><colgroup><col class="code"><col class="rule">'
            '<col class="where"><col></colgroup>'
            "<tr><th>code</th><th>rule</th><th>where</th><th>message</th></tr>"
            + "".join(rows) + "</table>")


def _memory(model: ModelResult) -> str:
    memory = model.memory
    if memory is None or not memory.parameter_bytes:
        return ""
    scale = max(memory.parameter_bytes, memory.cache_bytes)
    on = 100 * memory.on_chip_bytes / scale
    off = 100 * memory.off_chip_bytes / scale
    approx = "" if memory.measured else "≈"
    streamed = f", <b>{_size(memory.off_chip_bytes)}</b> streamed from the host at every " \
        "inference" if memory.off_chip_bytes else ", all cached on chip"
    return (f"<h3>Parameter memory</h3><p>{approx}{_size(memory.parameter_bytes)} of "
            f"parameters, {_size(memory.cache_bytes)} on-chip cache{streamed}</p>"
            f'<div class="memory" title="on chip {memory.on_chip_bytes} B, streamed '
            f'{memory.off_chip_bytes} B"><div class="on" style="width: {on:.2f}%"></div>'
            f'<div class="off" style="width: {off:.2f}%"></div></div>')


def _size(count: int) -> str:
    return f"{count / MIB:.2f} MiB" if count >= MIB // 4 else f"{count / 1024:.1f} KiB"


def _table(model: ModelResult) -> str:
    body = "".join(f"<tr><td><code>{e(row.opcode)}</code></td><td>{row.count}</td>"
                   f"<td>{row.tpu}</td><td>{row.cpu}</td><td>{e(row.status)}</td></tr>"
                   for row in opcode_table(model))
    return ('<h3>Operators by type</h3><table class="opcodes"><colgroup><col><col class="n">'
            '<col class="n"><col class="n"><col></colgroup><tr><th>operator</th><th>count</th>'
            f"<th>Edge TPU</th><th>CPU</th><th>status</th></tr>{body}</table>")
