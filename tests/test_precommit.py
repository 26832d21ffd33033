"""The `tpulint` pre-commit hook, run by real pre-commit from this repository (`try-repo`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import BAD, GOOD, ROOT

pytest.importorskip("pre_commit")

if not (ROOT / ".git").exists() or shutil.which("git") is None:
    pytest.skip("needs git and a git checkout of tpulint", allow_module_level=True)


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=clean_env())


def clean_env() -> dict[str, str]:
    """No GIT_* variables leak in from an outer hook; pre-commit gets a home of its own."""
    return {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}


def try_repo(repo: Path, home: Path, *files: str) -> subprocess.CompletedProcess[str]:
    env = {**clean_env(), "PRE_COMMIT_HOME": str(home), "TPULINT_NO_CACHE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "tpulint", "--files", *files],
        cwd=repo, env=env, capture_output=True, text=True, timeout=900, check=False)


def test_hook_fails_on_the_bad_model_and_passes_the_good_one(tmp_path: Path) -> None:
    repo = tmp_path / "models-repo"
    repo.mkdir()
    git(repo, "init", "-q")
    shutil.copy(BAD, repo / "bad.tflite")
    shutil.copy(GOOD, repo / "good.tflite")
    (repo / "notes.txt").write_text("not a model\n")
    git(repo, "add", ".")
    home = tmp_path / "pre-commit-home"

    both = try_repo(repo, home, "bad.tflite", "good.tflite", "notes.txt")
    assert both.returncode == 1, both.stdout + both.stderr
    assert "tpulint" in both.stdout and "Failed" in both.stdout
    assert "bad.tflite:sg0/op1: TPU201 [unsupported-op]" in both.stdout
    assert "good.tflite" not in both.stdout.split("Failed", 1)[1]
    assert "notes.txt" not in both.stdout.split("Failed", 1)[1]  # files: \.tflite$

    good = try_repo(repo, home, "good.tflite")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout
