"""Stand-in compilers for `tpulint verify`, built to hurt: the script writer, the folder the
tests run in, and what tells whether a process still runs.

Every compiler here is a stand-in, not the real `edgetpu_compiler`: a small shell script written
by the test that misbehaves (floods its output, leaves processes behind, never answers) and
otherwise hands over to `tests/verify_replay/fake_edgetpu_compiler.py`, which replays a real
recorded compilation (the real compiled model and operation log of hanchanghun-dummy).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from tpulint.cli import main
from tpulint.verify import tools

TESTS = Path(__file__).parent
REPLAY = TESTS / "verify_replay"
MODELS = TESTS / "data" / "verify" / "models"
RECORDING = REPLAY / "recordings" / "hanchanghun-dummy.json"
REPLAYER = f'"{sys.executable}" "{REPLAY / "fake_edgetpu_compiler.py"}"'
# A process that leaves tpulint's process group, keeps the compiler's stdout open and sleeps.
ESCAPE = f'"{sys.executable}" -c "import os, time; os.setsid(); time.sleep(60)"'


def stand_in(folder: Path, body: str, replay: str = f'exec {REPLAYER} "$@"',
             version: str = f'case "$1" in --version) exec {REPLAYER} "$@";; esac') -> Path:
    """A stand-in compiler: `--version` answered, `body` (shell), then the replay of the
    recorded compilation."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "edgetpu_compiler"
    script.write_text(f"#!/bin/sh\n{version}\n{body}\n{replay}\n")
    script.chmod(0o755)
    return script


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding the model, a private TMPDIR, no compiler on PATH and no Edge TPU."""
    (tmp_path / "tmp").mkdir()
    shutil.copyfile(MODELS / "hanchanghun-dummy.tflite", tmp_path / "model.tflite")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))  # gettempdir() caches
    monkeypatch.setenv("TPULINT_REPLAY", str(RECORDING))
    monkeypatch.delenv(tools.COMPILER_ENV, raising=False)
    monkeypatch.setattr(tools, "edgetpu_library", lambda: "libedgetpu-absent-in-tests.so.1")
    monkeypatch.setattr(tools, "pycoral_edgetpu", lambda: None)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def verify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    code = main(["verify", "--isolated", "--no-run", "--format", "json", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else None, err


def alive(pid: int) -> bool:
    """Whether `pid` still runs after up to 20 s (a killed process may stay a zombie for a
    moment, which counts as dead; on a loaded machine its end can take seconds)."""
    for _ in range(200):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return False
        if state in ("Z", "X"):
            return False
        time.sleep(0.1)
    return True


def reap_later(pid_file: Path) -> None:
    """Kill a stand-in's escaped helper (it left the group on purpose) once the test is done."""
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
