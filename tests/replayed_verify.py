"""`tpulint verify` run in process against a stand-in compiler that replays recorded
compilations: the fixtures the replay tests share.

`tests/verify_replay/fake_edgetpu_compiler.py` is not the real compiler: it replays a recording
(real compiled model and real operation log from public repositories, stdout composed around
them; or error messages quoted from public compiler reports; or a compiler that never returns).
So the subprocess wiring, the parsing and the comparison all run without the compiler.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tpulint.cli import main
from tpulint.verify import tools

TESTS = Path(__file__).parent
REPLAY = TESTS / "verify_replay"
MODELS = TESTS / "data" / "verify" / "models"
FIXTURES = TESTS.parent / "fixtures"
GOOD_INT8 = "TPU102/good_int8.tflite"  # the network, full int8: every operator maps
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory with a stand-in `edgetpu_compiler` on PATH and no Edge TPU."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "edgetpu_compiler"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" '
                       f'"{REPLAY / "fake_edgetpu_compiler.py"}" "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.delenv(tools.COMPILER_ENV, raising=False)
    monkeypatch.setattr(tools, "edgetpu_library", lambda: "libedgetpu-absent-in-tests.so.1")
    monkeypatch.setattr(tools, "pycoral_edgetpu", lambda: None)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def verify(workdir: Path, monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*args: str, recording: str | None = None) -> tuple[int, str, str]:
        if recording is not None:
            monkeypatch.setenv("TPULINT_REPLAY", str(REPLAY / "recordings" / f"{recording}.json"))
        code = main(["verify", "--isolated", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def model_copy(workdir: Path, source: Path) -> Path:
    target = workdir / "models" / source.name
    target.parent.mkdir(exist_ok=True)
    shutil.copyfile(source, target)
    return target


def as_json(out: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(out)
    return document
