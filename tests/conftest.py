"""Fixtures: an isolated cache, the CLI run in-process, a project with two models, and the
models `tpulint fix` tests convert."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers import BAD, GOOD, Outcome

from tpulint.cli import main


@pytest.fixture(scope="session", autouse=True)
def _isolated_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The same cache isolation for module- and session-scoped fixtures, which run before any
    function-scoped fixture could set it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TPULINT_CACHE_DIR", str(tmp_path_factory.mktemp("session-cache")))
        yield


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads or writes the developer's cache, or sees CI's environment."""
    monkeypatch.setenv("TPULINT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    for name in ("GITHUB_ACTIONS", "TPULINT_OUTPUT_FORMAT", "TPULINT_NO_CACHE"):
        monkeypatch.delenv(name, raising=False)
    yield


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Outcome]:
    def invoke(*args: str) -> Outcome:
        code = main(list(args))
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project directory (the working directory) with a bad and a good model in `models/`."""
    models = tmp_path / "models"
    models.mkdir()
    shutil.copy(BAD, models / "bad.tflite")
    shutil.copy(GOOD, models / "good.tflite")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The models and data of `tests/fix_models.py`, made once in a subprocess (TensorFlow's
    import warns, and pytest turns warnings into errors)."""
    out = tmp_path_factory.mktemp("fix-models")
    script = Path(__file__).resolve().parent / "fix_models.py"
    completed = subprocess.run([sys.executable, str(script), str(out)], capture_output=True,
                               text=True, check=False)
    assert completed.returncode == 0, completed.stderr[-2000:]
    return out


@pytest.fixture
def work(made: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the made models, so each test sees its own files; temporary files go
    to `work/tmp`, where tests can see that none is left."""
    for item in made.iterdir():
        target = tmp_path / item.name
        if item.is_dir():
            shutil.copytree(item, target)
        else:
            shutil.copyfile(item, target)
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    return tmp_path
