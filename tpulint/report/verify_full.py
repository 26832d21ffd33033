"""`verify`'s terminal report: per model a one-line verdict, the contradictions first, the
TPU5xx findings, then operators by type (`--show-all`: every operator); a summary line.

Model-derived strings are added as `rich.text.Text`, never as markup, and pass through
`printable`, as in `tpulint/report/full.py`. Columns that hold words never wrap inside one.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TextIO

from tpulint.report import DEFAULT, ReportOptions
from tpulint.report.full import MIB, SEVERITY_STYLE, by_type_table
from tpulint.report.names import name_once
from tpulint.report.triage import plural, short_status, shorten_names
from tpulint.text import printable
from tpulint.verify.latency import line as latency_line
from tpulint.verify.pipeline import Verification
from tpulint.verify.tools import Missing
from tpulint.verify.verdict import (
    CONFIRMED,
    PLACEMENT_CONTRADICTED,
    REASON_CONTRADICTED,
    UNVERIFIED,
    OperatorVerdict,
)

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

OUTCOME_STYLE = {CONFIRMED: "green", PLACEMENT_CONTRADICTED: "bold red",
                 REASON_CONTRADICTED: "yellow", UNVERIFIED: "dim"}
VERDICT_WORD = {CONFIRMED: "confirmed", PLACEMENT_CONTRADICTED: "CONTRADICTED",
                REASON_CONTRADICTED: "other status", UNVERIFIED: "unverified"}
CONTRADICTIONS_SHOWN = 20  # rows listed before the rest are counted (`--show-all` lists all)


def render(results: list[Verification], stream: TextIO, color: str,
           options: ReportOptions = DEFAULT, missing: tuple[Missing, ...] = ()) -> None:
    from rich.console import Console

    console = Console(file=stream, force_terminal=True if color == "always" else None,
                      no_color=color == "never", highlight=False, soft_wrap=False)
    for result in results:
        if not result.error:
            console.print(_panel(result, options))
    if not options.quiet:
        _footer(console, results, missing)


def _panel(result: Verification, options: ReportOptions) -> RenderableType:
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    parts: list[RenderableType] = [verdict_line(result), _compiler_line(result)]
    output = result.compiler_output
    for error in output.errors if output else []:
        parts.append(Text.assemble(("compiler error: ", "bold red"), printable(error)))
    comparison = result.comparison
    if comparison is not None and comparison.rows:
        rows = comparison.rows if options.show_all else \
            [row for row in comparison.rows if row.outcome in (PLACEMENT_CONTRADICTED,
                                                                REASON_CONTRADICTED)]
        if rows:
            parts.append(_operators_table(rows, options.show_all))
    if result.findings:
        parts.append(_findings_table(result))
    if comparison is not None and comparison.rows:
        parts.append(_opcode_table(comparison.rows))
    if comparison is not None:
        parts.append(_check_findings_line(result))
    parts.append(_memory_line(result))
    parts.extend(_run_lines(result))
    notes = [*result.notes, *(comparison.notes if comparison else [])]
    parts.extend(Text(f"note: {printable(note)}", style="dim") for note in notes)
    return Panel(Group(*parts), title=Text(printable(result.path), style="bold"),
                 title_align="left", border_style="red" if _contradicted(result) else "green")


def _contradicted(result: Verification) -> bool:
    return any(f.severity.value == "error" for f in result.findings) or bool(
        result.comparison and result.comparison.count(PLACEMENT_CONTRADICTED))


def verdict_line(result: Verification) -> RenderableType:
    """`CONTRADICTED: 3 of 166 operators placed otherwise than predicted`, or `confirmed`."""
    from rich.text import Text

    comparison = result.comparison
    if not result.verified:
        check = result.check.summary if result.check else None
        tpu, operators = (check.tpu, check.operators) if check else (0, 0)
        why = f": {result.not_verified};" if result.not_verified else " (no compiler):"
        return Text.assemble(("not verified", "bold yellow"),
                             (f"{why} tpulint predicts {tpu} of {operators} "
                              "operators on the Edge TPU", "dim"))
    assert comparison is not None
    s = comparison.summary
    placed, other = s["placement_contradicted"], s["reason_contradicted"]
    text = Text()
    if placed:
        text.append("CONTRADICTED", style="bold red")
        text.append(f": {placed} of {s['operators']} operators placed otherwise than predicted")
    elif other:
        text.append("placement confirmed", style="bold yellow")
        text.append(f": {other} of {s['operators']} operators with another compiler status")
    elif s["unverified"] == s["operators"]:
        text.append("unverified", style="bold yellow")
        text.append(": the compiler gave no per-operator answer")
    else:
        text.append("confirmed", style="bold green")
        text.append(f": {s['confirmed']} of {s['operators']} operators as predicted")
    if s["unverified"] and s["unverified"] != s["operators"]:
        text.append(f", {s['unverified']} unverified", style="dim")
    return text


def _compiler_line(result: Verification) -> RenderableType:
    from rich.text import Text

    run, output = result.compile_run, result.compiler_output
    text = Text(style="dim")
    if output is None:
        return text
    version = output.compiler_version or "unknown version"
    if run is None:
        text.append(f"compiled earlier by edgetpu_compiler {version} (--compiled / --log)")
        return text
    status = "timed out" if run.timed_out else f"exit {run.exit_code}"
    flags = run.command[3:-1]  # without the program, `-o DIR` and the model
    text.append(f"edgetpu_compiler {version}  ·  {status}  ·  {run.seconds:.1f} s")
    if flags:
        text.append(f"  ·  flags {' '.join(flags)}")
    comparison = result.comparison
    if comparison is not None and comparison.summary["compared"]:
        s = comparison.summary
        text.append(f"\ncompiler: {s['compiler_tpu']} on the Edge TPU, {s['compiler_cpu']} on "
                    "the CPU")
    return text


def _operators_table(rows: list[OperatorVerdict], every: bool) -> RenderableType:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, show_header=True, header_style="dim", pad_edge=False)
    table.add_column("op", no_wrap=True)
    table.add_column("operator", no_wrap=True)  # the type: names are in `--format json`
    table.add_column("tpulint", no_wrap=True)
    table.add_column("compiler", no_wrap=True)
    table.add_column("compiler status", ratio=1, min_width=14)
    table.add_column("verdict", no_wrap=True, min_width=len("CONTRADICTED"))
    shown = rows if every else rows[:CONTRADICTIONS_SHOWN]
    for row in shown:
        where = f"op{row.index}" if row.subgraph == 0 else f"sg{row.subgraph}/op{row.index}"
        statuses = (row.compiler_reason,) if row.compiler_reason else row.reason_candidates
        status = " | ".join(short_status(s) for s in statuses) or "-"
        table.add_row(Text(where, style="dim"), Text(printable(row.label.split(" '")[0])),
                      Text(row.predicted), Text(row.compiler or "-"),
                      Text(printable(status), style="dim"),
                      Text(VERDICT_WORD[row.outcome], style=OUTCOME_STYLE[row.outcome]))
    title = Text("every operator" if every else "where the compiler disagrees", style="bold")
    parts: list[RenderableType] = [title, table]
    if len(rows) > len(shown):
        parts.append(Text(f"+{len(rows) - len(shown)} more (--show-all lists every operator)",
                          style="dim"))
    return Group(*parts)


def _opcode_table(rows: list[OperatorVerdict]) -> RenderableType:
    """Operators by type: predicted and compiled on the Edge TPU, and the verdicts."""
    from rich.text import Text

    by_type: dict[str, list[OperatorVerdict]] = {}
    for row in rows:
        if row.subgraph == 0:
            by_type.setdefault(row.label.split(" '")[0], []).append(row)
    table = by_type_table("tpulint TPU", "compiler TPU", "verdicts")
    ordered = sorted(by_type.items(), key=lambda item: (
        -sum(r.outcome == PLACEMENT_CONTRADICTED for r in item[1]), -len(item[1]), item[0]))
    for opcode, group in ordered:
        outcomes = Counter(r.outcome for r in group)
        verdicts = Text()
        for outcome in (PLACEMENT_CONTRADICTED, REASON_CONTRADICTED, CONFIRMED, UNVERIFIED):
            if outcomes[outcome]:
                verdicts.append(f"{outcomes[outcome]} {VERDICT_WORD[outcome]}  ",
                                style=OUTCOME_STYLE[outcome])
        compiled = [r for r in group if r.compiler is not None]
        compiler_tpu = str(sum(r.compiler == "tpu" for r in compiled)) if compiled else "-"
        table.add_row(Text(printable(opcode)), str(len(group)),
                      str(sum(r.predicted == "tpu" for r in group)), compiler_tpu, verdicts)
    return table


def _check_findings_line(result: Verification) -> RenderableType:
    from rich.text import Text

    assert result.comparison is not None
    s = result.comparison.summary
    return Text(f"findings of check: {s['findings_confirmed']} confirmed, "
                f"{s['findings_contradicted']} contradicted, {s['findings_unverified']} not "
                "checkable", style="dim")


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
        message = Text(printable(shorten_names(name_once(finding.message))))
        if finding.operator and finding.operator not in finding.message:  # named once
            message = Text.assemble((printable(shorten_names(finding.operator)), "bold"), " ",
                                    message)
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


def _footer(console: Console, results: list[Verification],
            missing: tuple[Missing, ...]) -> None:
    console.print(run_summary(results, missing), style="bold")
    codes = sorted({f.code for r in results for f in r.findings})
    if codes:
        console.print(f"Run `tpulint rule {codes[0]}` for what a code means.", style="dim")


def run_summary(results: list[Verification], missing: tuple[Missing, ...] = ()) -> str:
    """`2 contradictions in 3 verified models`, or why nothing was verified."""
    found = [f for r in results for f in r.findings]
    verified = [r for r in results if r.verified]
    if not verified:
        if any(m.piece == "compiler" for m in missing):
            return f"Nothing verified (no compiler): {plural(len(results), 'model')} " \
                "predicted only"
        return f"Nothing verified: {plural(len(results), 'model')} not verified"
    what = plural(len(found), "verify finding") if found else "no contradictions"
    unverified = len(results) - len(verified)
    rest = f"; {unverified} not verified" if unverified else ""
    return f"{what} in {plural(len(verified), 'verified model')}{rest}"
