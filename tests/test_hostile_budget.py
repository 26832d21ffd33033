"""No single model holds a run for long: past its time budget it is one exit-3 line naming it.

The hostile model is a valid chain of 5,200 CPU operators (tools/hostile_reports.py), which
takes seconds to check; a budget of a fiftieth of a second stops it wherever it is. The clean
model's result comes from the cache, warmed by a first run, so the outcome does not depend on
how fast the machine is.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers import GOOD, write_config
from hostile_reports import long_named_findings

from tpulint.engine.budget import DEFAULT_SECONDS
from tpulint.engine.config import load_settings
from tpulint.exitcodes import EXIT_INPUT, EXIT_OK, EXIT_USAGE

BUDGET = "0.02"


@pytest.fixture
def models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copyfile(GOOD, folder / "good.tflite")
    monkeypatch.chdir(tmp_path)
    return folder


def _slow(models: Path) -> None:
    (models / "slow.tflite").write_bytes(long_named_findings(5_200, 10))


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_model_over_its_budget_is_one_line_and_exit_3(jobs: str, models: Path,
                                                        cli: Any) -> None:
    assert cli("check", "models").code == EXIT_OK  # the clean model's result is now cached
    _slow(models)
    outcome = cli("check", "models", "--time-budget", BUDGET, "-j", jobs, "--format", "json")
    assert outcome.code == EXIT_INPUT
    assert outcome.err.splitlines() == [
        "tpulint: models/slow.tflite: not checked: took longer than the time budget of "
        f"{float(BUDGET):g} s (`time-budget` in the configuration, --time-budget)"]
    document = json.loads(outcome.out)
    assert [m["relpath"] for m in document["models"]] == ["models/good.tflite"]
    assert [e["path"] for e in document["errors"]] == ["models/slow.tflite"]


def test_the_budget_comes_from_the_configuration_too(models: Path, cli: Any,
                                                     tmp_path: Path) -> None:
    _slow(models)
    write_config(tmp_path, f"time-budget = {BUDGET}\n")
    outcome = cli("check", "models/slow.tflite")
    assert outcome.code == EXIT_INPUT and "time budget of 0.02 s" in outcome.err
    assert load_settings(None, isolated=True).time_budget == DEFAULT_SECONDS


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon"])
def test_a_budget_that_is_not_a_duration_is_refused(value: str, models: Path,
                                                    cli: Any, tmp_path: Path) -> None:
    outcome = cli("check", "models", "--time-budget", value)
    assert outcome.code == EXIT_USAGE and outcome.err.count("\n") == 1
    toml = value if value in ("0", "-1", "nan", "inf") else f'"{value}"'
    write_config(tmp_path, f"time-budget = {toml}\n")
    outcome = cli("check", "models")
    assert outcome.code == EXIT_USAGE and "time-budget must be" in outcome.err


def test_a_callers_alarm_is_kept() -> None:
    import signal

    from tpulint.engine.budget import OverBudget, time_budget

    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda number, frame: fired.append(number))
    try:
        signal.setitimer(signal.ITIMER_REAL, 30)
        with time_budget(5):
            pass
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 25 < remaining <= 30  # re-armed with what was left of it
        signal.setitimer(signal.ITIMER_REAL, 0.001)
        with time_budget(5):  # the caller's alarm comes first and is its own
            signal.pause()
        assert fired == [signal.SIGALRM]
        with pytest.raises(OverBudget), time_budget(0.001):
            signal.pause()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
