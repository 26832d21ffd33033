"""Files, configurations and caches built to hurt: each ends in a result or one line, fast.

Every case here hung, exhausted memory, passed a broken model or wrote where it must not before
tpulint read inputs through `tpulint.safeio` and validated its cache. The models come from
tools/hostile_models.py (valid flatbuffers, hostile by structure).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import hostile_models
import pytest

from tpulint.reader import ModelReadError, read_model, read_model_bytes

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "fixtures" / "TPU102" / "good_int8.tflite"
FLOAT = ROOT / "fixtures" / "TPU101" / "bad_float_op_inside.tflite"


def run(*args: str, cwd: Path, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tpulint", *args], capture_output=True,
                          text=True, timeout=60, cwd=cwd, check=False,
                          env={**os.environ, **(env or {})})


def one_line(done: subprocess.CompletedProcess[str], code: int, says: str) -> None:
    assert done.returncode == code, done.stderr
    assert done.stderr.count("\n") == 1 and says in done.stderr, done.stderr
    assert "internal error" not in done.stderr


@pytest.mark.parametrize(("special", "says"), [
    ("/dev/zero", "is a character device, not a regular file"),
    ("/dev/urandom", "is a character device, not a regular file"),
])
def test_a_device_is_refused(special: str, says: str, tmp_path: Path) -> None:
    link = tmp_path / "model.tflite"
    link.symlink_to(special)
    for path in (special, str(link)):
        one_line(run("check", "--isolated", path, cwd=tmp_path), 3, says)


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "model.tflite"
    os.mkfifo(fifo)
    for extra in ([], ["--no-cache"]):
        one_line(run("check", "--isolated", *extra, str(fifo), cwd=tmp_path), 3,
                 "is a named pipe, not a regular file")


@pytest.mark.parametrize(("name", "step", "says"), [
    ("cycle", "subgraph 0 graph", "the graph has a cycle"),
    ("self-loop", "subgraph 0 graph", "the graph has no execution order"),
    ("unknown-tensor-type", "subgraph 0 tensors", "which TensorFlow Lite does not define"),
])
def test_a_model_no_analysis_can_handle_is_refused(name: str, step: str, says: str) -> None:
    small, _large = hostile_models.GENERATORS[name]
    with pytest.raises(ModelReadError) as error:
        read_model_bytes(small(), "m.tflite")
    assert error.value.step == step and says in error.value.reason
    assert "corrupt" not in str(error.value)


def test_the_cli_exits_3_for_a_cycle(tmp_path: Path) -> None:
    path = tmp_path / "cycle.tflite"
    path.write_bytes(hostile_models.cycle(3))
    one_line(run("check", "--isolated", str(path), cwd=tmp_path), 3, "the graph has a cycle")


def test_shared_strings_and_vectors_are_decoded_once() -> None:
    model = read_model_bytes(hostile_models.shared_name(50, 1 << 16))
    names = {id(t.name) for t in model.main.tensors}
    assert len(names) == 1  # one object, not fifty copies
    assert len(model.main.tensors[0].name) < 1100  # the middle of a huge name is left out
    wide = read_model_bytes(hostile_models.wide_operator(1000, 5))
    assert len({id(op.inputs) for op in wide.main.operators}) == 1


def test_signatures_are_decoded_only_on_access() -> None:
    model = read_model_bytes(hostile_models.shared_signatures(1000, 10_000))
    assert len(model.signatures) == 1000  # counted, not decoded
    assert model.signatures[0].key == "serving_default"
    assert len(model.signatures[-1].inputs) == 10_000


def test_too_many_operator_inputs_are_refused() -> None:
    with pytest.raises(ModelReadError) as error:
        read_model_bytes(hostile_models.wide_operator(1 << 20, 3))
    assert "operator inputs and outputs, more than the" in error.value.reason


def test_a_model_truncated_after_reading_is_still_checked(tmp_path: Path) -> None:
    path = tmp_path / "big.tflite"
    path.write_bytes(GOOD.read_bytes() + bytes(2 << 20))
    model = read_model(path)
    path.write_bytes(b"")
    assert bytes(model.source[:8])[4:] == b"TFL3"


@pytest.mark.parametrize("setting", ["extend", "baseline"])
@pytest.mark.parametrize("target", ["/dev/zero", "fifo", "huge", "latin1", "deep"])
def test_hostile_configuration_is_one_line_exit_2(setting: str, target: str,
                                                  tmp_path: Path) -> None:
    if target == "fifo":
        os.mkfifo(tmp_path / "fifo")
    elif target == "huge":
        (tmp_path / "huge").write_text("# x\n" * (1 << 19))
    elif target == "latin1":
        (tmp_path / "latin1").write_bytes(b'select = ["\xe9"]\n')
    elif target == "deep":
        (tmp_path / "deep").write_text("a = " + "[" * 50_000 + "\n")
    (tmp_path / "tpulint.toml").write_text(f'{setting} = "{target}"\n')
    shutil.copy(GOOD, tmp_path / "m.tflite")
    done = run("check", "m.tflite", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "internal error" not in done.stderr, done.stderr


@pytest.mark.parametrize("target", ["/dev/zero", "deep"])
def test_hostile_config_option_is_one_line_exit_2(target: str, tmp_path: Path) -> None:
    if target == "deep":
        (tmp_path / "deep").write_text("a = " + "{x = " * 5_000 + "1" + "}" * 5_000 + "\n")
    done = run("check", "--config", target, str(GOOD), cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr


def test_pre_commit_hooks_end_options() -> None:
    text = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    entries = [line.split("entry:")[1].strip() for line in text.splitlines() if "entry:" in line]
    assert entries and all(entry.endswith(" --") for entry in entries)


def test_a_file_named_like_an_option_is_a_path(tmp_path: Path) -> None:
    shutil.copy(GOOD, tmp_path / "a.tflite")
    shutil.copy(GOOD, tmp_path / "--output-file=a.tflite")
    shutil.copy(GOOD, tmp_path / "-m.tflite")
    before = (tmp_path / "a.tflite").read_bytes()
    done = run("check", "--isolated", "--force-exclude", "--", "--output-file=a.tflite",
               "-m.tflite", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "a.tflite").read_bytes() == before


# The cache ----------------------------------------------------------------------------------


def _entries(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("*.json") if p.parent != cache)


def test_a_tampered_cache_entry_is_a_miss(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    env = {"TPULINT_CACHE_DIR": str(cache)}
    shutil.copy(FLOAT, tmp_path / "m.tflite")
    first = run("check", "--isolated", "--format", "json", "m.tflite", cwd=tmp_path, env=env)
    assert first.returncode == 1
    [entry] = _entries(cache)
    data = json.loads(entry.read_text())
    for tamper in ("no findings", "bad types", "garbage", "dev zero", "other user"):
        if tamper == "no findings":
            entry.write_text(json.dumps({**data, "findings": []}))
        elif tamper == "bad types":
            broken = json.loads(json.dumps(data))
            broken["findings"][0]["message"] = 5
            entry.write_text(json.dumps(broken))
        elif tamper == "garbage":
            entry.write_bytes(b"\xff" * 100)
        elif tamper == "dev zero":
            entry.unlink()
            entry.symlink_to("/dev/zero")
        else:
            entry.unlink(missing_ok=True)
            entry.write_text(json.dumps({**data, "findings": []}))
            entry.chmod(0o666)
        again = run("check", "--isolated", "--format", "json", "m.tflite", cwd=tmp_path,
                    env=env)
        assert again.returncode == 1, (tamper, again.stderr)
        assert again.stdout == first.stdout, tamper
        entry.unlink(missing_ok=True)
        run("check", "--isolated", "m.tflite", cwd=tmp_path, env=env)
        [entry] = _entries(cache)


def test_planted_links_in_the_cache_are_never_followed(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    (cache / ".gitignore").symlink_to(victim)
    (cache / "CACHEDIR.TAG").symlink_to(victim)
    shutil.copy(GOOD, tmp_path / "m.tflite")
    run("check", "--isolated", "m.tflite", cwd=tmp_path, env={"TPULINT_CACHE_DIR": str(cache)})
    assert victim.read_text() == "keep me\n"
    assert not (cache / "CACHEDIR.TAG").is_symlink()
    assert _entries(cache)
    assert all(p.stat().st_mode & 0o077 == 0 for p in _entries(cache))


def test_a_shared_cache_folder_is_not_used(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o777)
    shutil.copy(GOOD, tmp_path / "m.tflite")
    done = run("check", "--isolated", "m.tflite", cwd=tmp_path,
               env={"TPULINT_CACHE_DIR": str(cache)})
    assert done.returncode == 0 and not _entries(cache)


def test_a_relative_cache_variable_is_refused(tmp_path: Path) -> None:
    shutil.copy(GOOD, tmp_path / "m.tflite")
    done = run("check", "--isolated", "m.tflite", cwd=tmp_path,
               env={"TPULINT_CACHE_DIR": "relative"})
    one_line(done, 2, "TPULINT_CACHE_DIR must be an absolute path")
    assert not (tmp_path / "relative").exists()


def test_old_entries_are_pruned(tmp_path: Path) -> None:
    from tpulint.engine import cache

    folder = tmp_path / "c"
    (folder / "ab").mkdir(parents=True)
    old, new = folder / "ab" / "old.json", folder / "ab" / "new.json"
    old.write_text("{}")
    new.write_text("{}")
    os.utime(old, (1, 1))
    assert cache.prune(folder) == 1
    assert new.exists() and not old.exists()


def test_an_output_file_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text("previous\n")
    done = run("check", "--isolated", "--format", "json", "-o", str(report), str(GOOD),
               cwd=tmp_path)
    assert done.returncode == 0
    assert json.loads(report.read_text())["models"]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize(("what", "links", "expected"), [
    ("nothing", False, True), ("file", False, True), ("link", False, False),
    ("link", True, True), ("dangling link", True, True), ("folder", True, False),
    ("fifo", True, False), ("device", True, False),
])
def test_a_write_replaces_only_a_regular_file_or_a_link_it_is_told_to(
        what: str, links: bool, expected: bool, tmp_path: Path) -> None:
    from tpulint.safeio import replaceable

    path = Path("/dev/null") if what == "device" else tmp_path / "target"
    (tmp_path / "elsewhere").write_text("")
    if what == "file":
        path.write_text("")
    elif what == "link":
        path.symlink_to(tmp_path / "elsewhere")
    elif what == "dangling link":
        path.symlink_to(tmp_path / "nowhere")
    elif what == "folder":
        path.mkdir()
    elif what == "fifo":
        os.mkfifo(path)
    assert replaceable(path, links=links) is expected
