"""Measure `tpulint verify` against hostile stand-in compilers: peak memory and time to return.

    python tools/benchmark_verify.py [--stderr-mib 1024]

Each case runs `tpulint verify` in a fresh process against a stand-in compiler (a shell script,
not the real `edgetpu_compiler`) that misbehaves and then replays the recorded compilation of
tests/data/verify/models/hanchanghun-dummy.tflite:

- flood: prints `--stderr-mib` MiB on stderr before compiling;
- escaped helper: leaves a process of its own session holding stdout for 60 s (`-t 3`);
- hanging group: never returns, with a helper in its group (`-t 3`);
- silent --version: `--version` sleeps 60 s and the compilation prints no version (`-t 3`).

Prints wall time and the peak resident memory of tpulint and its compilers (`ru_maxrss` of the
children: the largest single process).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPLAY = ROOT / "tests" / "verify_replay"
MODEL = ROOT / "tests" / "data" / "verify" / "models" / "hanchanghun-dummy.tflite"
REPLAYER = f'"{sys.executable}" "{REPLAY / "fake_edgetpu_compiler.py"}"'


def cases(stderr_mib: int) -> dict[str, tuple[str, list[str]]]:
    escape = f'"{sys.executable}" -c "import os, time; os.setsid(); time.sleep(60)" &'
    return {
        f"flood: {stderr_mib} MiB on stderr": (
            f"head -c {stderr_mib * 2**20} /dev/zero | tr '\\0' 'x' >&2\n"
            f'exec {REPLAYER} "$@"', []),
        "escaped helper holding stdout, -t 3": (f'{escape}\nexec {REPLAYER} "$@"', ["-t", "3"]),
        "hanging compiler and helper, -t 3": ("sleep 60 &\nsleep 60", ["-t", "3"]),
        "silent --version, -t 3": ('case "$1" in --version) sleep 60;; esac\n'
                                   f'{REPLAYER} "$@" | grep -v "Compiler version"', ["-t", "3"]),
    }


def measure(body: str, extra: list[str], folder: Path) -> tuple[float, int, int]:
    compiler = folder / "edgetpu_compiler"
    compiler.write_text(f"#!/bin/sh\n{body}\n")
    compiler.chmod(0o755)
    env = {**os.environ, "TPULINT_REPLAY": str(REPLAY / "recordings" / "hanchanghun-dummy.json")}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "tpulint", "verify", "--isolated", "--no-run",
                           "--compiler", str(compiler), *extra, str(folder / MODEL.name)],
                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          check=False, timeout=600)
    seconds = time.monotonic() - started
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stderr-mib", type=int, default=1024)
    args = parser.parse_args()
    for name, (body, extra) in cases(args.stderr_mib).items():
        with tempfile.TemporaryDirectory() as folder:
            shutil.copyfile(MODEL, Path(folder) / MODEL.name)
            seconds, peak_kib, code = measure(body, extra, Path(folder))
        # ru_maxrss only grows: the flood case runs first, so later figures are bounded by it
        print(f"{name:45} exit {code}  {seconds:6.1f} s  peak so far {peak_kib / 1024:7.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
