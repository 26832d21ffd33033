"""A converter that really dies or refuses the source: one line, exit 1, nothing left behind.

`tpulint fix --source net_savedmodel` runs the conversion worker, which runs the TensorFlow
converter in a process of its own. The test sends a real SIGSEGV to one of them while it works
(core dumps off), as a converter that crashes on a model would, and checks what the user sees:
one line naming the source, how the process died and the likely cause, exit code 1, no
scratch folder, no converter process left running and no output file. A source with an
operator TensorFlow Lite has no builtin for makes the real converter refuse it: the line gives
the converter's own words without its source locations, and the likely cause.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

MODULES = {"converter": "tpulint.fix.tfconvert", "worker": "tpulint.fix.worker"}


def _children(pid: int) -> dict[int, str]:
    """Every live descendant of `pid`, with its command line."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            commands[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ") \
                .decode(errors="replace")
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in found:
                found[child] = commands.get(child, "")
                frontier.append(child)
    return found


def _no_core_dumps() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@pytest.mark.convert
@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="finds processes in /proc")
@pytest.mark.parametrize("victim", ["converter", "worker"])
def test_a_converter_that_dies_is_one_line_exit_1_and_leaves_nothing(work: Path,
                                                                     victim: str) -> None:
    scratch = work / "tmp"
    source = work / "net_savedmodel"
    process = subprocess.Popen(
        [sys.executable, "-m", "tpulint", "fix", "--isolated", str(work / "float32.tflite"),
         "--source", str(source), "--data", str(work / "data.npy")],
        env={**os.environ, "TMPDIR": str(scratch)}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, preexec_fn=_no_core_dumps)
    target = None
    deadline = time.monotonic() + 120
    while target is None and time.monotonic() < deadline and process.poll() is None:
        target = next((pid for pid, command in _children(process.pid).items()
                       if MODULES[victim] in command), None)
        time.sleep(0.05)
    assert target is not None, f"no {victim} process appeared"
    others = set(_children(process.pid)) - {target}
    os.kill(target, signal.SIGSEGV)
    out, err = process.communicate(timeout=300)

    assert process.returncode == 1, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith(f"tpulint: fix failed: could not convert {source}: "), line
    assert "the converter process died (signal 11)" in line, line
    assert "segmentation fault" in line and "Traceback" not in err, line
    deadline = time.monotonic() + 60
    while any(Path(f"/proc/{pid}").exists() for pid in others) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in others if Path(f"/proc/{pid}").exists()], "a process lived on"
    assert not list(scratch.iterdir())
    assert not (work / "float32.fixed.tflite").exists()
    assert not list(work.glob(".*.tmp"))


@pytest.mark.convert
def test_a_source_the_converter_refuses_is_its_own_words_in_one_line(work: Path) -> None:
    scratch = work / "tmp"
    source = work / "inverse_savedmodel"
    done = subprocess.run(
        [sys.executable, "-m", "tpulint", "fix", "--isolated", str(work / "float32.tflite"),
         "--source", str(source), "--data", str(work / "data.npy")],
        env={**os.environ, "TMPDIR": str(scratch)}, capture_output=True, text=True,
        timeout=300, check=False)

    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith(f"tpulint: fix failed: could not convert {source}: "
                               "ConverterError: "), lines[0]
    assert "'tf.MatrixInverse' op is neither a custom op nor a flex op" in lines[0], lines[0]
    assert "loc(" not in lines[0] and "<unknown>" not in lines[0], lines[0]
    assert "no builtin operator for it" in lines[0], lines[0]
    assert not list(scratch.iterdir())
    assert not (work / "float32.fixed.tflite").exists()
