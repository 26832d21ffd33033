"""Many models: `--jobs` gives the sequential output, the cache answers unchanged models."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import FIXTURES

import tpulint.engine.check
from tpulint.cli import main
from tpulint.engine.batch import check_files
from tpulint.engine.cache import Cache, cache_directory
from tpulint.engine.config import Settings
from tpulint.engine.discover import discover
from tpulint.engine.registry import load_registry
from tpulint.engine.selection import Selection
from tpulint.reader import read_source

FORMATS = ("json", "concise", "sarif", "junit", "markdown", "html", "full")


@pytest.fixture
def zoo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FIXTURES, tmp_path / "zoo", ignore=shutil.ignore_patterns("*.py", "*.md"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "zoo"


@pytest.mark.parametrize("fmt", FORMATS)
def test_jobs_give_byte_identical_output(zoo: Path, cli: Any, fmt: str) -> None:
    sequential = cli("check", "zoo", "--format", fmt, "--no-cache", "--color", "never")
    parallel = cli("check", "zoo", "--format", fmt, "--no-cache", "--color", "never",
                   "--jobs", "3")
    assert sequential.code == parallel.code == 1
    assert sequential.out == parallel.out
    assert len(sequential.out) > 1000


def test_jobs_zero_means_one_per_cpu(zoo: Path, cli: Any) -> None:
    assert cli("check", "zoo", "-j", "0", "--no-cache").code == 1
    assert cli("check", "zoo", "-j", "-1").code == 2


@pytest.mark.parametrize("fmt", ["json", "sarif", "full"])
def test_cached_results_are_the_computed_ones(zoo: Path, cli: Any, fmt: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = cli("check", "zoo", "--format", fmt, "--color", "never")
    assert any(cache_directory(Settings()).rglob("*.json"))

    def no_checking(*args: object) -> None:
        raise AssertionError("a cached model was checked again")

    monkeypatch.setattr(tpulint.engine.check, "check_model", no_checking)
    cached = cli("check", "zoo", "--format", fmt, "--color", "never")
    assert (cached.code, cached.out) == (fresh.code, fresh.out)


def test_cache_follows_content_rules_and_options(zoo: Path) -> None:
    registry = load_registry(plugins=False)
    settings = Settings()
    rules = Selection(registry, settings).enabled
    model = zoo / "TPU102" / "good_int8.tflite"
    cache = Cache.open(rules, settings)
    key = cache.key(str(model))
    assert key is not None
    assert key == cache.key(str(zoo / "TPU103" / "good_int8.tflite"))  # same bytes, same key
    assert key != Cache.open(rules[:-1], settings).key(str(model))
    assert key != Cache.open(rules, Settings(runtime=13)).key(str(model))
    assert key != Cache.open(rules, Settings(rules={"TPU101": {"allow-float-io": True}})) \
        .key(str(model))
    with model.open("ab") as stream:
        stream.write(b"\0")
    assert cache.key(str(model)) != key
    assert cache.key(str(zoo / "missing.tflite")) is None


def test_models_too_large_to_hash_are_not_cached(zoo: Path, monkeypatch: pytest.MonkeyPatch
                                                  ) -> None:
    # The key hashes every byte the check reads (all but the large payloads).
    import tpulint.engine.cache

    settings = Settings()
    cache = Cache.open(Selection(load_registry(plugins=False), settings).enabled, settings)
    model = zoo / "TPU102" / "good_int8.tflite"
    hashed = sum(len(part) for part in read_source(model).solid_parts())
    monkeypatch.setattr(tpulint.engine.cache, "MAX_CACHED_BYTES", hashed)
    assert cache.key(str(model)) is not None
    monkeypatch.setattr(tpulint.engine.cache, "MAX_CACHED_BYTES", hashed - 1)
    assert cache.key(str(model)) is None


def test_a_changed_model_is_checked_again(zoo: Path, cli: Any) -> None:
    cli("check", "zoo")
    target = zoo / "TPU102" / "good_int8.tflite"
    shutil.copy(zoo / "TPU201" / "bad_unsupported_mid.tflite", target)
    outcome = cli("check", str(target), "--format", "concise")
    assert "TPU201" in outcome.out


def test_cache_location_and_opt_outs(zoo: Path, cli: Any, monkeypatch: pytest.MonkeyPatch,
                                     tmp_path: Path) -> None:
    monkeypatch.delenv("TPULINT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    (tmp_path / "tpulint.toml").write_text("")
    cli("check", "zoo/TPU201")
    cache = tmp_path / "user-cache" / "tpulint"
    assert not (tmp_path / ".tpulint_cache").exists()  # nothing in the project
    assert (cache / "CACHEDIR.TAG").is_file()
    assert (cache / ".gitignore").read_text() == "*\n"
    assert not [p for p in zoo.rglob("*") if p.suffix not in (".tflite", "")]  # nothing beside
    shutil.rmtree(cache)
    cli("check", "zoo/TPU201", "--no-cache")
    assert not cache.exists()
    (tmp_path / "tpulint.toml").write_text("cache = false\n")
    cli("check", "zoo/TPU201")
    assert not cache.exists()


def test_an_unwritable_cache_costs_speed_not_results(zoo: Path, cli: Any,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("TPULINT_CACHE_DIR", str(blocker / "cache"))
    assert "TPU201" in cli("check", "zoo/TPU201", "--format", "concise").out


def test_progress_reports_every_model(zoo: Path) -> None:
    settings = Settings(cache=False)
    rules = Selection(load_registry(plugins=False), settings).enabled
    paths = discover(["zoo"], settings)
    seen: list[tuple[int, int]] = []
    results = check_files(paths, rules, settings, jobs=2, progress=lambda d, t: seen.append((d, t)))
    assert [r.path for r in results] == paths
    assert seen[0] == (0, len(paths))
    assert seen[-1] == (len(paths), len(paths))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal_with_several_models(
        zoo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "zoo", "--format", "json", "--no-cache"]) == 1
    assert "checking models" not in capsys.readouterr().err  # stderr is not a terminal
    for paths, drawn in ((["zoo"], True), (["zoo/TPU201"], False)):
        terminal = Terminal()
        monkeypatch.setattr(sys, "stderr", terminal)
        assert main(["check", *paths, "--format", "json", "--no-cache"]) == 1
        assert ("checking models" in terminal.getvalue()) is drawn
        json.loads(capsys.readouterr().out)  # stdout holds the document alone
