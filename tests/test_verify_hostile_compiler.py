"""`tpulint verify` against compilers built to hurt (tests/stand_in_compiler.py): output floods,
helpers holding its pipes, a `--version` that never answers, runs killed half-way, and compiled
models or logs that cannot be compared.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from stand_in_compiler import ESCAPE, MODELS, REPLAYER, alive, reap_later, stand_in, verify
from stand_in_compiler import workdir as workdir  # the fixture

from tpulint.cli import main
from tpulint.verify import process

# 1. output streamed with a cap -------------------------------------------------------------


def test_flooded_output_is_capped_and_the_real_log_still_read(
        workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """8 MiB of noise on stdout before the real output, 64 MiB on stderr."""
    compiler = stand_in(workdir / "bin", "head -c 8388608 /dev/zero | tr '\\0' 'x'; echo\n"
                                         "head -c 67108864 /dev/zero | tr '\\0' 'y' >&2")
    code, report, err = verify(capsys, "--compiler", str(compiler), "model.tflite")
    assert (code, err) == (0, "")
    [entry] = report["models"]
    assert "the compiler's stderr held 67,108,864 bytes: tpulint kept the first and last " \
        "2 MiB" in entry["notes"]
    assert any(note.startswith("the compiler's stdout held 8,") for note in entry["notes"])
    assert entry["verified"] is True
    assert entry["summary"]["confirmed"] == 3
    # the summary lines come after the noise: read from the kept tail
    assert entry["compiler"]["summary"]["total_operations"] == 3
    assert entry["compiler"]["version"] == "16.0.384591198"


def test_kept_output_is_bounded_head_and_tail() -> None:
    done = process.run([sys.executable, "-c", "import sys; sys.stdout.write('first\\n' + "
                        "'z' * 40_000_000 + '\\nlast\\n')"], None, 60)
    assert done.exit_code == 0
    assert done.stdout.total == 40_000_012
    text = done.stdout.text()
    assert len(text) < 2 * process.KEEP_BYTES + 100
    assert text.startswith("first\n") and text.endswith("\nlast\n")
    assert f"[tpulint: {40_000_012 - 2 * process.KEEP_BYTES} bytes left out here]" in text


def test_a_huge_log_file_is_read_at_its_ends_only(tmp_path: Path) -> None:
    """A compiler that leaves a 200 GiB sparse log: reading it through would take minutes."""
    log = tmp_path / "model_edgetpu.log"
    size = 200 << 30
    with log.open("wb") as file:
        file.write(b"Edge TPU Compiler version 16.0\n")
        file.truncate(size - 5)
        file.seek(0, os.SEEK_END)
        file.write(b"last\n")
    code = ("import sys; from pathlib import Path; from tpulint.verify.process import read_capped;"
            f"kept = read_capped(Path({str(log)!r})); print(kept.total, len(kept.head), "
            "kept.text().endswith('last\\n'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.split() == [str(size), str(process.KEEP_BYTES), "True"]


# 2. the whole process group, and no waiting on pipes held by others -------------------------


def test_a_helper_holding_stdout_does_not_hold_up_the_run(
        workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The stand-in leaves a process of its own session holding stdout, then compiles."""
    pid_file = workdir / "escaped.pid"
    compiler = stand_in(workdir / "bin", f"{ESCAPE} &\necho $! > {pid_file}")
    try:
        started = time.monotonic()
        code, report, _ = verify(capsys, "--compiler", str(compiler), "-t", "3", "model.tflite")
        assert time.monotonic() - started < 20  # the helper sleeps 60 s; before, verify waited
        assert code == 0
        assert report["models"][0]["summary"]["confirmed"] == 3
    finally:
        reap_later(pid_file)


