"""`tpulint fix` failures that stop before any conversion: one line, the file named, its exit code.

A compiled model, a SavedModel given as MODEL, and output paths that cannot take the fixed model
(a missing or read-only folder, a directory, a device, a symbolic link). None of them starts the
converter, so they take no TensorFlow time; the float model comes from `tests/fix_models.py`.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
from pathlib import Path

import pytest
from fix_checks import fix

from tpulint.fix import output

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "internal error" not in err
    return lines[0]


def test_a_compiled_model_is_not_fixed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "m_edgetpu.tflite"
    shutil.copyfile(FIXTURES / "TPU001/bad_compiled.tflite", model)
    code, _, err = fix([str(model), "--random-calibration"], capsys)
    assert code == 1
    line = one_line(err)
    assert str(model) in line and "fix the model you give to the compiler" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m_edgetpu.tflite"]


def test_a_savedmodel_given_as_model_says_to_pass_source(
        work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = fix([str(work / "net_savedmodel"), "--data", str(work / "data.npy")], capsys)
    assert code == 3
    line = one_line(err)
    assert "a SavedModel folder" in line and f"--source {work / 'net_savedmodel'}" in line
    code, _, err = fix([str(work / "net.keras"), "--data", str(work / "data.npy")], capsys)
    assert code == 3 and "a Keras model" in one_line(err)


def unwritable(tmp_path: Path) -> list[tuple[str, str]]:
    """(output path, what the message says) for outputs that cannot be written."""
    folder = tmp_path / "folder"
    folder.mkdir()
    link = tmp_path / "link.tflite"
    link.symlink_to(tmp_path / "elsewhere.tflite")
    cases = [(str(tmp_path / "missing" / "out.tflite"), "does not exist"),
             (str(folder), "the output is a directory"),
             (str(link), "the output is a symbolic link"),
             ("/dev/full", "the output is a device or special file")]
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
        cases.append((str(locked / "out.tflite"), "permission denied"))
    return cases


@pytest.mark.skipif(sys.platform != "linux", reason="/dev/full is Linux's")
def test_an_output_that_cannot_be_written_stops_before_converting(
        work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for target, message in unwritable(work):
        code, out, err = fix([str(work / "float32.tflite"), "--data", str(work / "data.npy"),
                              "-o", target], capsys)
        assert code == 2, (target, err)
        line = one_line(err)
        assert target in line and message in line, line
        assert "converting" not in out
    assert stat.S_ISCHR(Path("/dev/full").stat().st_mode)
    assert (work / "link.tflite").is_symlink() and not (work / "elsewhere.tflite").exists()
    assert not list(work.glob("**/.*.tmp"))


def test_install_replaces_a_regular_file_atomically_and_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "out.tflite"
    target.write_bytes(b"old")
    output.install(b"new model", str(target))
    assert target.read_bytes() == b"new model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.tflite"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~_umask()
    (tmp_path / "dir.tflite").mkdir()
    with pytest.raises(output.OutputError, match="directory"):
        output.install(b"x", str(tmp_path / "dir.tflite"))
    assert (tmp_path / "dir.tflite").is_dir()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_the_plan_leaves_out_what_reconversion_removes(
        work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A float16 model's weight DEQUANTIZE operators (TPU303) and the operators they feed
    # (TPU304) go away when fix widens the weights: nothing for the user to change.
    code, out, _ = fix([str(work / "float16.tflite"), "--diff"], capsys)
    assert code == 0
    assert "quantization = int8 [TPU103]" in out and "manual" not in out
    from tpulint.cli import main

    main(["check", "--format", "concise", "--isolated", str(work / "float16.tflite")])
    found = capsys.readouterr().out
    # check does not blame the float16 weights either: TPU103 is the one cause it reports
    assert "TPU103" in found and "TPU303" not in found and "TPU304" not in found


@pytest.mark.convert
@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_a_killed_fix_leaves_no_scratch_folder_or_temporary_file(work: Path, how: str) -> None:
    import signal
    import subprocess
    import time

    scratch = work / "tmp"
    env = {**os.environ, "TMPDIR": str(scratch)}
    process = subprocess.Popen([sys.executable, "-m", "tpulint", "fix", "--isolated",
                                str(work / "float32.tflite"), "--data", str(work / "data.npy")],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(scratch.glob("tpulint-fix-*/request.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(scratch.glob("tpulint-fix-*")), "the worker never started"
    process.send_signal(getattr(signal, how))
    code = process.wait(30)
    assert code == (128 + signal.SIGTERM if how == "SIGTERM" else -signal.SIGKILL)
    # After SIGKILL the worker removes the folder itself when the kernel tells it tpulint died:
    # at its next Python step, which a long converter call can hold back on a loaded machine.
    deadline = time.monotonic() + 180
    while list(scratch.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not list(scratch.iterdir())
    assert not list(work.glob(".*.tmp")) and not (work / "float32.fixed.tflite").exists()
