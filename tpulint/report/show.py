"""`check --show-settings`, `--show-files` and `--statistics`: what a run would use, and a count
per rule instead of the findings."""

from __future__ import annotations

import json
from collections import Counter
from typing import TextIO

from tpulint.engine.config import Settings
from tpulint.results import RunResult

FILES_LISTED = 5  # files named in --show-settings before the rest are counted


def show_settings(settings: Settings, stream: TextIO, files: list[str] | None = None) -> None:
    """The resolved settings, one `key = value` a line, TOML-like, where they came from and
    which of the files to check they apply to."""
    stream.write(f"# configuration: {settings.source or 'none found (defaults)'}\n")
    stream.write(f"# root: {settings.root}\n")
    if files:
        listed = ", ".join(files[:FILES_LISTED])
        more = f", +{len(files) - FILES_LISTED} more" if len(files) > FILES_LISTED else ""
        stream.write(f"# applies to {len(files)} model(s): {listed}{more}\n")
    for key, value in settings.as_dict().items():
        if key in ("source", "root"):
            continue
        stream.write(f"{key.replace('_', '-')} = {json.dumps(value, default=str)}\n")


def show_files(groups: list[tuple[Settings, list[str]]], stream: TextIO) -> None:
    """The model files a run would check, and the configuration that applies to them."""
    for settings, files in groups:
        for path in files:
            stream.write(f"{path}\n")
        stream.write(f"# {len(files)} file(s); configuration: "
                     f"{settings.source or 'defaults'}\n")


def statistics(run: RunResult, stream: TextIO) -> None:
    """`  121  TPU303  high-rank-tensor  error`: findings per rule, the most frequent first."""
    counts = Counter((f.code, f.name, f.severity.value) for f in run.findings)
    for (code, name, severity), count in sorted(counts.items(), key=lambda i: (-i[1], i[0])):
        stream.write(f"{count:>5}  {code}  {name:<26} {severity}\n")
