"""Failures a user or a file can cause are one line and the exit code of their kind, never an
"internal error": names too long for the system, a full device behind stdout or an output
file, a directory, a link loop or a folder no one may write where a file is to be written.

Each case runs the real command in a subprocess, so stdout really is `/dev/full`.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import GOOD

from tpulint.exitcodes import EXIT_INPUT, EXIT_USAGE

LONG = "a" * 300  # longer than any file system's 255-byte name limit


def _full_device() -> bool:
    try:
        return stat.S_ISCHR(Path("/dev/full").stat().st_mode)
    except OSError:
        return False


needs_full = pytest.mark.skipif(not _full_device(), reason="no /dev/full on this system")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copyfile(GOOD, tmp_path / "good.tflite")
    (tmp_path / "folder").mkdir()
    (tmp_path / "loop").symlink_to("loop")
    return tmp_path


def tpulint(folder: Path, *args: str, stdout: str | None = None,
            prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    with open(stdout or os.devnull, "w", encoding="utf-8") as out:  # noqa: PTH123
        return subprocess.run([*prefix, sys.executable, "-m", "tpulint", *args], cwd=folder,
                              stdout=out, stderr=subprocess.PIPE, text=True, check=False,
                              env={**os.environ, "TPULINT_CACHE_DIR": str(folder / "cache")})


def one_line(done: subprocess.CompletedProcess[str], code: int, words: str) -> None:
    assert done.returncode == code, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "internal error" not in lines[0], done.stderr
    assert words in lines[0]


@pytest.mark.parametrize("name", [f"{LONG}.tflite", f"folder/{LONG}/model.tflite"])
def test_a_model_name_too_long_is_bad_input(name: str, folder: Path) -> None:
    done = tpulint(folder, "check", name, "good.tflite")
    assert done.returncode == EXIT_INPUT
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "File name too long" in lines[0], done.stderr


@needs_full
@pytest.mark.parametrize("args", [["check", "good.tflite"],
                                  ["check", "good.tflite", "--format", "json"],
                                  ["rules"], ["rule", "TPU201"], ["--version"], ["--help"],
                                  ["check", "--help"],
                                  ["check", "good.tflite", "--show-settings"]])
def test_stdout_on_a_full_device_is_an_error(args: list[str], folder: Path) -> None:
    done = tpulint(folder, *args, stdout="/dev/full")
    one_line(done, EXIT_USAGE, "cannot write to standard output: No space left on device")


@pytest.mark.parametrize(("target", "words"), [
    ("/dev/full", "No space left on device"),
    ("folder", "Is a directory"),
    ("loop", "Too many levels of symbolic links"),
    (f"{LONG}.json", "File name too long"),
    ("good.tflite/report.json", "cannot write good.tflite/report.json"),
])
def test_an_output_file_that_cannot_be_written_is_an_error(target: str, words: str,
                                                           folder: Path) -> None:
    if target == "/dev/full" and not _full_device():
        pytest.skip("no /dev/full on this system")
    one_line(tpulint(folder, "check", "good.tflite", "-o", target), EXIT_USAGE, words)


def test_an_output_folder_without_write_permission_is_an_error(folder: Path) -> None:
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:  # root writes anywhere unless it gives up that capability
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: root may write to any folder")
        caps = "-dac_override,-dac_read_search"
        prefix = (setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}")
    locked = folder / "locked"
    locked.mkdir()
    (folder / "cache").mkdir(mode=0o700)
    locked.chmod(0o555)
    try:
        done = tpulint(folder, "check", "good.tflite", "-o", "locked/report.json",
                       prefix=prefix)
    finally:
        locked.chmod(0o755)
    one_line(done, EXIT_USAGE, "Permission denied")
    assert list(locked.iterdir()) == []


@pytest.mark.parametrize(("target", "words"), [("/dev/full", "not a regular file"),
                                               ("folder", "is a directory"),
                                               (f"{LONG}.json", "File name too long")])
def test_a_baseline_is_written_only_to_a_regular_file(target: str, words: str,
                                                      folder: Path) -> None:
    if target == "/dev/full" and not _full_device():
        pytest.skip("no /dev/full on this system")
    done = tpulint(folder, "check", "good.tflite", "--write-baseline", target)
    one_line(done, EXIT_USAGE, words)
    assert _full_device() or target != "/dev/full"  # the device is still a device


def test_a_configuration_name_too_long_is_an_error(folder: Path) -> None:
    one_line(tpulint(folder, "check", "good.tflite", "--config", f"{LONG}.toml"), EXIT_USAGE,
             "File name too long")
    # a KEY=VALUE whose value is longer than a file name is a setting, not a file
    one_line(tpulint(folder, "check", "good.tflite", "--config", f'select = ["{LONG}"]'),
             EXIT_USAGE, "unknown")


def test_a_configuration_behind_a_link_loop_is_an_error(folder: Path) -> None:
    words = "cannot read: Too many levels of symbolic links"
    one_line(tpulint(folder, "check", "good.tflite", "--config", "loop"), EXIT_USAGE, words)
    (folder / "tpulint.toml").write_text('extend = "loop"\n', encoding="utf-8")
    one_line(tpulint(folder, "check", "good.tflite"), EXIT_USAGE, words)
