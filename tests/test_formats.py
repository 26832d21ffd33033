"""Every output format is registered and renders; machine formats print only findings; a report
goes to `--output-file` (the fixtures project of tests/format_runs.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from format_runs import produce, sarif_valid
from format_runs import zoo as zoo  # the fixture
from github_commands import parse

from tpulint.report import FORMATS


def test_every_format_is_registered_and_renders(zoo: Path, cli: Any) -> None:
    assert {"full", "concise", "json", "json-lines", "sarif", "github", "gitlab", "junit",
            "markdown", "html"} <= set(FORMATS)
    for fmt in FORMATS:
        assert produce(cli, fmt, "--color", "never")


@pytest.mark.parametrize("fmt", ["concise", "json-lines", "github"])
def test_machine_formats_print_no_header_or_footer(zoo: Path, cli: Any, fmt: str) -> None:
    """Nothing but findings, except the summary line the text formats end with (`--quiet`
    drops it)."""
    for line in produce(cli, fmt, "--quiet").splitlines():
        if fmt == "concise":
            assert re.match(r"^\S+: TPU\d{3} \[[a-z0-9-]+\] ", line)
        elif fmt == "json-lines":
            json.loads(line)
        else:
            assert parse(line) is not None or re.match(r"^\d+ of \d+ operators", line)


def test_output_file(zoo: Path, cli: Any) -> None:
    outcome = cli("check", "models", "--format", "sarif", "--output-file", "out/tpulint.sarif")
    assert outcome.out == ""
    sarif_valid((zoo / "out" / "tpulint.sarif").read_text(encoding="utf-8"))
