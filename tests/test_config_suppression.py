"""Selection, ignores, severity overrides, fail-on and file discovery, through `tpulint check`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers import BAD, GOOD, write_config


def findings(cli: Any, *args: str) -> tuple[int, list[tuple[str, str]]]:
    """Exit code and (model path, code) of every finding."""
    outcome = cli("check", *args, "--format", "json")
    document = json.loads(outcome.out)
    found = [(model["relpath"], f["code"]) for model in document["models"]
             for f in model["findings"]]
    found += [(f["location"], f["code"]) for f in document["config_findings"]]
    return outcome.code, found


def test_defaults_report_both_rules_and_fail(project: Path, cli: Any) -> None:
    code, found = findings(cli, ".")
    assert code == 1
    assert ("models/bad.tflite", "TPU201") in found
    assert ("models/bad.tflite", "TPU401") in found
    assert not [f for f in found if f[0] == "models/good.tflite"]


@pytest.mark.parametrize(("config", "expected"), [
    ('select = ["TPU2"]', {"TPU201"}),
    ('select = ["TPU"]\nignore = ["TPU2"]', {"TPU401"}),
    # The longest selector wins: TPU201 is more specific than TPU2.
    ('select = ["TPU201"]\nignore = ["TPU2"]', {"TPU201"}),
    ('ignore = ["unsupported-op"]', {"TPU401"}),
    ('select = ["TPU4"]\nextend-select = ["TPU201"]', {"TPU201", "TPU401"}),
])
def test_select_and_ignore(project: Path, cli: Any, config: str, expected: set[str]) -> None:
    write_config(project, config + "\n")
    _, found = findings(cli, ".")
    assert {code for _, code in found} == expected


def test_unknown_selector_exits_2(project: Path, cli: Any) -> None:
    write_config(project, 'ignore = ["TPU999"]\n')
    outcome = cli("check", ".")
    assert outcome.code == 2
    assert "TPU999" in outcome.err


@pytest.mark.parametrize("section", [
    '[tool.tpulint.per-file-ignores]\n"models/other/**" = ["TPU777"]\n',
    '[tool.tpulint.severity]\nTPU777 = "info"\n',
    '[[tool.tpulint.ignore-ops]]\nop = "X"\ncodes = ["TPU777"]\nreason = "r"\n',
])
def test_codes_in_suppressions_must_exist(project: Path, cli: Any, section: str) -> None:
    (project / "pyproject.toml").write_text(section)
    outcome = cli("check", ".")
    assert outcome.code == 2
    assert "TPU777" in outcome.err


def test_per_file_ignores_apply_to_matching_files_only(project: Path, cli: Any) -> None:
    shutil.copy(BAD, project / "models" / "bad_too.tflite")
    write_config(project, '[tool.tpulint.per-file-ignores]\n"models/bad.tflite" = ["TPU4"]\n')
    _, found = findings(cli, ".")
    assert ("models/bad.tflite", "TPU401") not in found
    assert ("models/bad.tflite", "TPU201") in found
    assert ("models/bad_too.tflite", "TPU401") in found


@pytest.mark.parametrize("entry", [
    'op = "LEAKY_RELU"',
    'tensor = "leaky_1/LeakyRelu$"',
    'op = "LEAKY_RELU"\npath = "models/*.tflite"',
])
def test_ignore_ops_by_operator_or_output_name(project: Path, cli: Any, entry: str) -> None:
    write_config(project, f'[[tool.tpulint.ignore-ops]]\n{entry}\ncodes = ["TPU201"]\n'
                          'reason = "post-processing on the CPU by design"\n')
    _, found = findings(cli, ".")
    assert ("models/bad.tflite", "TPU201") not in found
    assert ("models/bad.tflite", "TPU401") in found
    summary = json.loads(cli("check", ".", "--format", "json").out)
    bad = next(m for m in summary["models"] if m["relpath"] == "models/bad.tflite")
    assert bad["suppressed"] == 1


@pytest.mark.parametrize("entry", ['op = "CONV_2D"', 'tensor = "^nothing$"',
                                   'op = "LEAKY_RELU"\npath = "elsewhere/**"'])
def test_ignore_ops_that_do_not_match_keep_the_finding(project: Path, cli: Any,
                                                       entry: str) -> None:
    write_config(project, f'[[tool.tpulint.ignore-ops]]\n{entry}\ncodes = ["TPU201"]\n'
                          'reason = "r"\n')
    _, found = findings(cli, ".")
    assert ("models/bad.tflite", "TPU201") in found


def test_severity_override_and_fail_on(project: Path, cli: Any) -> None:
    write_config(project, 'fail-on = "error"\n[tool.tpulint.severity]\nunsupported-op = "info"\n')
    outcome = cli("check", ".", "--format", "json")
    severities = {f["code"]: f["severity"] for m in json.loads(outcome.out)["models"]
                  for f in m["findings"]}
    assert severities == {"TPU201": "info", "TPU401": "warning"}
    assert outcome.code == 0  # nothing at error level is left
    assert cli("check", ".", "--fail-on", "warning").code == 1
    assert cli("check", ".", "--fail-on", "none").code == 0
    assert cli("check", ".", "--exit-zero", "--fail-on", "info").code == 0


def test_exclude_and_force_exclude(project: Path, cli: Any) -> None:
    write_config(project, 'extend-exclude = ["**/bad.tflite"]\n')
    assert findings(cli, ".") == (0, [])
    # A path given on the command line is checked unless --force-exclude (pre-commit's case).
    assert findings(cli, "models/bad.tflite")[0] == 1
    assert findings(cli, "models/bad.tflite", "--force-exclude") == (0, [])


def test_exclude_a_directory_by_name(project: Path, cli: Any) -> None:
    (project / "build").mkdir()
    shutil.copy(BAD, project / "build" / "bad.tflite")
    write_config(project, 'extend-exclude = ["models"]\n')
    assert findings(cli, ".") == (0, [])  # build/ is excluded by default, models/ by config


def test_include_globs_with_directories(project: Path, cli: Any) -> None:
    (project / "zoo" / "deep").mkdir(parents=True)
    shutil.copy(BAD, project / "zoo" / "deep" / "m.lite")
    write_config(project, 'include = ["zoo/**/*.lite"]\n')
    outcome = cli("check", ".", "--format", "json")
    assert [m["relpath"] for m in json.loads(outcome.out)["models"]] == ["zoo/deep/m.lite"]


def test_directories_recurse_in_a_stable_order(project: Path, cli: Any) -> None:
    for name in ("b", "a/c", "a"):
        (project / name).mkdir(parents=True, exist_ok=True)
        shutil.copy(GOOD, project / name / "z.tflite")
        shutil.copy(GOOD, project / name / "y.tflite")
    outcome = cli("check", ".", "--format", "json")
    paths = [m["relpath"] for m in json.loads(outcome.out)["models"]]
    assert paths == sorted(paths)
    assert len(paths) == 8


def test_bad_input_exits_3_and_other_models_are_still_checked(project: Path, cli: Any) -> None:
    (project / "models" / "broken.tflite").write_bytes(b"not a model")
    outcome = cli("check", ".", "--format", "concise")
    assert outcome.code == 3
    assert "broken.tflite" in outcome.err
    assert "TPU201" in outcome.out
