"""Each operator or tensor is named once per finding in the human formats; machine formats keep
the message whole.

The fixtures are real converter output: in `bad_float_op_inside` a float tensor and the
operator that makes it share one name, and in `bad_rank5` a RESHAPE and the rank-5 tensor it
writes do.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from helpers import FIXTURES

from tpulint.report.names import SAME, name_once

FLOAT_INSIDE = FIXTURES / "TPU101" / "bad_float_op_inside.tflite"
RANK5 = FIXTURES / "TPU303" / "bad_rank5.tflite"
QUOTED = re.compile(r"'([^'\s]+)'")
REPEATED = ("tfl.dequantize", "sandwich_1/sin_1/Sin", "rank5_1/to5d_1/Reshape")


def most_mentions(text: str) -> int:
    return max(Counter(QUOTED.findall(text)).values(), default=0)


def report(cli: Any, fmt: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COLUMNS", "1000")  # the full report's rows stay on one line each
    outcome = cli("check", "--isolated", "--format", fmt, str(FLOAT_INSIDE), str(RANK5))
    assert outcome.code == 1, outcome.err
    return outcome.out


def finding_lines(fmt: str, out: str) -> list[str]:
    """The text of each finding, as the format shows it."""
    if fmt == "concise":
        return [line for line in out.splitlines() if ": TPU" in line]
    if fmt == "github":
        return [line for line in out.splitlines() if line.startswith("::error")]
    if fmt == "markdown":
        return [line.replace("\\", "") for line in out.splitlines()  # unescaped
                if re.match(r"\| TPU\d{3} ", line)]
    if fmt == "html":
        return [html.unescape(row) for row in re.findall(r"<tr>.*?</tr>", out)
                if 'class="code' in row]
    return [line for line in out.splitlines() if re.search(r"TPU\d{3}\s+sg\d", line)]


@pytest.mark.parametrize("fmt", ["full", "concise", "github", "markdown", "html"])
def test_human_formats_name_each_operator_and_tensor_once(
        cli: Any, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    lines = finding_lines(fmt, report(cli, fmt, monkeypatch))
    assert len(lines) >= 5
    assert all(most_mentions(line) <= 1 for line in lines), \
        [line for line in lines if most_mentions(line) > 1]
    same = [line for line in lines if SAME in line]
    assert len(same) == 3  # two float tensors named after their producer, one RESHAPE output
    for name in REPEATED:
        assert any(f"'{name}'" in line for line in same)


@pytest.mark.parametrize("fmt", ["json", "sarif", "gitlab", "junit"])
def test_machine_formats_keep_the_message_whole(
        cli: Any, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    out = report(cli, fmt, monkeypatch)
    assert SAME not in out
    assert "made by DEQUANTIZE 'tfl.dequantize'" in out
    if fmt == "json":
        document = json.loads(out)
        messages = [f["message"] for m in document["models"] for f in m["findings"]]
        assert sum(most_mentions(message) == 2 for message in messages) == 3


@pytest.mark.parametrize(("message", "expected"), [
    ("tensor 'a/b' is float32: made by SIN 'a/b', read by QUANTIZE 'q', QUANTIZE 'q'",
     "tensor 'a/b' is float32: made by SIN (same name), read by QUANTIZE 'q', QUANTIZE "
     "(same name)"),
    # Prose between two quotes is not a name; an apostrophe in a word is left alone.
    ("ADD 'x' runs on the CPU: the Edge TPU's 'x' and 'y'",
     "ADD 'x' runs on the CPU: the Edge TPU's (same name) and 'y'"),
    ("no names here", "no names here"),
])
def test_name_once(message: str, expected: str) -> None:
    assert name_once(message) == expected


def test_name_once_is_linear_on_a_huge_hostile_message() -> None:
    name = "n" * 1_000_000
    shown = name_once(f"tensor '{name}' made by OP '{name}'" + " 'x'" * 10_000)
    assert shown.count(name) == 1 and shown.count(SAME) == 10_000  # the 2nd name, 9,999 'x'


def test_verify_names_the_operator_once(tmp_path: Path) -> None:
    """verify's terminal table put the operator before a message that already names it."""
    from rich.console import Console

    from tpulint.api import Finding, Severity
    from tpulint.ir import Location
    from tpulint.report.verify_full import _findings_table
    from tpulint.verify.pipeline import Verification

    label = "ADD 'model/" + "block/" * 20 + "add'"
    findings = [
        Finding("TPU203", "op-constraint-violated", Severity.ERROR,
                f"{label} runs on the CPU: needs: x; has: y", Location("m.tflite", 0, 3),
                operator=label),
        Finding("TPU501", "placement-contradicted", Severity.ERROR,
                "predicted on the Edge TPU (mapped), the compiler put it on the CPU (x)",
                Location("m.tflite", 0, 4), operator=label)]

    console = Console(width=400, record=True, color_system=None)
    console.print(_findings_table(Verification("m.tflite", findings=findings)))
    rows = [line for line in console.export_text().splitlines() if "TPU" in line]
    assert len(rows) == 2
    assert all(row.count("ADD '") == 1 for row in rows)
    assert "…" in rows[1]  # the prefixed label is shortened like the message
