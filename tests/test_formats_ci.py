"""The CI service formats, read as their consumers read them: GitHub annotations by the runner's
command syntax, GitLab Code Quality by its schema, JUnit by junitparser (tests/format_runs.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from format_runs import HOSTILE, hostile_run, produce, render
from format_runs import zoo as zoo  # the fixture
from github_commands import parse
from helpers import DATA
from junitparser import Error, Failure, JUnitXml

from tpulint.text import printable

# GitHub --------------------------------------------------------------------------------------

def test_github_annotations_parse_as_the_runner_parses_them(zoo: Path, cli: Any) -> None:
    *lines, summary = produce(cli, "github").splitlines()
    assert parse(summary) is None and "1 file could not be read" in summary  # the summary, last
    commands = [parse(line) for line in lines]
    groups = [c.data for c in commands if c and c.name == "group"]
    assert len(groups) == len(list((zoo / "models").rglob("*.tflite")))
    assert groups == sorted(groups)
    depth = 0
    annotations = []
    for line, command in zip(lines, commands, strict=True):
        if command is None:
            assert depth == 1  # plain summary lines only inside a group
            continue
        depth += {"group": 1, "endgroup": -1}.get(command.name, 0)
        assert depth in (0, 1)
        if command.name in ("error", "warning", "notice"):
            annotations.append(command)
            assert set(command.properties) == {"file", "line", "title"}
            assert command.properties["line"] == "1"
            assert "col" not in line and "endColumn" not in line
    assert depth == 0
    files = {a.properties["file"] for a in annotations}
    assert "pyproject.toml" in files and "models/broken.tflite" in files
    assert all(re.match(r"^(TPU\d{3} [a-z0-9-]+|tpulint: bad input)$", a.properties["title"])
               for a in annotations)


def test_github_escapes_what_the_runner_unescapes() -> None:
    commands = [parse(line) for line in render("github", hostile_run()).splitlines()]
    annotations = [c for c in commands if c and c.name in ("error", "warning", "notice")]
    assert [a.name for a in annotations] == ["error", "notice", "warning"]
    assert annotations[0].properties["file"] == "models/evil model.tflite"
    assert annotations[0].data.endswith(f"{printable(HOSTILE)} runs on the CPU")
    assert "\n" not in annotations[0].data and "\x1b" not in annotations[0].data


def test_auto_is_github_on_actions(zoo: Path, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    out = cli("check", "models/TPU201").out
    assert out.startswith("::group::models/TPU201/")
    monkeypatch.delenv("GITHUB_ACTIONS")
    assert cli("check", "models/TPU201").out.startswith("models/TPU201/")  # concise off a tty


# GitLab --------------------------------------------------------------------------------------

def test_gitlab_issues_pass_gitlabs_schema(zoo: Path, cli: Any) -> None:
    schema = json.loads((DATA / "gitlab-codeclimate.json").read_text(encoding="utf-8"))
    issues = json.loads(produce(cli, "gitlab"))
    assert isinstance(issues, list) and issues
    validator = jsonschema.Draft4Validator(schema)
    for issue in issues:
        validator.validate(issue)
        assert issue["severity"] in ("info", "minor", "major")
        assert issue["location"]["lines"]["begin"] == 1
        assert re.match(r"^TPU\d{3} [a-z0-9-]+$", issue["check_name"])
    fingerprints = [issue["fingerprint"] for issue in issues]
    assert len(set(fingerprints)) == len(fingerprints)  # GitLab keeps one issue per fingerprint


def test_gitlab_severity_mapping() -> None:
    issues = json.loads(render("gitlab", hostile_run()))
    assert [i["severity"] for i in issues] == ["major", "info", "minor"]
    assert HOSTILE in issues[0]["description"]


# JUnit ---------------------------------------------------------------------------------------

def test_junit_has_a_suite_per_model_and_a_failure_per_finding(zoo: Path, cli: Any,
                                                              tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    report.write_text(produce(cli, "junit"), encoding="utf-8")
    document = JUnitXml.fromfile(str(report))
    json_doc = json.loads(cli("check", "models", "--format", "json").out)
    expected = {m["relpath"]: len(m["findings"]) for m in json_doc["models"]}
    suites = {suite.name: suite for suite in document}
    assert set(suites) == {*expected, "models/broken.tflite", "pyproject.toml"}
    for name, count in expected.items():
        cases = list(suites[name])
        failures = [r for case in cases for r in case.result if isinstance(r, Failure)]
        assert len(failures) == count
        assert len(cases) == max(count, 1)
        assert suites[name].failures == count and suites[name].tests == len(cases)
    errors = [r for case in suites["models/broken.tflite"] for r in case.result]
    assert len(errors) == 1 and isinstance(errors[0], Error)


def test_junit_survives_hostile_names(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    report.write_text(render("junit", hostile_run()), encoding="utf-8")
    (suite,) = JUnitXml.fromfile(str(report))
    messages = [r.message for case in suite for r in case.result]
    assert any(printable(HOSTILE) in message for message in messages)
