"""Output formats. Each module renders a `RunResult` to a text stream with `render`."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Protocol, TextIO

from tpulint.results import RunResult

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


class Renderer(Protocol):
    def __call__(self, run: RunResult, stream: TextIO, color: str) -> None: ...


def resolve_format(name: str, stream: TextIO = sys.stdout) -> str:
    """`auto`: GitHub annotations on Actions, the full report on a terminal, else concise."""
    if name != "auto":
        return name
    if os.environ.get("GITHUB_ACTIONS") == "true" and "github" in FORMATS:
        return "github"
    return "full" if stream.isatty() else "concise"


def renderer(name: str) -> Renderer:
    module = importlib.import_module(f"{__name__}.{FORMATS[name]}")
    render: Renderer = module.render
    return render
