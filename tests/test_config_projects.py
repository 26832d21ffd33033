"""Configuration found from each checked file's directory upwards, as Ruff does: every model is
checked with its own project's baseline, ignores, excludes, board and fail-on, whatever the
working directory and whichever other projects the same command checks."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers import BAD, GOOD

from tpulint.engine.cache import salt
from tpulint.engine.config import ConfigError, Settings, load_settings
from tpulint.engine.projects import Projects
from tpulint.engine.registry import load_registry


def make_project(where: Path, config: str, *models: tuple[str, Path],
                 name: str = "pyproject.toml") -> Path:
    (where / "models").mkdir(parents=True)
    for file_name, source in models:
        shutil.copy(source, where / "models" / file_name)
    header = "[tool.tpulint]\n" if name == "pyproject.toml" else ""
    (where / name).write_text(header + config, encoding="utf-8")
    return where


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory outside every project (and without a configuration of its own)."""
    directory = tmp_path / "elsewhere"
    directory.mkdir()
    monkeypatch.chdir(directory)
    return directory


def codes_by_model(cli: Any, *args: str) -> tuple[int, dict[str, set[str]], dict[str, Any]]:
    outcome = cli("check", *args, "--format", "json")
    document = json.loads(outcome.out)
    found = {model["path"]: {f["code"] for f in model["findings"]}
             for model in document["models"]}
    return outcome.code, found, document


def test_a_project_checked_from_outside_uses_its_own_baseline(
        tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch, elsewhere: Path) -> None:
    project = make_project(tmp_path / "project", 'baseline = "accepted.json"\n',
                           ("bad.tflite", BAD))
    monkeypatch.chdir(project)
    assert cli("check", "models", "--write-baseline").code == 0
    assert cli("check", "models").code == 0
    monkeypatch.chdir(elsewhere)
    outcome = cli("check", str(project / "models"))
    assert outcome.code == 0, outcome.out + outcome.err
    assert "(2 suppressed)" in outcome.out


def test_two_projects_in_one_command_each_get_their_own_ignores(
        tmp_path: Path, cli: Any, elsewhere: Path) -> None:
    first = make_project(tmp_path / "first", 'ignore = ["TPU201"]\n', ("bad.tflite", BAD))
    second = make_project(tmp_path / "second", 'ignore = ["TPU401"]\n', ("bad.tflite", BAD),
                          name="tpulint.toml")
    code, found, _ = codes_by_model(cli, str(first / "models"), str(second / "models"))
    assert found == {str(first / "models" / "bad.tflite"): {"TPU401"},
                     str(second / "models" / "bad.tflite"): {"TPU201"}}
    assert code == 1


def test_per_file_ignores_and_excludes_match_paths_relative_to_their_own_project(
        tmp_path: Path, cli: Any, elsewhere: Path) -> None:
    first = make_project(tmp_path / "first",
                         '[tool.tpulint.per-file-ignores]\n"models/bad.tflite" = ["TPU4"]\n',
                         ("bad.tflite", BAD))
    second = make_project(tmp_path / "second", 'extend-exclude = ["models/skipped.tflite"]\n',
                          ("bad.tflite", BAD), ("skipped.tflite", BAD))
    _, found, document = codes_by_model(cli, str(tmp_path / "first"), str(tmp_path / "second"))
    assert found == {str(first / "models" / "bad.tflite"): {"TPU201"},
                     str(second / "models" / "bad.tflite"): {"TPU201", "TPU401"}}
    # Reports point from the run's root (the first project's): the second project's model
    # lies outside it and the working directory, so it is named in full.
    assert {m["relpath"] for m in document["models"]} == {
        "models/bad.tflite", (second / "models" / "bad.tflite").as_posix()}


@pytest.mark.parametrize(("first_fail_on", "second_fail_on", "expected"), [
    ("warning", "none", 0),  # the bad model's own project accepts its findings
    ("none", "warning", 1),  # the bad model's own project fails on them
])
def test_each_model_is_gated_by_its_own_fail_on(
        tmp_path: Path, cli: Any, elsewhere: Path, first_fail_on: str, second_fail_on: str,
        expected: int) -> None:
    first = make_project(tmp_path / "first", f'fail-on = "{first_fail_on}"\n',
                         ("good.tflite", GOOD))
    second = make_project(tmp_path / "second", f'fail-on = "{second_fail_on}"\n',
                          ("bad.tflite", BAD))
    outcome = cli("check", str(first / "models"), str(second / "models"))
    assert outcome.code == expected, outcome.out + outcome.err
    # --fail-on on the command line still applies to every model.
    assert cli("check", str(first / "models"), str(second / "models"),
               "--fail-on", "warning").code == 1


