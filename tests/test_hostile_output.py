"""Every format stays valid for its consumer whatever bytes a file name holds.

File names on POSIX are bytes: they can hold bytes that are not UTF-8 (Python keeps them as lone
surrogates), control characters, newlines, bidirectional overrides, noncharacters and the UTF-8
form of a surrogate code point. Each report is read back by the consumer it is written for:
`json.loads` (and a strict UTF-8 encode of every string, as Go or Rust readers do), the SARIF
2.1.0 and GitLab Code Quality schemas, `xml.etree` and junitparser, `html.parser`, and the
GitHub runner's workflow-command parser.
"""

from __future__ import annotations

import json
import os
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from github_commands import parse
from helpers import BAD, DATA
from junitparser import JUnitXml

from tpulint.text import printable

# Raw file names: not UTF-8, an ANSI escape with an RTL override and a newline, a tab and a
# zero-width joiner, a noncharacter, the UTF-8 form of the surrogate U+D800 (not valid UTF-8),
# an emoji.
NAMES = [b"bad\xff\xfe.tflite", "ctl\x1b[31m\u202e\nname.tflite".encode(),
         "tab\tzw\u200djoin.tflite".encode(), "non\ufffechar.tflite".encode(),
         b"sur\xed\xa0\x80rogate.tflite", "emoji\U0001f600.tflite".encode()]
SARIF = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
GITLAB = json.loads((DATA / "gitlab-codeclimate.json").read_text(encoding="utf-8"))


@pytest.fixture
def hostile_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # bytes paths: the names are not valid UTF-8, which pathlib cannot carry
    models = os.path.join(os.fsencode(tmp_path), b"models")  # noqa: PTH118
    os.mkdir(models)  # noqa: PTH102
    for name in NAMES:
        shutil.copyfile(os.fsencode(BAD), os.path.join(models, name))  # noqa: PTH118
    monkeypatch.chdir(tmp_path)
    return tmp_path


def report(cli: Any, tmp_path: Path, fmt: str) -> str:
    """The report of `models/` in `fmt`, as bytes that must be strict UTF-8."""
    target = tmp_path / f"report.{fmt}"
    outcome = cli("check", "models", "--no-cache", "--format", fmt, "--color", "never",
                  "-o", str(target))
    assert outcome.code == 1, outcome.err  # findings, not a crash
    text = target.read_bytes().decode("utf-8")  # strict: no surrogate, no raw byte
    assert "\ufffe" not in text
    return text


def no_control(text: str) -> None:
    """Nothing a terminal or an XML parser would choke on: no C0/C1 control but newline and no
    bidirectional override."""
    bad = [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F
           or c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"]
    assert not bad


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *strings(v))]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return []


def strict_json(text: str) -> Any:
    """`json.loads`, plus what strict readers require: every string encodes as UTF-8."""
    document = json.loads(text)
    for value in strings(document):
        value.encode("utf-8")
    return document


def test_json_names_every_model_with_its_bytes_shown(cli: Any, hostile_tree: Path) -> None:
    document = strict_json(report(cli, hostile_tree, "json"))
    paths = sorted(model["path"] for model in document["models"])
    assert len(paths) == len(NAMES)
    assert "models/bad\\xff\\xfe.tflite" in paths
    assert "models/sur\\xed\\xa0\\x80rogate.tflite" in paths
    assert "models/emoji\U0001f600.tflite" in paths  # valid Unicode is kept as it is
    assert "models/ctl\x1b[31m\u202e\nname.tflite" in paths  # JSON escapes it
    fingerprints = [f["fingerprint"] for m in document["models"] for f in m["findings"]]
    assert len(set(fingerprints)) == len(fingerprints)


def test_json_lines_parse_line_by_line(cli: Any, hostile_tree: Path) -> None:
    lines = report(cli, hostile_tree, "json-lines").splitlines()
    assert len({strict_json(line)["path"] for line in lines}) == len(NAMES)


def test_sarif_passes_the_schema_and_percent_encodes_the_bytes(cli: Any,
                                                               hostile_tree: Path) -> None:
    document = strict_json(report(cli, hostile_tree, "sarif"))
    jsonschema.Draft4Validator(SARIF).validate(document)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in document["runs"][0]["results"]}
    assert "models/bad%FF%FE.tflite" in uris
    assert "models/ctl%1B%5B31m%E2%80%AE%0Aname.tflite" in uris
    assert all(uri.isascii() and " " not in uri for uri in uris)


def test_gitlab_passes_its_schema(cli: Any, hostile_tree: Path) -> None:
    issues = strict_json(report(cli, hostile_tree, "gitlab"))
    validator = jsonschema.Draft4Validator(GITLAB)
    for issue in issues:
        validator.validate(issue)
    assert "models/bad\\xff\\xfe.tflite" in {issue["location"]["path"] for issue in issues}


def test_junit_parses(cli: Any, hostile_tree: Path, tmp_path: Path) -> None:
    text = report(cli, hostile_tree, "junit")
    root = ET.fromstring(text)
    names = {suite.get("name") for suite in root}
    assert "models/bad\\xff\\xfe.tflite" in names
    assert "models/ctl\\x1b[31m\\u202e\\x0aname.tflite" in names
    assert len(names) == len(NAMES)
    assert len(list(JUnitXml.fromfile(str(tmp_path / "report.junit")))) == len(NAMES)


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("meta", "col", "br"):
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_parses_with_names_escaped(cli: Any, hostile_tree: Path) -> None:
    text = report(cli, hostile_tree, "html")
    no_control(text)
    parser = _Collect()
    parser.feed(text)
    parser.close()
    assert parser.open == []  # every element closed: no name opened or closed a tag
    assert "models/bad\\xff\\xfe.tflite" in "".join(parser.text)


def test_markdown_keeps_one_row_per_model(cli: Any, hostile_tree: Path) -> None:
    text = report(cli, hostile_tree, "markdown")
    no_control(text)
    overview = [line for line in text.splitlines() if line.startswith("| models/")]
    assert len(overview) == len(NAMES)
    assert all(line.count(" | ") == 5 for line in overview)  # no name split a table row


def test_github_commands_carry_the_names(cli: Any, hostile_tree: Path) -> None:
    text = report(cli, hostile_tree, "github")
    no_control(text)
    commands = [parse(line) for line in text.splitlines()]
    groups = [c.data for c in commands if c and c.name == "group"]
    assert len(groups) == len(NAMES)
    files = {c.properties["file"] for c in commands if c and c.name == "error"}
    expected = {printable(f"models/{os.fsdecode(name)}") for name in NAMES}
    assert files == expected  # one line each: the runner unescaped every property


@pytest.mark.parametrize("fmt", ["concise", "full"])
def test_terminal_formats_show_escapes(fmt: str, cli: Any, hostile_tree: Path) -> None:
    text = report(cli, hostile_tree, fmt)
    no_control(text)
    assert "bad\\xff\\xfe.tflite" in text


def test_baseline_of_such_names_round_trips(cli: Any, hostile_tree: Path) -> None:
    assert cli("check", "models", "--no-cache", "--write-baseline").code == 0
    Path("pyproject.toml").write_text('[tool.tpulint]\nbaseline = ".tpulint-baseline.json"\n',
                                      encoding="utf-8")
    outcome = cli("check", "models", "--no-cache")
    assert outcome.code == 0, outcome.err
