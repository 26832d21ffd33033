"""Peak memory of `tpulint check` on hostile inputs, beside normal models: the figures behind the
bound in docs/performance.md (peak RSS <= k x file size + C).

Each input is checked in a fresh process (`--format json`, the largest report, to /dev/null),
three ways: `--no-cache`; with an empty cache folder (the run hashes the bytes and stores the
entry); and again with that cache (the run reads the entry). The peak is the process's maximum
resident set (`ru_maxrss` from `wait4`), which counts page-cache pages of the model mapped into it
as well as what tpulint allocates; nothing is assumed about how the model is read.

Inputs: the worst-case sizes of every generator of tools/hostile_models.py (valid flatbuffers
built to multiply work and memory), a model padded past the mapping threshold, a file of zeros,
links to /dev/zero, a FIFO; and for reference real converter outputs (the fixtures) and generated
models of 1,000 and 10,000 operators (tools/make_large_model.py).

C is the largest peak on an input below 100 kB (the interpreter, tpulint's modules and the
rules); k is the largest (peak - C) / size over every input of at least 100 kB.

    python tools/hostile_memory.py [--quick] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import hostile_models
import make_large_model

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = [ROOT / "fixtures" / "TPU102" / "good_int8.tflite",
            ROOT / "fixtures" / "TPU101" / "bad_float_op_inside.tflite",
            ROOT / "fixtures" / "TPU001" / "bad_compiled.tflite"]
SMALL = 100_000  # bytes: inputs below this size measure the constant C
MODES = ("--no-cache", "cache, empty", "cache, warm")
TIME = "/usr/bin/time"  # GNU time


def inputs(folder: Path, quick: bool) -> list[tuple[str, str, Path]]:
    """(kind, name, path) of every input, written into `folder`."""
    made: list[tuple[str, str, Path]] = []

    def add(kind: str, name: str, build: Callable[[], bytes]) -> None:
        path = folder / f"{name}.tflite"
        path.write_bytes(build())
        made.append((kind, name, path))

    for fixture in FIXTURES:
        made.append(("normal", fixture.stem, fixture))
    add("normal", "series-1000-ops", lambda: make_large_model.build(333, channels=8))
    if not quick:
        add("normal", "series-10000-ops", lambda: make_large_model.build(3333, channels=8))
    for name, (small, large) in sorted(hostile_models.GENERATORS.items()):
        add("hostile", f"{name}-small", small)
        add("hostile", f"{name}-worst", large)
    good = FIXTURES[0].read_bytes()
    add("hostile", "padded-past-1MiB", lambda: good + bytes(2 << 20))
    add("hostile", "padded-64MiB", lambda: good + bytes(64 << 20))
    add("hostile", "zeros-16MiB", lambda: bytes(16 << 20))
    for device in ("/dev/zero", "/dev/urandom"):
        link = folder / f"link-to-{device[5:]}.tflite"
        link.symlink_to(device)
        made.append(("hostile", link.stem, link))
    fifo = folder / "fifo.tflite"
    os.mkfifo(fifo)
    made.append(("hostile", "fifo", fifo))
    return made


def peak(path: Path, mode: str, cache: Path, timeout: float) -> tuple[float, float, int | str]:
    """(peak RSS in MB, seconds, exit code or 'killed') of one fresh `tpulint check`.

    The peak comes from GNU time, a small process: a child forked from this one (which holds
    the generated models) would report this process's resident set as its own high-water mark.
    """
    command = [sys.executable, "-m", "tpulint", "check", "--isolated", "--format", "json"]
    if mode == "--no-cache":
        command.append("--no-cache")
    env = {**os.environ, "TPULINT_CACHE_DIR": str(cache)}
    figures = cache.parent / "time.txt"
    started = time.monotonic()
    try:
        done = subprocess.run([TIME, "-f", "%M", "-o", str(figures), *command, str(path)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                              stdin=subprocess.DEVNULL, cwd=cache.parent, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        return float("nan"), time.monotonic() - started, "killed"
    seconds = time.monotonic() - started
    kilobytes = figures.read_text().split()[-1]
    return int(kilobytes) / 1024, seconds, done.returncode


def size_of(path: Path) -> int:
    return path.stat().st_size if path.is_file() else 0


Row = tuple[str, str, int, list[tuple[float, float, int | str]]]  # kind, name, size, figures


def fit(rows: list[Row]) -> tuple[float, float, str]:
    """C, k and the input that sets k, of the bound peak RSS <= k x size + C."""
    small = [max(rss for rss, _s, _c in figures) for _k, _n, size, figures in rows
             if size < SMALL]
    constant = max(small)
    slopes = [((max(rss for rss, _s, _c in figures) - constant) * 2**20 / size, name)
              for _k, name, size, figures in rows if size >= SMALL]
    k, worst = max(slopes)
    return constant, k, worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="leave out the 10,000-operator model")
    parser.add_argument("--keep", type=Path, help="write the inputs here and keep them")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per run")
    args = parser.parse_args(argv)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="tpulint-memory-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        rows: list[Row] = []
        for kind, name, path in inputs(folder, args.quick):
            cache = folder / f"cache-{name}"
            figures = [peak(path, mode, cache, args.timeout) for mode in MODES]
            shutil.rmtree(cache, ignore_errors=True)
            rows.append((kind, name, size_of(path), figures))
            cells = "  ".join(f"{rss:7.1f} MB {seconds:5.1f} s exit {code!s:6}"
                              for rss, seconds, code in figures)
            print(f"{kind:8} {name:28} {size_of(path) / 2**20:8.2f} MB  {cells}", flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    constant, k, worst = fit(rows)
    largest = max(max(rss for rss, _s, _c in figures) for *_x, figures in rows)
    print(f"\nmodes: {', '.join(MODES)}\n"
          f"C = {constant:.1f} MB (largest peak on an input under {SMALL:,} bytes)\n"
          f"k = {k:.2f} (largest (peak - C) / size, on {worst})\n"
          f"largest peak: {largest:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
