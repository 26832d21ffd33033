"""Output formats. Each module renders a `RunResult` to a text stream with `render`."""

from __future__ import annotations

import importlib
import os
import sys

from tpulint.record import Record

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:  # the CLI reads FORMATS to build its parser: no engine import for that
    from typing import Protocol, TextIO

    from tpulint.results import RunResult
else:
    Protocol = object  # `Renderer` is a plain class at run time

FORMATS = {
    "full": "full",
    "concise": "concise",
    "json": "json_report",
    "json-lines": "json_lines",
    "sarif": "sarif",
    "github": "github",
    "gitlab": "gitlab",
    "junit": "junit",
    "markdown": "markdown",
    "html": "html",
}


HUMAN = ("full", "markdown", "html")  # these shorten long names and fold repeated findings


class ReportOptions(Record):
    """How much a report shows (machine formats always show everything)."""

    show_all: bool = False  # list every finding instead of folding repeats and consequences
    quiet: bool = False  # no summary line
    statistics: bool = False  # a count per rule instead of the findings


DEFAULT = ReportOptions()


class Renderer(Protocol):
    def __call__(self, run: RunResult, stream: TextIO, color: str,
                 options: ReportOptions = DEFAULT) -> None: ...


def resolve_format(name: str, stream: TextIO = sys.stdout) -> str:
    """`auto`: GitHub annotations on Actions, the full report on a terminal, else concise."""
    if name != "auto":
        return name
    if os.environ.get("GITHUB_ACTIONS") == "true":
        return "github"
    return "full" if stream.isatty() else "concise"


def renderer(name: str) -> Renderer:
    module = importlib.import_module(f"{__name__}.{FORMATS[name]}")
    render: Renderer = module.render
    return render