def test_the_process_group_is_killed_at_the_deadline(
        workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The stand-in starts a helper in its group, holding stdout, and never returns."""
    pid_file = workdir / "helper.pid"
    compiler = stand_in(workdir / "bin", f"sleep 60 &\necho $! > {pid_file}\nsleep 60")
    started = time.monotonic()
    code, report, _ = verify(capsys, "--compiler", str(compiler), "-t", "1", "model.tflite")
    assert time.monotonic() - started < 20
    assert code == 1
    assert report["models"][0]["compiler"]["timed_out"] is True
    assert not alive(int(pid_file.read_text()))


# 3. --version inside the deadline -------------------------------------------------------------


def test_a_version_that_never_answers_stays_inside_the_deadline(
        workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The stand-in's `--version` sleeps; its compilations print no version line."""
    compiler = stand_in(workdir / "bin", "", version='case "$1" in --version) sleep 60;; esac',
                        replay=f'{REPLAYER} "$@" | grep -v "Compiler version"')
    started = time.monotonic()
    code, report, _ = verify(capsys, "--compiler", str(compiler), "-t", "2", "model.tflite")
    assert time.monotonic() - started < 15  # before: 30 s for the version, then the compile
    assert code == 0
    [entry] = report["models"]
    assert entry["compiler"]["version"] is None
    assert entry["summary"]["confirmed"] == 3


# 4. killed runs leave nothing behind ----------------------------------------------------------


def _start_verify(workdir: Path, compiler: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TMPDIR": str(workdir / "tmp")}
    return subprocess.Popen([sys.executable, "-m", "tpulint", "verify", "--isolated",
                             "--no-run", "--compiler", str(compiler), "-t", "60",
                             "model.tflite"], cwd=workdir, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_for(path: Path) -> None:
    for _ in range(600):
        if path.exists() and path.read_text().strip():
            return
        time.sleep(0.05)
    raise AssertionError(f"{path} never written")


@pytest.mark.parametrize(("signum", "exit_code"), [(signal.SIGTERM, 128 + signal.SIGTERM),
                                                     (signal.SIGINT, 130)])
def test_a_killed_verify_leaves_no_copy_behind(workdir: Path, signum: int,
                                                exit_code: int) -> None:
    pid_file = workdir / "compiler.pid"
    compiler = stand_in(workdir / "bin", f"echo $$ > {pid_file}\nexec sleep 60")
    run = _start_verify(workdir, compiler)
    _wait_for(pid_file)
    assert any((workdir / "tmp").iterdir())  # the model's copy is there while it runs
    run.send_signal(signum)
    assert run.wait(30) == exit_code
    assert list((workdir / "tmp").iterdir()) == []
    assert not alive(int(pid_file.read_text()))
    assert sorted(p.name for p in workdir.iterdir()) == ["bin", "compiler.pid", "model.tflite",
                                                         "tmp"]


def test_after_sigkill_the_next_verify_removes_the_scratch_folder(
        workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """SIGKILL cannot be caught: the folder stays, and so does the compiler, until its own
    timer (its session is its own). The next `verify` removes the folder of the dead run."""
    pid_file = workdir / "compiler.pid"
    hanging = stand_in(workdir / "hang", f"echo $$ > {pid_file}\nexec sleep 60")
    run = _start_verify(workdir, hanging)
    try:
        _wait_for(pid_file)
        run.kill()
        run.wait(30)
        [left] = (workdir / "tmp").iterdir()
        assert (left / "in" / "model.tflite").is_file()
    finally:
        reap_later(pid_file)
    code, _, _ = verify(capsys, "--compiler", str(stand_in(workdir / "bin", "")), "model.tflite")
    assert code == 0
    assert list((workdir / "tmp").iterdir()) == []


# 5. nothing compared is "not verified" -----------------------------------------------------


def _truncated(workdir: Path) -> Path:
    data = (MODELS / "hanchanghun-dummy_edgetpu.tflite").read_bytes()
    (workdir / "truncated_edgetpu.tflite").write_bytes(data[:2000])
    return workdir / "truncated_edgetpu.tflite"


@pytest.mark.parametrize(("make", "reason"), [
    (lambda w: w / "bin" / "garbage.bin", "cannot be read: "),
    (lambda w: w / "model.tflite", "holds no Edge TPU operator: it is not a compiled model"),
    (_truncated, "cannot be read: "),
])
def test_an_unusable_compiled_model_is_not_verified(
        workdir: Path, capsys: pytest.CaptureFixture[str], make: Any, reason: str) -> None:
    (workdir / "bin").mkdir()
    (workdir / "bin" / "garbage.bin").write_bytes(os.urandom(3000))
    compiled = make(workdir)
    code, report, err = verify(capsys, "--compiled", str(compiled), "model.tflite")
    assert code == 3
    [line] = err.splitlines()
    assert line.startswith(f"tpulint: model.tflite: not verified: --compiled {compiled} ")
    assert reason in line
    [entry] = report["models"]
    assert (entry["verified"], entry["not_verified"]) == (False, line.split("not verified: ")[1])
    code = main(["verify", "--isolated", "--no-run", "--color", "never", "--compiled",
                 str(compiled), "model.tflite"])
    out, _ = capsys.readouterr()
    assert code == 3
    assert "not verified: --compiled" in out
    assert "verified model" not in out  # never "no contradictions in 1 verified model"
    assert "Nothing verified: 1 model not verified" in out


def test_a_compiler_writing_garbage_has_failed(workdir: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """The stand-in replays a successful compilation, then overwrites the compiled model."""
    compiler = stand_in(workdir / "bin", "", replay=f'{REPLAYER} "$@"\n'
                        'head -c 100 /dev/urandom > "$2/model_edgetpu.tflite"')
    code, report, _ = verify(capsys, "--compiler", str(compiler), "model.tflite")
    assert code == 1
    [finding] = report["models"][0]["findings"]
    assert finding["code"] == "TPU502"
    assert finding["message"].startswith("edgetpu_compiler failed: Invalid output: the compiled "
                                         "model cannot be read: ")


def test_a_log_of_nothing_is_not_verified(workdir: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "other.log").write_text("Edge TPU Compiler version 16.0.384591198\nhello\n")
    code, report, err = verify(capsys, "--log", "other.log", "model.tflite")
    assert code == 3
    assert err == ("tpulint: model.tflite: not verified: the compiler's output places no "
                   "operator of this model\n")
    assert report["models"][0]["verified"] is False
