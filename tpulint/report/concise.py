"""One line per finding: `path:sg0/op12: TPU201 [unsupported-op] message`."""

from __future__ import annotations

from typing import TextIO

from tpulint.results import RunResult
from tpulint.text import printable


def render(run: RunResult, stream: TextIO, color: str) -> None:
    for finding in run.findings:
        stream.write(f"{printable(str(finding.location))}: {finding.code} [{finding.name}] "
                     f"{printable(finding.message)}\n")
