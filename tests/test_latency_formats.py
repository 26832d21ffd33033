"""The latency estimate in the formats beyond JSON, SARIF, JUnit and markdown: JSON lines,
GitHub Actions, GitLab Code Quality and HTML, each labelled an estimate with its error."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
from github_commands import parse

from tpulint.analysis.facts import ModelFacts
from tpulint.analysis.latency import describe, latency_line
from tpulint.cli import main
from tpulint.reader import read_model
from tpulint.report.github import escape_data

STRANDING = Path(__file__).parent.parent / "fixtures" / "TPU401" / "bad_unsupported_mid.tflite"


def check(fmt: str, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    main(["check", "--isolated", "--no-cache", "--format", fmt, *extra, str(STRANDING)])
    return capsys.readouterr().out


def expected(board: str = "usb3") -> str:
    line = latency_line(ModelFacts(read_model(STRANDING), board=board).latency)
    assert "(estimate ±" in line or "no estimate" in line
    return line


def test_json_lines_has_a_latency_record_per_model(capsys: pytest.CaptureFixture[str]) -> None:
    records = [json.loads(line) for line in check("json-lines", capsys).splitlines()]
    [record] = [r for r in records if "latency" in r]
    assert record["path"] == str(STRANDING)
    assert record["latency"] == describe(ModelFacts(read_model(STRANDING)).latency)
    assert record["latency"]["expected_error"] > 0
    assert any("code" in r for r in records)  # the findings are still there


def test_github_summary_line_ends_with_it(capsys: pytest.CaptureFixture[str]) -> None:
    lines = check("github", capsys).splitlines()
    [summary] = [line for line in lines if "operators predicted" in line]
    assert parse(summary) is None  # a log line, not an annotation
    assert summary.endswith(f"; {escape_data(expected())}")


def test_gitlab_issues_carry_it_in_their_body(capsys: pytest.CaptureFixture[str]) -> None:
    issues = json.loads(check("gitlab", capsys))
    assert issues
    for issue in issues:
        assert issue["content"]["body"].endswith(f"\n\n{expected()}")


def test_html_summary_card_has_it(capsys: pytest.CaptureFixture[str]) -> None:
    page = check("html", capsys)
    assert f'<p class="summary muted latency">{html.escape(expected())}</p>' in page
    no_figure = check("html", capsys, "--board", "usb2")
    assert "no estimate" in expected("usb2") and html.escape(expected("usb2")) in no_figure
