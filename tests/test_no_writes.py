"""`tpulint check` never writes next to or over the models it checks."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _snapshot(directory: Path) -> dict[str, tuple[int, int, str]]:
    """Every file and directory under `directory`: mode, modification time and content hash."""
    found = {}
    for path in sorted(directory.rglob("*")):
        status = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        found[path.relative_to(directory).as_posix()] = (status.st_mode, status.st_mtime_ns,
                                                         digest)
    return found


@pytest.mark.parametrize("output_format", ["full", "concise", "json", "json-lines"])
def test_check_leaves_the_models_directory_as_it_was(output_format: str, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "fixtures", project / "models")
    (project / "models" / "truncated.tflite").write_bytes(b"\x1c\x00\x00\x00TFL3")
    (project / "pyproject.toml").write_text('[tool.tpulint]\nfail-on = "info"\n')
    before = _snapshot(project)
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}
    done = subprocess.run([sys.executable, "-m", "tpulint", "check", "--format", output_format,
                           "models", str(project / "models" / "TPU101")],
                          cwd=project, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 3, done.stderr
    assert done.stdout
    assert _snapshot(project) == before
