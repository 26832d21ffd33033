"""SARIF, produced by the CLI, read by its 2.1.0 schema: each finding located, stable
fingerprints, levels, hostile names (tests/format_runs.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from format_runs import HOSTILE, hostile_run, produce, render, sarif_valid
from format_runs import zoo as zoo  # the fixture


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
