"""Reports stay bounded whatever a model holds, and say what they leave out.

The models are valid flatbuffers built to make reports large (tools/hostile_reports.py): 250
findings of one rule each quoting a 20,000-character name in a 32 KB file (a 15 MB JSON report
before reports were bounded), and 5,200 operators in a 250 KB file. Each format is read back
by its consumer to find the count of what was left out.
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from github_commands import parse
from helpers import DATA
from hostile_reports import long_named_findings

from tpulint.engine.config import load_settings
from tpulint.engine.registry import load_registry
from tpulint.engine.run import run
from tpulint.report import FORMATS, ReportOptions, renderer
from tpulint.report.bounded import FINDINGS_PER_RULE, MAX_TEXT, OPERATOR_ROWS
from tpulint.results import RunResult

FINDINGS = 250
NAME = 20_000
OPERATORS = OPERATOR_ROWS + 200
# Well inside the documented bound (docs/ci.md), and far below what these models gave before.
CEILING = 2 << 20


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile-reports")
    (folder / "many.tflite").write_bytes(long_named_findings(FINDINGS, NAME))
    (folder / "wide.tflite").write_bytes(long_named_findings(OPERATORS, 10))
    return folder


@pytest.fixture(scope="module")
def result(models: Path) -> RunResult:
    return run([str(models)], load_settings(None, isolated=True), load_registry(plugins=False))


def render(result: RunResult, fmt: str, show_all: bool = False) -> str:
    stream = io.StringIO()
    renderer(fmt)(result, stream, "never", ReportOptions(show_all=show_all))
    return stream.getvalue()


def test_the_models_hold_what_reports_must_cut(result: RunResult) -> None:
    many, wide = result.models
    assert [f.code for f in many.findings].count("TPU201") == FINDINGS
    assert max(len(f.message) for f in many.findings) > 1_000
    assert len(wide.operators) == OPERATORS


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("show_all", [False, True])
def test_every_format_is_bounded(fmt: str, show_all: bool, result: RunResult) -> None:
    text = render(result, fmt, show_all)
    assert len(text.encode()) < CEILING, f"{fmt}: {len(text.encode()):,} bytes"


def _omitted_count(fmt: str, text: str) -> int:
    """How many TPU201 findings of many.tflite the report says it left out, read as its
    consumer reads it."""
    if fmt == "json":
        (model,) = [m for m in json.loads(text)["models"] if m["path"].endswith("many.tflite")]
        assert len(model["findings"]) == FINDINGS_PER_RULE
        return int(model["omitted_findings"]["TPU201"])
    if fmt == "json-lines":
        lines = [json.loads(line) for line in text.splitlines()]
        (left,) = [line for line in lines if "omitted" in line and _many(line["path"])]
        assert left["code"] == "TPU201"
        return int(left["omitted"])
    if fmt == "sarif":
        document = json.loads(text)
        jsonschema.Draft4Validator(json.loads(
            (DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))).validate(document)
        notes = document["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        (note,) = [n for n in notes if n.get("associatedRule", {}).get("id") == "TPU201"
                   and _many(n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])]
        return int(note["properties"]["omitted"])
    if fmt == "gitlab":
        schema = json.loads((DATA / "gitlab-codeclimate.json").read_text(encoding="utf-8"))
        issues = json.loads(text)
        for issue in issues:
            jsonschema.Draft4Validator(schema).validate(issue)
        (left,) = [issue for issue in issues
                   if "omitted" in issue and _many(issue["location"]["path"])]
        return int(left["omitted"])
    if fmt == "junit":
        (left,) = [failure for case in ET.fromstring(text).iter("testcase")
                   if _many(str(case.get("file"))) for failure in case.iter("failure")
                   if failure.get("type") == "omitted"]
        return int(str(left.get("message")).split()[0])
    if fmt == "github":
        commands = [parse(line) for line in text.splitlines()]
        (left,) = [c for c in commands if c and c.name == "notice" and "not listed" in c.data
                   and _many(c.properties["file"])]
        return int(left.data.split()[0])
    (line,) = [line for line in text.splitlines() if "not listed" in line and "many" in line]
    return int(line.split("] ", 1)[1].split()[0])


def _many(path: str) -> bool:
    return path.endswith("many.tflite")


@pytest.mark.parametrize("fmt", ["json", "json-lines", "sarif", "gitlab", "junit", "github",
                                 "concise"])
def test_machine_formats_count_what_they_leave_out(fmt: str, result: RunResult) -> None:
    assert _omitted_count(fmt, render(result, fmt)) == FINDINGS - FINDINGS_PER_RULE


def test_json_cuts_rows_and_strings_and_counts_the_rest(result: RunResult) -> None:
    document = json.loads(render(result, "json"))
    many, wide = document["models"]
    assert len(wide["operators"]) == OPERATOR_ROWS
    assert wide["omitted_operators"] == OPERATORS - OPERATOR_ROWS
    assert wide["summary"]["operators"] == OPERATORS  # counts cover everything
    assert max(len(f["message"]) for f in many["findings"]) <= MAX_TEXT + 40
    assert many["omitted_operators"] == 0


def test_html_strip_stops_at_the_row_limit(result: RunResult) -> None:
    text = render(result, "html")
    assert text.count('<div class="op ') == FINDINGS + OPERATOR_ROWS
    assert f"+{OPERATORS - OPERATOR_ROWS} more operators not drawn" in text


def test_show_all_folds_beyond_the_listing_limit(result: RunResult) -> None:
    markdown = render(result, "markdown", show_all=True)
    assert markdown.count("| TPU201 unsupported-op |") == 2 * FINDINGS_PER_RULE
    assert f"+{FINDINGS - FINDINGS_PER_RULE} more TPU201" in markdown


def test_a_failed_report_leaves_the_previous_file(tmp_path: Path, models: Path, cli: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.json"
    target.write_text("previous\n", encoding="utf-8")

    def half_then_fail(run: RunResult, stream: io.StringIO, *args: Any) -> None:
        stream.write('{"half": ')
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("tpulint.report.renderer", lambda name: half_then_fail)
    outcome = cli("check", str(models / "many.tflite"), "--format", "json", "-o", str(target))
    assert outcome.code == 2 and outcome.err.count("\n") == 1
    assert "No space left on device" in outcome.err and "internal error" not in outcome.err
    assert target.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]  # no temporary file
