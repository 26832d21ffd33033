"""`--write-baseline` and `baseline`: adopt the gate on an existing zoo, fail on new findings."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from helpers import BAD, write_config


def test_baseline_accepts_todays_findings_and_catches_new_ones(project: Path, cli: Any) -> None:
    write_config(project, 'baseline = "ci/baseline.json"\n')
    assert cli("check", ".").code == 2  # configured but not written yet
    written = cli("check", ".", "--write-baseline", "--format", "json")
    assert written.code == 0
    assert "wrote 2 finding(s)" in written.err
    document = json.loads((project / "ci" / "baseline.json").read_text())
    assert {entry["code"] for entry in document["findings"]} == {"TPU201", "TPU401"}
    assert {entry["path"] for entry in document["findings"]} == {"models/bad.tflite"}

    clean = cli("check", ".", "--format", "json")
    assert clean.code == 0
    models = json.loads(clean.out)["models"]
    assert sum(m["suppressed"] for m in models) == 2
    assert all(not m["findings"] for m in models)

    shutil.copy(BAD, project / "models" / "new.tflite")  # a new model, same problem
    outcome = cli("check", ".", "--format", "json")
    assert outcome.code == 1
    paths = {m["relpath"] for m in json.loads(outcome.out)["models"] if m["findings"]}
    assert paths == {"models/new.tflite"}


def test_fingerprints_do_not_depend_on_how_the_path_is_spelled(project: Path, cli: Any,
                                                              monkeypatch: Any) -> None:
    cli("check", ".", "--write-baseline", "base.json")
    write_config(project, 'baseline = "base.json"\n')
    assert cli("check", str(project / "models" / "bad.tflite")).code == 0
    assert cli("check", "./models/../models/bad.tflite").code == 0
    monkeypatch.chdir(project / "models")  # the config root anchors paths, not the cwd
    assert cli("check", "bad.tflite").code == 0


def test_write_baseline_to_an_explicit_file(project: Path, cli: Any) -> None:
    outcome = cli("check", "models", "--write-baseline", "elsewhere.json")
    assert outcome.code == 0
    assert len(json.loads((project / "elsewhere.json").read_text())["findings"]) == 2


def test_a_broken_baseline_is_a_configuration_error(project: Path, cli: Any) -> None:
    (project / "b.json").write_text("{}")
    write_config(project, 'baseline = "b.json"\n')
    outcome = cli("check", ".")
    assert outcome.code == 2
    assert "not a tpulint baseline" in outcome.err
