"""The terminal report: a panel per model that leads with its placement summary and the
operators ending the Edge TPU region, then the findings by impact (repeats and consequences
folded, `--show-all` lists them), then the operators by type; a summary line at the end.

Model-derived strings are added as `rich.text.Text`, never as markup, and pass through
`printable`, so a tensor name cannot inject markup or terminal control sequences.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from tpulint.analysis.latency import latency_line
from tpulint.report import DEFAULT, ReportOptions
from tpulint.report.names import name_once
from tpulint.report.triage import (
    groups,
    listed_region_ends,
    opcode_table,
    run_summary,
    shorten_names,
)
from tpulint.results import ModelResult, RunResult
from tpulint.text import printable

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.table import Table

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
MIB = 1024 * 1024


def render(run: RunResult, stream: TextIO, color: str,
           options: ReportOptions = DEFAULT) -> None:
    from rich.console import Console

    console = Console(file=stream, force_terminal=True if color == "always" else None,
                      no_color=color == "never", highlight=False, soft_wrap=False)
    for model in run.models:
        if not model.error:
            console.print(_panel(model, options))
    if run.config_findings:
        console.print(_config_panel(run))
    if not options.quiet:
        _footer(console, run)


def _panel(model: ModelResult, options: ReportOptions) -> RenderableType:
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    parts: list[RenderableType] = [_summary(model)]
    for fatal in model.fatal:
        parts.append(Text.assemble(("compile fails: ", "bold red"), printable(fatal.message),
                                   (f"  ({printable(fatal.cause)})", "dim")))
    ends = _region_ends(model)
    if ends:
        parts.append(ends)
    if model.findings:
        parts.append(_findings_table(model, options))
    if model.operators:
        parts.append(_opcode_table(model))
    title = Text(printable(model.path), style="bold")
    border = "red" if any(f.severity.value == "error" for f in model.findings) else "green"
    return Panel(Group(*parts), title=title, title_align="left", border_style=border)


def _config_panel(run: RunResult) -> RenderableType:
    from rich.panel import Panel
    from rich.text import Text

    lines = Text()
    for number, finding in enumerate(run.config_findings):
        lines.append("\n" if number else "")
        lines.append(finding.code, style=SEVERITY_STYLE[finding.severity.value])
        lines.append(f"  {printable(finding.message)}")
    title = Text(printable(run.config_findings[0].location.path), style="bold")
    return Panel(lines, title=title, title_align="left", border_style="yellow")


def _summary(model: ModelResult) -> RenderableType:
    from rich.text import Text

    s = model.summary
    text = Text()
    if model.compiled:
        text.append("compiled model: ", style="bold")
        text.append(f"{s.tpu} Edge TPU operator(s), {s.cpu} on the CPU")
    else:
        style = "bold green" if s.cpu == 0 and not model.fatal else "bold"
        text.append(f"{s.tpu} of {s.operators} operators predicted on the Edge TPU",
                    style=style)
        if s.edgetpu_subgraphs > 1:  # --enable-multiple-subgraphs
            text.append(f" in {s.edgetpu_subgraphs} Edge TPU subgraphs", style=style)
        if s.tpu_low != s.tpu_high:
            text.append(f" ({s.tpu_low} to {s.tpu_high}, depending on "
                        f"{', '.join(model.tpu_depends_on)})", style="yellow")
        text.append(f", {s.cpu_segments} CPU segment{'s' if s.cpu_segments != 1 else ''}")
    if model.recipe and not model.compiled:
        text.append(f"  ·  {model.recipe}", style="dim")
    memory = model.memory
    if memory is not None and memory.parameter_bytes:
        where = "on chip" if not memory.off_chip_bytes else \
            f"{size(memory.off_chip_bytes)} streamed"
        approx = "" if memory.measured else "≈"
        text.append(f"  ·  parameters {approx}{size(memory.parameter_bytes)} ({where})",
                    style="dim")
    if model.latency is not None:
        text.append(f"\n{latency_line(model.latency)}", style="dim")
    if s.tpu_with_a > s.tpu and not model.compiled:
        text.append(f"\nedgetpu_compiler -a (experimental) would map {s.tpu_with_a} operators "
                    f"in {s.edgetpu_subgraphs_with_a} Edge TPU subgraphs", style="dim")
    return text


def size(count: int) -> str:
    return f"{count / MIB:.1f} MiB" if count >= MIB else f"{count / 1024:.0f} KiB"


def _region_ends(model: ModelResult) -> RenderableType | None:
    """The operators that end or split the Edge TPU region, each with what it strands."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    ends, more = listed_region_ends(model)
    if not ends:
        return None
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    for end in ends:
        row = end.row
        text = Text(printable(shorten_names(row.label, 32)), style="bold")
        if end.stranded:
            text.append(f"  strands {end.stranded} op(s)", style="yellow")
        text.append(f"\n{printable(end.status)}", style="dim")
        table.add_row(Text(f"  op{row.index}", style="dim"), text)
    if more:
        table.add_row("", Text(more, style="dim"))
    return Group(Text("Edge TPU region ends at", style="bold"), table)


def _findings_table(model: ModelResult, options: ReportOptions) -> RenderableType:
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, show_header=True, header_style="dim", pad_edge=False, expand=False)
    table.add_column("code", no_wrap=True)
    table.add_column("where", no_wrap=True)
    table.add_column("message", overflow="fold")
    for group in groups(model, options.show_all):
        finding = group.lead
        code = Text(finding.code, style=SEVERITY_STYLE[finding.severity.value])
        where = Text(printable(finding.location.anchor or "model"), style="dim")
        message = Text(printable(shorten_names(name_once(finding.message))))
        if finding.confidence != "high":
            message.append(f" [{finding.confidence} confidence]", style="dim")
        table.add_row(code, where, message)
        if group.folded:
            table.add_row("", "", Text(group.fold_text(), style="dim italic"))
    return table


def by_type_table(*counts_then_text: str) -> Table:
    """An `operators by type` table: the type, its count, then right-aligned count columns and
    a last column of text."""
    from rich.table import Table

    table = Table(box=None, show_header=True, header_style="dim", pad_edge=False,
                  title="operators by type", title_justify="left", title_style="dim")
    table.add_column("operator", no_wrap=True, overflow="ellipsis", max_width=28)
    for name in ("count", *counts_then_text[:-1]):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column(counts_then_text[-1])
    return table


def _opcode_table(model: ModelResult) -> RenderableType:
    """Operators by type, like the table `edgetpu_compiler` prints."""
    from rich.text import Text

    table = by_type_table("TPU", "CPU", "status")
    for row in opcode_table(model):
        status_style = "dim" if not row.cpu else "yellow"
        table.add_row(Text(printable(row.opcode)), str(row.count), str(row.tpu),
                      Text(str(row.cpu), style="red" if row.cpu else "dim"),
                      Text(printable(row.brief), style=status_style))
    return table


def _footer(console: Console, run: RunResult) -> None:
    console.print(run_summary(run), style="bold")
    codes = sorted({f.code for f in run.findings})
    if codes:
        console.print(f"Run `tpulint rule {codes[0]}` for what a code means and how to fix it.",
                      style="dim")
