"""`verify`'s terminal report: a panel per model with the operator table, summary and runs.

Model-derived strings are added as `rich.text.Text`, never as markup, and pass through
`printable`, as in `tpulint/report/full.py`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TextIO

from tpulint.analysis import status
from tpulint.report.full import MIB, SEVERITY_STYLE
from tpulint.text import printable
from tpulint.verify.latency import line as latency_line
from tpulint.verify.pipeline import Verification
from tpulint.verify.verdict import CONFIRMED, PLACEMENT_CONTRADICTED, REASON_CONTRADICTED

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

WIDE = 110  # terminal columns from which the operator table shows output names
OUTCOME_STYLE = {CONFIRMED: "green", PLACEMENT_CONTRADICTED: "bold red",
                 REASON_CONTRADICTED: "yellow", "unverified": "dim"}
VERDICT_WORD = {CONFIRMED: "confirmed", PLACEMENT_CONTRADICTED: "CONTRADICTED",
                REASON_CONTRADICTED: "other status", "unverified": "unverified"}
# The compiler's statuses, shortened for the table (JSON keeps them whole).
SHORT_STATUS = {
    status.MAPPED: "mapped",
    status.NOT_SUPPORTED: "not supported",
    status.UNSUPPORTED_TYPE: "unsupported data type",
    status.UNSPECIFIED: "unspecified limitation",
    status.MORE_THAN_ONE_SUBGRAPH: "more than one subgraph",
    status.UNSUPPORTED_RANK: "unsupported rank",
    status.VERSION_NOT_SUPPORTED: "version not supported",
    status.NOT_CONSTANT: "param not constant",
}



def render(results: list[Verification], stream: TextIO, color: str) -> None:
    from rich.console import Console

    console = Console(file=stream, force_terminal=True if color == "always" else None,
                      no_color=color == "never", highlight=False, soft_wrap=False)
    for result in results:
        if not result.error:
            console.print(_panel(result, console.width))
    _footer(console, results)


def _panel(result: Verification, width: int) -> RenderableType:
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    parts: list[RenderableType] = [_compiler_line(result)]
    output = result.compiler_output
    for error in output.errors if output else []:
        parts.append(Text.assemble(("compiler error: ", "bold red"), printable(error)))
    if result.comparison is not None and result.comparison.rows:
        parts.append(_operators_table(result, width))
    if result.comparison is not None:
        parts.append(_summary(result))
    parts.append(_memory_line(result))
    if result.findings:
        parts.append(_findings_table(result))
    parts.extend(_run_lines(result))
    notes = [*result.notes, *(result.comparison.notes if result.comparison else [])]
    parts.extend(Text(f"note: {printable(note)}", style="dim") for note in notes)
    contradicted = any(f.severity.value == "error" for f in result.findings) or bool(
        result.comparison and result.comparison.count(PLACEMENT_CONTRADICTED))
    return Panel(Group(*parts), title=Text(printable(result.path), style="bold"),
                 title_align="left", border_style="red" if contradicted else "green")


def _compiler_line(result: Verification) -> RenderableType:
    from rich.text import Text

    run, output = result.compile_run, result.compiler_output
    text = Text()
    if output is None:
        check = result.check.summary if result.check else None
        tpu, operators = (check.tpu, check.operators) if check else (0, 0)
        text.append("not compiled", style="bold yellow")
        text.append(f" (no compiler): tpulint predicts {tpu} of {operators} operators on the "
                    "Edge TPU", style="dim")
        return text
    version = output.compiler_version or "unknown version"
    if run is None:
        text.append(f"compiled earlier by edgetpu_compiler {version} ", style="bold")
        text.append("(--compiled / --log)", style="dim")
        return text
    text.append(f"edgetpu_compiler {version}", style="bold")
    status = "timed out" if run.timed_out else f"exit {run.exit_code}"
    flags = run.command[3:-1]  # without the program, `-o DIR` and the model
    text.append(f"  ·  {status}  ·  {run.seconds:.1f} s  ·  flags {' '.join(flags)}", style="dim")
    return text


def _operators_table(result: Verification, width: int) -> RenderableType:
    from rich.table import Table
    from rich.text import Text

    assert result.comparison is not None
    table = Table(box=None, show_header=True, header_style="dim", pad_edge=False)
    table.add_column("op", no_wrap=True)
    table.add_column("type", overflow="ellipsis", no_wrap=True, min_width=6)
    names = width >= WIDE  # the output tensor's name, where there is room for it
    if names:
        table.add_column("output", overflow="ellipsis", no_wrap=True, max_width=32)
    table.add_column("tpulint", no_wrap=True)
    table.add_column("compiler", no_wrap=True)
    table.add_column("compiler status", overflow="fold", min_width=10)
    table.add_column("verdict", no_wrap=True)
    for row in result.comparison.rows:
        where = f"op{row.index}" if row.subgraph == 0 else f"sg{row.subgraph}/op{row.index}"
        kind, _, name = row.label.partition(" ")
        statuses = (row.compiler_reason,) if row.compiler_reason else row.reason_candidates
        status = " | ".join(SHORT_STATUS.get(s, s) for s in statuses) or "-"
        cells = [Text(where, style="dim"), Text(printable(kind))]
        if names:
            cells.append(Text(printable(name.strip("'")), style="dim"))
        table.add_row(*cells, Text(row.predicted), Text(row.compiler or "-"),
                      Text(printable(status), style="dim"),
                      Text(VERDICT_WORD[row.outcome], style=OUTCOME_STYLE[row.outcome]))
    return table


def _summary(result: Verification) -> RenderableType:
    from rich.text import Text

    assert result.comparison is not None
    s = result.comparison.summary
    contradicted = s["placement_contradicted"] + s["reason_contradicted"]
    text = Text()
    text.append(f"{s['confirmed']} of {s['operators']} operators confirmed",
                style="bold green" if not contradicted and not s["unverified"] else "bold")
    text.append(f", {s['placement_contradicted']} placed otherwise, "
                f"{s['reason_contradicted']} with another status, {s['unverified']} unverified")
    if s["compared"]:
        text.append(f"  ·  compiler: {s['compiler_tpu']} on the Edge TPU, "
                    f"{s['compiler_cpu']} on the CPU", style="dim")
    text.append(f"\nfindings of check: {s['findings_confirmed']} confirmed, "
                f"{s['findings_contradicted']} contradicted, {s['findings_unverified']} "
                "not checkable (not about one operator, or no compiler answer)", style="dim")
    return text


def _memory_line(result: Verification) -> RenderableType:
    from rich.text import Text

    text = Text("parameters: ", style="dim")
    estimate = result.check.memory if result.check else None
    if estimate is not None:
        text.append(f"tpulint ≈{estimate.parameter_bytes / MIB:.2f} MiB "
                    f"({estimate.off_chip_bytes / MIB:.2f} MiB streamed)", style="dim")
    report = result.report
    if report is not None and report.on_chip_used_bytes is not None:
        text.append(f"; compiler {report.on_chip_used_bytes / MIB:.2f} MiB on chip, "
                    f"{(report.off_chip_used_bytes or 0) / MIB:.2f} MiB streamed", style="dim")
    if result.compiled is not None and result.compiled.packages:
        text.append(f"; compiled package {result.compiled.parameter_bytes / MIB:.2f} MiB",
                    style="dim")
    return text


def _findings_table(result: Verification) -> RenderableType:
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, show_header=True, header_style="dim", pad_edge=False)
    table.add_column("code", no_wrap=True)
    table.add_column("where", no_wrap=True)
    table.add_column("message", overflow="fold")
    for finding in result.findings:
        message = Text(printable(finding.message))
        if finding.operator:
            message = Text.assemble((printable(finding.operator), "bold"), " ", message)
        table.add_row(Text(finding.code, style=SEVERITY_STYLE[finding.severity.value]),
                      Text(finding.location.anchor or "model", style="dim"), message)
    return table


def _run_lines(result: Verification) -> Iterator[RenderableType]:
    from rich.text import Text

    run = result.device
    if run is None:
        return
    if run.reference is not None:
        yield Text(f"CPU reference: {_timing(run.reference)} ({printable(run.inputs)})")
    if run.tpu is not None:
        yield Text(f"Edge TPU ({printable(run.device or '?')}): {_timing(run.tpu)}")
        for out in run.outputs:
            sqnr = "identical" if math.isinf(out.sqnr_db) and out.sqnr_db > 0 else \
                f"SQNR {out.sqnr_db:.1f} dB"
            yield Text(f"  output '{printable(out.name)}': {sqnr}, "
                       f"max error {out.max_abs_error:.4g}", style="dim")
    elif run.tpu_error:
        yield Text(f"Edge TPU: failed: {printable(run.tpu_error)}", style="red")
    elif run.tpu_skipped:
        yield Text(f"Edge TPU: skipped: {printable(run.tpu_skipped)}", style="yellow")
    latency = latency_line(result)
    if latency:
        yield Text(latency, style="dim" if run.tpu is None else "")


def _timing(timing: Any) -> str:
    return (f"{timing.runs} runs, median {timing.median_ms:.3f} ms, mean {timing.mean_ms:.3f} ms, "
            f"min {timing.min_ms:.3f} ms")


def _footer(console: Console, results: list[Verification]) -> None:
    found = [f for r in results for f in r.findings]
    verified = [r for r in results if r.comparison is not None]
    codes = sorted({f.code for f in found})
    summary = f"{len(found)} verify finding{'s' if len(found) != 1 else ''}" if found else \
        "no contradictions"
    console.print(f"{summary} in {len(verified)} verified model"
                  f"{'s' if len(verified) != 1 else ''}", style="bold")
    if codes:
        console.print(f"Run `tpulint rule {codes[0]}` for what a code means.", style="dim")
