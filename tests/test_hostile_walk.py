"""Walked trees that fight back: link loops, links to a parent, folders and files no one may read.

None of them may lose another model's result, and none may be skipped without a word: an
unreadable folder or file is one line on stderr and an entry in the report's errors (exit 3).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import BAD, GOOD

from tpulint.exitcodes import EXIT_FINDINGS, EXIT_INPUT


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """models/ with three models, a folder linking to itself, one linking to its parent and
    two links pointing at each other."""
    models = tmp_path / "models"
    (models / "sub").mkdir(parents=True)
    shutil.copyfile(BAD, models / "bad.tflite")
    shutil.copyfile(GOOD, models / "good.tflite")
    shutil.copyfile(GOOD, models / "sub" / "deep.tflite")
    (models / "loop").symlink_to("loop")
    (models / "sub" / "up").symlink_to("..")
    (models / "a.tflite").symlink_to("b.tflite")
    (models / "b.tflite").symlink_to("a.tflite")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def checked(out: str) -> set[str]:
    return {model["relpath"] for model in json.loads(out)["models"]}


def test_link_loops_lose_no_result(cli: Any, tree: Path) -> None:
    outcome = cli("check", "models", "--format", "json")
    assert outcome.code == EXIT_INPUT  # the two looping links are named, as bad input
    assert checked(outcome.out) == {"models/bad.tflite", "models/good.tflite",
                                    "models/sub/deep.tflite"}
    errors = {e["path"]: e["message"] for e in json.loads(outcome.out)["errors"]}
    assert set(errors) == {"models/a.tflite", "models/b.tflite"}
    assert all("symbolic links" in message for message in errors.values())
    assert "internal error" not in outcome.err
    assert outcome.err.count("\n") == 2


def test_a_folder_loop_and_a_parent_link_are_not_errors(cli: Any, tree: Path) -> None:
    for name in ("a.tflite", "b.tflite"):
        (tree / "models" / name).unlink()
    outcome = cli("check", "models", "--format", "json")
    assert outcome.code == EXIT_FINDINGS, outcome.err  # bad.tflite's findings, nothing else
    assert len(checked(outcome.out)) == 3
    assert json.loads(outcome.out)["errors"] == []


def _unprivileged() -> list[str]:
    """A command prefix under which permission bits apply: nothing for a normal user; for root,
    `setpriv` dropping the capabilities that let root read anything."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: no way to make a file unreadable to root")
    caps = "-dac_override,-dac_read_search"
    return [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}"]


@pytest.fixture
def locked(tree: Path) -> Iterator[Path]:
    for name in ("a.tflite", "b.tflite"):
        (tree / "models" / name).unlink()
    folder = tree / "models" / "locked"
    folder.mkdir()
    shutil.copyfile(GOOD, folder / "hidden.tflite")
    shutil.copyfile(GOOD, tree / "models" / "secret.tflite")
    folder.chmod(0)
    (tree / "models" / "secret.tflite").chmod(0)
    yield tree
    folder.chmod(0o755)  # so the temporary folder can be removed


def test_unreadable_folders_and_files_are_reported(locked: Path) -> None:
    command = [*_unprivileged(), sys.executable, "-m", "tpulint", "check", "models",
               "--no-cache", "--format", "json"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=locked, check=False,
                          env={**os.environ, "TPULINT_CACHE_DIR": str(locked / "cache")})
    assert done.returncode == EXIT_INPUT, done.stderr
    errors = {e["path"]: e["message"] for e in json.loads(done.stdout)["errors"]}
    assert errors == {
        "models/locked": "models/locked: cannot list the folder: Permission denied",
        "models/secret.tflite": "models/secret.tflite: permission denied",
    }
    assert checked(done.stdout) == {"models/bad.tflite", "models/good.tflite",
                                    "models/sub/deep.tflite"}
    lines = done.stderr.splitlines()
    assert lines == [f"tpulint: {message}" for message in sorted(errors.values())]
