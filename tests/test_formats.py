"""Each CI format, produced by the CLI, read by its consumer's schema or parser."""

from __future__ import annotations

import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from github_commands import parse
from helpers import DATA, FIXTURES, write_config
from junitparser import Error, Failure, JUnitXml
from markdown_it import MarkdownIt

from tpulint.api import Finding, Severity
from tpulint.engine.config import Settings
from tpulint.engine.registry import load_registry
from tpulint.ir import Location
from tpulint.report import FORMATS, renderer
from tpulint.results import ModelResult, OperatorRow, RunResult
from tpulint.text import printable

HOSTILE = "evil<script>alert(1)</script> | *x* _y_ `z` %0A 100% a:b,c\r\nnext\x1b[31m"


@pytest.fixture
def zoo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with the fixtures, an unreadable model and a TPU091 finding."""
    shutil.copytree(FIXTURES, tmp_path / "models", ignore=shutil.ignore_patterns("*.py", "*.md"))
    (tmp_path / "models" / "broken.tflite").write_bytes(b"\0" * 12)
    write_config(tmp_path, '[tool.tpulint.per-file-ignores]\n"models/TPU305/*" = ["TPU2"]\n')
    monkeypatch.chdir(tmp_path)
    return tmp_path


def produce(cli: Any, fmt: str, *args: str) -> str:
    outcome = cli("check", "models", "--format", fmt, *args)
    assert outcome.code == 3  # the broken model; every other model is still reported
    return str(outcome.out)


def hostile_run() -> RunResult:
    """A run whose operator and tensor names try to break every format."""
    path = "models/evil model.tflite"
    label = f"GATHER '{HOSTILE}'"
    rows = [OperatorRow(0, 0, "CONV_2D", "CONV_2D 'ok'", 1, "tpu", "Mapped to Edge TPU"),
            OperatorRow(0, 1, "GATHER", label, 1, "cpu", "Operation not supported",
                        output=HOSTILE),
            OperatorRow(0, 2, "ADD", "ADD 'after'", 1, "cpu",
                        "More than one subgraph is not supported", cause=1, kind="stranded")]
    findings = [
        Finding("TPU201", "unsupported-op", Severity.ERROR, f"GATHER {HOSTILE} runs on the CPU",
                Location(path, 0, operator=1), operator=label),
        Finding("TPU101", "float-tensor", Severity.INFO, f"tensor '{HOSTILE}' is float32",
                Location(path, 0, tensor=4), tensor=HOSTILE),
        Finding("TPU002", "multiple-subgraphs", Severity.WARNING, "2 subgraphs", Location(path)),
    ]
    model = ModelResult(path, subgraphs=1, operators=rows, findings=findings, cpu_segments=1,
                        relpath=path)
    return RunResult([model], Settings(), {r.code: r for r in load_registry(plugins=False)})


def render(fmt: str, run: RunResult) -> str:
    stream = io.StringIO()
    renderer(fmt)(run, stream, "never")
    return stream.getvalue()


# SARIF ---------------------------------------------------------------------------------------

SARIF_SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def sarif_valid(text: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(text)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(document)
    return document


def test_sarif_validates_and_locates_each_finding(zoo: Path, cli: Any) -> None:
    document = sarif_valid(produce(cli, "sarif"))
    assert document["version"] == "2.1.0" and document["$schema"].endswith("2.1.0.json")
    (run,) = document["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "tpulint" and driver["version"] and driver["informationUri"]
    rules = {rule["id"]: rule for rule in driver["rules"]}
    results = run["results"]
    assert {r["ruleId"] for r in results} == set(rules)  # exactly the rules that fired
    assert "TPU091" in rules and "TPU305" in rules
    for rule in rules.values():
        assert rule["shortDescription"]["text"]
        assert rule["help"]["markdown"].startswith(f"# {rule['id']} ")
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    keys = [r["partialFingerprints"]["primaryLocationLineHash"] for r in results]
    assert len(set(keys)) == len(keys)
    for result in results:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        (location,) = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert not artifact["uri"].startswith("/")
        assert location["physicalLocation"]["region"] == {
            "startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}
        if "/op" in result["message"]["text"].split(" ")[0]:
            (logical,) = location["logicalLocations"]
            assert logical["fullyQualifiedName"].startswith(artifact["uri"] + ":sg")
            assert logical["fullyQualifiedName"].endswith(
                    result["message"]["text"].split(":", 1)[0])
    assert any(r["ruleId"] == "TPU091" and r["locations"][0]["physicalLocation"]
               ["artifactLocation"]["uri"] == "pyproject.toml" for r in results)
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes] \
        == ["models/broken.tflite"]
    assert run["invocations"][0]["executionSuccessful"] is False


def test_sarif_fingerprints_are_stable_across_checkouts(zoo: Path, cli: Any, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def keys() -> list[str]:
        run = sarif_valid(produce(cli, "sarif", "--no-cache"))["runs"][0]
        return [r["partialFingerprints"]["primaryLocationLineHash"] for r in run["results"]]

    first = keys()
    elsewhere = tmp_path / "another" / "checkout"
    shutil.copytree(zoo, elsewhere, ignore=shutil.ignore_patterns("another"))
    monkeypatch.chdir(elsewhere)
    assert keys() == first


def test_sarif_levels_and_hostile_names() -> None:
    document = sarif_valid(render("sarif", hostile_run()))
    results = document["runs"][0]["results"]
    assert [r["level"] for r in results] == ["error", "note", "warning"]
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "models/evil%20model.tflite"
    assert HOSTILE in results[0]["message"]["text"]  # JSON escapes it; nothing is lost
    assert results[1]["locations"][0]["logicalLocations"][0]["kind"] == "variable"


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


# Markdown ------------------------------------------------------------------------------------

def tables(text: str) -> list[list[list[str]]]:
    """Every table as rows of cell texts, as markdown-it's GFM table parser reads them."""
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    found: list[list[list[str]]] = []
    row: list[str] = []
    for number, token in enumerate(tokens):
        if token.type == "table_open":
            found.append([])
        elif token.type == "tr_open":
            row = []
        elif token.type in ("th_open", "td_open"):
            row.append(tokens[number + 1].content)
        elif token.type == "tr_close":
            found[-1].append(row)
    return found