def test_a_file_outside_every_project_gets_the_working_directorys_configuration(
        tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(tmp_path / "project", 'ignore = ["TPU2", "TPU4"]\n',
                           ("good.tflite", GOOD))
    loose = tmp_path / "loose"
    loose.mkdir()
    shutil.copy(BAD, loose / "bad.tflite")
    monkeypatch.chdir(project)
    code, found, _ = codes_by_model(cli, "models", str(loose / "bad.tflite"))
    assert found[str(loose / "bad.tflite")] == set()
    assert code == 0


@pytest.mark.parametrize("option", ["--isolated", "--config"])
def test_an_explicit_configuration_overrides_every_projects_own(
        tmp_path: Path, cli: Any, elsewhere: Path, option: str) -> None:
    first = make_project(tmp_path / "first", 'ignore = ["TPU201"]\n', ("bad.tflite", BAD))
    second = make_project(tmp_path / "second", 'ignore = ["TPU401"]\n', ("bad.tflite", BAD))
    (elsewhere / "given.toml").write_text('ignore = ["TPU4"]\n')
    args = ["--isolated"] if option == "--isolated" else ["--config", "given.toml"]
    _, found, _ = codes_by_model(cli, *args, str(first / "models"), str(second / "models"))
    expected = {"TPU201", "TPU401"} if option == "--isolated" else {"TPU201"}
    assert list(found.values()) == [expected, expected]


def test_results_are_cached_before_suppression_and_keyed_by_what_shapes_them(
        tmp_path: Path, cli: Any, elsewhere: Path) -> None:
    """Only per-file ignores differ: two projects share one cache entry, and each still sees
    its own findings. The board differs: that project gets an entry, and its own latency."""
    first = make_project(tmp_path / "first",
                         '[tool.tpulint.per-file-ignores]\n"models/*" = ["TPU201"]\n',
                         ("bad.tflite", BAD))
    second = make_project(tmp_path / "second", "", ("bad.tflite", BAD))
    third = make_project(tmp_path / "third", 'board = "devboard"\n', ("bad.tflite", BAD))
    cache = Path(os.environ["TPULINT_CACHE_DIR"])

    def entries() -> int:
        return len(list(cache.glob("??/*.json")))

    assert cli("check", str(first / "models")).code == 1  # fills the cache
    assert entries() == 1
    _, found, document = codes_by_model(cli, str(first / "models"), str(second / "models"),
                                        str(third / "models"))
    assert entries() == 2
    assert found[str(second / "models" / "bad.tflite")] == {"TPU201", "TPU401"}
    assert found[str(first / "models" / "bad.tflite")] == {"TPU401"}
    boards = {m["path"]: m["latency"]["board"] for m in document["models"]}
    assert boards[str(third / "models" / "bad.tflite")] == "devboard"
    assert boards[str(second / "models" / "bad.tflite")] == "usb3"


def test_the_cache_salt_covers_every_setting_that_shapes_a_result() -> None:
    rules = list(load_registry(plugins=False))
    base = salt(rules, Settings())
    assert salt(rules, Settings(per_file_ignores={"**": ["TPU201"]}, fail_on="none",
                                baseline="b.json", severity={"TPU201": "info"})) == base
    for changed in (Settings(board="devboard"), Settings(host="cortex-a53"),
                    Settings(runtime=13), Settings(compiler={"enable-multiple-subgraphs": True}),
                    Settings(rules={"TPU105": {"allow-float-io": True}})):
        assert salt(rules, changed) != base, changed


def test_show_settings_and_files_name_each_configuration_and_its_models(
        tmp_path: Path, cli: Any, elsewhere: Path) -> None:
    first = make_project(tmp_path / "first", 'ignore = ["TPU201"]\n', ("bad.tflite", BAD))
    second = make_project(tmp_path / "second", 'fail-on = "error"\n', ("a.tflite", GOOD),
                          ("b.tflite", BAD), name="tpulint.toml")
    shown = cli("check", "--show-settings", str(first / "models"), str(second / "models"))
    assert shown.code == 0
    blocks = shown.out.split("\n\n")
    assert len(blocks) == 2
    assert f"# configuration: {first / 'pyproject.toml'}" in blocks[0]
    assert f"# applies to 1 model(s): {first / 'models' / 'bad.tflite'}" in blocks[0]
    assert 'ignore = ["TPU201"]' in blocks[0].splitlines()
    assert f"# configuration: {second / 'tpulint.toml'}" in blocks[1]
    assert "# applies to 2 model(s)" in blocks[1]
    assert 'fail-on = "error"' in blocks[1].splitlines()
    files = cli("check", "--show-files", str(first / "models"), str(second / "models"))
    assert files.out.splitlines() == [
        str(first / "models" / "bad.tflite"),
        f"# 1 file(s); configuration: {first / 'pyproject.toml'}",
        str(second / "models" / "a.tflite"), str(second / "models" / "b.tflite"),
        f"# 2 file(s); configuration: {second / 'tpulint.toml'}"]


def test_a_broken_configuration_in_a_later_project_is_one_line_exit_2(
        tmp_path: Path, cli: Any, elsewhere: Path) -> None:
    first = make_project(tmp_path / "first", "", ("good.tflite", GOOD))
    second = make_project(tmp_path / "second", 'selct = ["TPU"]\n', ("bad.tflite", BAD))
    outcome = cli("check", str(first / "models"), str(second / "models"))
    assert outcome.code == 2
    assert outcome.err.count("\n") == 1 and "unknown setting 'selct'" in outcome.err


def test_settings_are_built_once_per_configuration_and_bounded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[Path] = []

    def make(start: Path) -> Settings:
        built.append(start)
        return load_settings(start=start)

    monkeypatch.setattr("tpulint.engine.projects.MAX_CONFIGURATIONS", 3)
    for number in range(4):
        (tmp_path / f"p{number}" / "deep" / "er").mkdir(parents=True)
        (tmp_path / f"p{number}" / "tpulint.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    projects = Projects(make, fixed=False)
    first = projects.at(tmp_path / "p0" / "deep" / "er")
    assert projects.at(tmp_path / "p0") is first
    assert projects.at(tmp_path / "p0" / "deep") is first
    assert projects.at(tmp_path / "p1") is not first
    projects.at(tmp_path)  # no configuration here or above: the working directory's (none)
    assert len(built) == 3
    with pytest.raises(ConfigError, match="more than 3 configuration files"):
        projects.at(tmp_path / "p2")


def test_extend_chains_are_bounded(tmp_path: Path) -> None:
    for number in range(40):
        (tmp_path / f"c{number}.toml").write_text(f'extend = "c{number + 1}.toml"\n')
    (tmp_path / "c40.toml").write_text("")
    (tmp_path / "tpulint.toml").write_text('extend = "c0.toml"\n')
    with pytest.raises(ConfigError, match="more than 32 files chained"):
        load_settings(start=tmp_path)


def test_write_baseline_writes_each_projects_own_baseline(
        tmp_path: Path, cli: Any, elsewhere: Path) -> None:
    first = make_project(tmp_path / "first", 'baseline = "accepted.json"\n', ("bad.tflite", BAD))
    second = make_project(tmp_path / "second", 'fail-on = "error"\n', ("bad.tflite", BAD),
                          name="tpulint.toml")
    paths = (str(first / "models"), str(second / "models"))
    written = cli("check", *paths, "--write-baseline")
    assert written.code == 0
    assert len(json.loads((first / "accepted.json").read_text())["findings"]) == 2
    assert len(json.loads((second / ".tpulint-baseline.json").read_text())["findings"]) == 2
    # Only the second project has yet to point at its baseline.
    assert written.err.count("takes effect once configured") == 1
    assert f'add `baseline = ".tpulint-baseline.json"` to {second / "tpulint.toml"}' in written.err
    _, found, _ = codes_by_model(cli, *paths)
    assert found == {str(first / "models" / "bad.tflite"): set(),
                     str(second / "models" / "bad.tflite"): {"TPU201", "TPU401"}}


def test_ci_reports_point_from_the_run_root_into_a_subproject(
        tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A monorepo with a configuration at the top and one in a subproject: annotations for the
    subproject's models name the file from the top, where CI resolves them."""
    top = make_project(tmp_path / "repo", "", ("top.tflite", BAD))
    make_project(top / "sub", "", ("inner.tflite", BAD))
    monkeypatch.chdir(top)
    outcome = cli("check", ".", "--format", "github")
    files = {part.split("=", 1)[1] for line in outcome.out.splitlines()
             if line.startswith("::error ") for part in line[8:].split("::")[0].split(",")
             if part.startswith("file=")}
    assert files == {"models/top.tflite", "sub/models/inner.tflite"}, outcome.out
    assert all((top / name).is_file() for name in files)
