"""A repository's configuration cannot point the baseline outside the project.

`baseline = "../../etc/x"`, an absolute path elsewhere or a link leading out would make
`--write-baseline` write (and `check` read) a file the repository does not own. Both are one
line and exit 2; nothing is written. A file named on the command line is the user's choice.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers import BAD, write_config

from tpulint.exitcodes import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo" / "project"
    (root / "models").mkdir(parents=True)
    shutil.copyfile(BAD, root / "models" / "bad.tflite")
    monkeypatch.chdir(root)
    return root


def files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.parametrize("where", ["../../outside.json", "{outside}", "link/inside.json"])
def test_writing_a_baseline_outside_is_refused(where: str, project: Path, cli: Any,
                                               tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    (project / "link").symlink_to(tmp_path)  # a folder in the project leading out of it
    write_config(project, f'baseline = "{where.format(outside=outside)}"\n')
    before = files(tmp_path)
    outcome = cli("check", "models", "--write-baseline")
    assert outcome.code == EXIT_USAGE
    assert outcome.err.count("\n") == 1 and "points outside the project" in outcome.err
    assert "internal error" not in outcome.err
    assert files(tmp_path) == before  # nothing written anywhere


def test_reading_a_baseline_outside_is_refused(project: Path, cli: Any,
                                               tmp_path: Path) -> None:
    (tmp_path / "outside.json").write_text('{"tool": "tpulint", "version": 1, "findings": []}',
                                           encoding="utf-8")
    write_config(project, 'baseline = "../../outside.json"\n')
    outcome = cli("check", "models")
    assert outcome.code == EXIT_USAGE
    assert outcome.err.count("\n") == 1 and "points outside the project" in outcome.err


def test_inside_the_project_and_on_the_command_line_still_work(project: Path, cli: Any,
                                                               tmp_path: Path) -> None:
    write_config(project, 'baseline = "ci/baseline.json"\n')
    assert cli("check", "models", "--write-baseline").code == EXIT_OK
    assert (project / "ci" / "baseline.json").is_file()
    assert cli("check", "models").code == EXIT_OK  # every finding is in the baseline
    explicit = tmp_path / "elsewhere.json"  # named by the user: allowed anywhere
    write_config(project, "")
    assert cli("check", "models", "--write-baseline", str(explicit)).code == EXIT_OK
    assert explicit.is_file()
    assert cli("check", "models").code == EXIT_FINDINGS  # not configured: not applied


def test_the_written_baseline_replaces_a_link_instead_of_following_it(project: Path, cli: Any,
                                                                      tmp_path: Path) -> None:
    target = project / "models" / "bad.tflite"
    original = target.read_bytes()
    (project / ".tpulint-baseline.json").symlink_to(target)  # planted inside the project
    write_config(project, 'baseline = ".tpulint-baseline.json"\n')
    assert cli("check", "models", "--write-baseline").code == EXIT_OK
    assert target.read_bytes() == original
    assert not (project / ".tpulint-baseline.json").is_symlink()
