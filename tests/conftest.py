"""Fixtures: an isolated cache, the CLI run in-process, and a project with two models."""

from __future__ import annotations

import shutil
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
