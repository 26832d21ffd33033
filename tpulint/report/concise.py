"""One line per finding: `path:sg0/op12: TPU201 [unsupported-op] message`, then a summary line
(`All checks passed` on a clean run; `--quiet` drops it). A rule with more findings in a model
than a report lists (`tpulint.report.bounded`) gets one line `path: TPU201 [name] N more …`."""

from __future__ import annotations

from tpulint.report import DEFAULT, ReportOptions, bounded
from tpulint.report.names import name_once
from tpulint.report.triage import run_summary
from tpulint.results import RunResult
from tpulint.text import printable

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from typing import TextIO


def render(run: RunResult, stream: TextIO, color: str,
           options: ReportOptions = DEFAULT) -> None:
    for _, finding in bounded.located(run):
        stream.write(f"{printable(str(finding.location))}: {finding.code} [{finding.name}] "
                     f"{printable(name_once(finding.message))}\n")
    for left in bounded.omissions(run):
        stream.write(f"{printable(left.path)}: {left.code} [{left.name}] {left.text}\n")
    if not options.quiet:
        stream.write(run_summary(run) + "\n")
