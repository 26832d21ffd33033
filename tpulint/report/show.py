"""`check --show-settings`, `--show-files` and `--statistics`: what a run would use, and a count
per rule instead of the findings."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from typing import TextIO

from tpulint.engine.config import Settings
from tpulint.results import RunResult


def show_settings(settings: Settings, stream: TextIO) -> None:
    """The resolved settings, one `key = value` a line, TOML-like, and where they came from."""
    stream.write(f"# configuration: {settings.source or 'none found (defaults)'}\n")
    stream.write(f"# root: {settings.root}\n")
    for key, value in asdict(settings).items():
        if key in ("source", "root"):
            continue
        stream.write(f"{key.replace('_', '-')} = {json.dumps(value, default=str)}\n")


def show_files(files: list[str], settings: Settings, stream: TextIO) -> None:
    """The model files a run would check, and the configuration that applies to them."""
    for path in files:
        stream.write(f"{path}\n")
    stream.write(f"# {len(files)} file(s); configuration: {settings.source or 'defaults'}\n")


def statistics(run: RunResult, stream: TextIO) -> None:
    """`  121  TPU303  high-rank-tensor  error`: findings per rule, the most frequent first."""
    counts = Counter((f.code, f.name, f.severity.value) for f in run.findings)
    for (code, name, severity), count in sorted(counts.items(), key=lambda i: (-i[1], i[0])):
        stream.write(f"{count:>5}  {code}  {name:<26} {severity}\n")