def test_markdown_has_an_operator_type_table_per_model(zoo: Path, cli: Any) -> None:
    text = produce(cli, "markdown")
    parsed = tables(text)
    readable = [m for m in json.loads(cli("check", "models", "--format", "json").out)["models"]]
    by_type = [t for t in parsed if t[0] == ["operator", "count", "Edge TPU", "CPU", "status"]]
    assert len(by_type) == len(readable)
    assert [sum(int(row[1]) for row in t[1:]) for t in by_type] == \
        [m["summary"]["operators"] for m in readable]
    assert [sum(int(row[2]) for row in t[1:]) for t in by_type] == \
        [m["summary"]["tpu"] for m in readable]
    overview = parsed[0]
    assert len(overview) == len(readable) + 2  # header, every model, the broken one
    for table in parsed:
        assert len({len(row) for row in table}) == 1


def test_markdown_escapes_hostile_names() -> None:
    text = render("markdown", hostile_run())
    assert "<script" not in text and "</script" not in text
    for table in tables(text):
        assert len({len(row) for row in table}) == 1  # a `|` in a name splits no cell
    html = MarkdownIt("commonmark").enable("table").render(text)
    assert "<script" not in html and "<em>x</em>" not in html


# HTML ----------------------------------------------------------------------------------------

class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def read_page(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def test_html_is_self_contained_and_draws_every_operator(zoo: Path, cli: Any) -> None:
    text = produce(cli, "html")
    page = read_page(text)
    assert not [t for t, _ in page.tags if t in ("script", "link", "img", "iframe")]
    assert not re.search(r"src\s*=|href\s*=\s*\"(?!#)|url\(|@import", text)  # in-page links only
    models = json.loads(cli("check", "models", "--format", "json").out)["models"]
    cells = [a for t, a in page.tags if t == "div" and (a.get("class") or "").startswith("op ")]
    assert len(cells) == sum(m["summary"]["operators"] for m in models)
    placements = [row["placement"] for m in models for row in m["operators"]
                  if row["subgraph"] == 0]
    drawn = [(a["class"] or "").split()[1] for a in cells]
    assert [p == "tpu" for p in placements] == [d == "tpu" for d in drawn]
    sections = [a for t, a in page.tags if t == "section"]
    # the overview, the broken model and the configuration
    assert len(sections) == len(models) + 3
    links = [a["href"] for t, a in page.tags if t == "a"]
    ids = {a.get("id") for t, a in page.tags if t == "section"}
    assert len(links) == len(models) + 1 and {link[1:] for link in links} <= ids | {None}


def test_html_escapes_hostile_names() -> None:
    text = render("html", hostile_run())
    page = read_page(text)
    assert not [t for t, _ in page.tags if t == "script"]
    assert any(printable(HOSTILE) in chunk for chunk in page.text)
    kinds = [(a["class"] or "").split()[1] for t, a in page.tags
             if t == "div" and (a.get("class") or "").startswith("op ")]
    assert kinds == ["tpu", "cpu", "stranded"]


# Every format ----------------------------------------------------------------------------------

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
