"""The terminal report: a panel per model with its placement summary, findings and CPU segments.

Model-derived strings are added as `rich.text.Text`, never as markup, and pass through
`printable`, so a tensor name cannot inject markup or terminal control sequences.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, TextIO

from tpulint.analysis.latency import latency_line
from tpulint.results import ModelResult, RunResult
from tpulint.text import printable

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
MIB = 1024 * 1024


def render(run: RunResult, stream: TextIO, color: str) -> None:
    from rich.console import Console

    console = Console(file=stream, force_terminal=True if color == "always" else None,
                      no_color=color == "never", highlight=False, soft_wrap=False)
    for model in run.models:
        if not model.error:
            console.print(_panel(model))
    if run.config_findings:
        console.print(_config_panel(run))
    _footer(console, run)


def _panel(model: ModelResult) -> RenderableType:
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    parts: list[RenderableType] = [_summary(model)]
    for fatal in model.fatal:
        parts.append(Text.assemble(("compile fails: ", "bold red"), printable(fatal.message),
                                   (f"  ({printable(fatal.cause)})", "dim")))
    if model.findings:
        parts.append(_findings_table(model))
    segments = _segments(model)
    if segments:
        parts.append(segments)
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
    if s.tpu_with_a > s.tpu:
        text.append(f"\nedgetpu_compiler -a (experimental) would map {s.tpu_with_a} operators "
                    f"in {s.edgetpu_subgraphs_with_a} Edge TPU subgraphs", style="dim")
    return text


def size(count: int) -> str:
    return f"{count / MIB:.1f} MiB" if count >= MIB else f"{count / 1024:.0f} KiB"


def _findings_table(model: ModelResult) -> RenderableType:
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, show_header=True, header_style="dim", pad_edge=False, expand=False)
    table.add_column("code", no_wrap=True)
    table.add_column("where", no_wrap=True)
    table.add_column("message", overflow="fold")
    for finding in model.findings:
        code = Text(finding.code, style=SEVERITY_STYLE[finding.severity.value])
        where = Text(printable(finding.location.anchor or "model"), style="dim")
        message = Text(printable(finding.message))
        if finding.confidence != "high":
            message.append(f" [{finding.confidence} confidence]", style="dim")
        table.add_row(code, where, message)
    return table


def _segments(model: ModelResult) -> RenderableType | None:
    """Where the graph leaves the Edge TPU: each CPU operator with its own reason, and how many
    supported operators depend on it."""
    from rich.text import Text

    main = [row for row in model.operators if row.subgraph == 0]
    stranded = Counter(row.cause for row in main if row.kind == "stranded")
    own = [row for row in main if row.kind == "cpu"]
    if model.compiled or model.fatal or not own or len(own) == len(main):
        return None
    text = Text("leaves the Edge TPU at:", style="dim")
    for row in own[:12]:
        text.append(f"\n  op{row.index} ", style="dim")
        text.append(printable(row.label), style="bold")
        text.append(f"  {row.reason}", style="dim")
        if stranded[row.index]:
            text.append(f"  → {stranded[row.index]} supported op(s) follow it to the CPU",
                        style="yellow")
    if len(own) > 12:
        text.append(f"\n  … {len(own) - 12} more CPU operators", style="dim")
    return text


def _footer(console: Console, run: RunResult) -> None:
    counts = Counter(f.severity.value for f in run.findings)
    checked = len(run.models) - len(run.errors)
    parts = [f"{counts[level]} {level}{'s' if counts[level] != 1 else ''}"
             for level in ("error", "warning", "info") if counts[level]]
    summary = ", ".join(parts) if parts else "no findings"
    suppressed = sum(m.suppressed for m in run.models)
    hidden = f" ({suppressed} suppressed)" if suppressed else ""
    console.print(f"{summary} in {checked} model{'s' if checked != 1 else ''}{hidden}",
                  style="bold")
    codes = sorted({f.code for f in run.findings})
    if codes:
        console.print(f"Run `tpulint rule {codes[0]}` for what a code means and how to fix it.",
                      style="dim")
