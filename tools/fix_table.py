"""Measure `tpulint fix` on the models of docs/fix.md's table and print its measured columns.

Public float, float16 and dynamic-range files from ../shared/corpus/models (no real data ships
with them: `--random-calibration --input-range=0,1 --max-samples 32`), the Keras-made models of
`tests/fix_models.py` with their own data, and MobileNetV2 from `tools/benchmark_fix.py` with
100 random samples. Each model is fixed once from a private copy, as a user runs the command;
the row gives the Edge TPU operators tpulint predicts before and after, the wall time, the CPU
time of tpulint and every process it started, the drift per output and the last line. The
load average before each run is printed: other jobs slow the wall time, not the CPU time.
This is a benchmark, not a test: it prints and exits 0.

    python tools/fix_table.py [--keep DIR] [--only NAME]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmark_fix import MAKE, cpu_seconds
from benchmark_runner import CORPUS, ROOT

RANDOM = ["--random-calibration", "--input-range=0,1", "--max-samples", "32"]

# (row name, model, source or None, data arguments); paths under "corpus:", "tests:" (made by
# tests/fix_models.py) or "mobilenet:" (made by tools/benchmark_fix.py)
ROWS = [
    ("lenet-converted_model_float", "corpus:lenet-converted_model_float.tflite", None, RANDOM),
    ("myyolov5-yolov5n-fp16", "corpus:myyolov5-yolov5n-fp16.tflite", None, RANDOM),
    ("maxwellhogan-yolov5n-fp16", "corpus:maxwellhogan-yolov5n-fp16.tflite", None, RANDOM),
    ("kudos-best_int8_8n", "corpus:kudos-best_int8_8n.tflite", None, RANDOM),
    ("benzion-yolov8n_int8", "corpus:benzion-yolov8n_int8.tflite", None, RANDOM),
    ("benzion-yolov8n_custom_int8", "corpus:benzion-yolov8n_custom_int8.tflite", None, RANDOM),
    ("old_schema_dynamic_range (tests)", "tests:old_schema_dynamic_range.tflite", None,
     ["--data", "tests:data.npy"]),
    ("net (tests), .keras", "tests:float32.tflite", "tests:net.keras",
     ["--data", "tests:data.npy"]),
    ("net (tests), SavedModel", "tests:float32.tflite", "tests:net_savedmodel",
     ["--data", "tests:data.npy"]),
    ("two_mixed (tests), .keras", "tests:two_mixed.tflite", "tests:two_mixed.keras",
     ["--data", "tests:two_mixed.npz"]),
    ("two_mixed (tests), SavedModel", "tests:two_mixed.tflite", "tests:two_mixed_savedmodel",
     ["--data", "tests:two_mixed.npz"]),
    ("MobileNetV2, float .tflite", "mobilenet:mobilenet_v2.tflite", None,
     ["--data", "mobilenet:samples.npy"]),
    ("MobileNetV2, .keras", "mobilenet:mobilenet_v2.tflite", "mobilenet:mobilenet_v2.keras",
     ["--data", "mobilenet:samples.npy"]),
    ("MobileNetV2, SavedModel", "mobilenet:mobilenet_v2.tflite",
     "mobilenet:mobilenet_v2_savedmodel", ["--data", "mobilenet:samples.npy"]),
]
MAPPED = re.compile(r"operators on the Edge TPU\s+(\d+ of \d+(?: \(rejected\))?)\s+(\d+ of \d+|-)")
DRIFT = re.compile(r"^  (\S.*?): SQNR (-?[\d.]+) dB(.*)$", re.M)


def _make(folders: dict[str, Path]) -> None:
    """The models of tests/fix_models.py and tools/benchmark_fix.py, unless already there."""
    if not (folders["tests"] / "data.npy").is_file():
        subprocess.run([sys.executable, str(ROOT / "tests" / "fix_models.py"),
                        str(folders["tests"])], check=True, capture_output=True)
    if not (folders["mobilenet"] / "samples.npy").is_file():
        folders["mobilenet"].mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-c", MAKE, str(folders["mobilenet"]), "100"],
                       check=True, capture_output=True)


def _resolve(name: str, folders: dict[str, Path], work: Path) -> str:
    """A private copy of a model or source (the command never touches its input, but a copy
    keeps the fixed models out of the shared folders); data is used in place."""
    if ":" not in name:
        return name
    kind, relative = name.split(":", 1)
    original = folders[kind] / relative
    if relative.endswith((".npy", ".npz")):
        return str(original)
    copy = work / relative
    if not copy.exists():
        (shutil.copytree if original.is_dir() else shutil.copyfile)(original, copy)
    return str(copy)


def measure(row: tuple[str, str, str | None, list[str]], folders: dict[str, Path]) -> str:
    name, model, source, data = row
    with tempfile.TemporaryDirectory(prefix="tpulint-fix-table-") as scratch:
        work = Path(scratch)
        command = [sys.executable, "-m", "tpulint", "fix", "--isolated",
                   _resolve(model, folders, work)]
        if source:
            command += ["--source", _resolve(source, folders, work)]
        command += [_resolve(item, folders, work) for item in data]
        load, cpu, started = os.getloadavg()[0], cpu_seconds(), time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        wall, cpu = time.monotonic() - started, cpu_seconds() - cpu
    mapped = MAPPED.search(done.stdout)
    before_after = f"{mapped[1]} → {mapped[2]}" if mapped else "?"
    drift = "; ".join(f"{m[1]} {m[2]} dB{m[3]}" for m in DRIFT.finditer(done.stdout)) or "-"
    wrote = [line for line in done.stdout.splitlines() if line.startswith("wrote ")]
    last = (wrote or done.stderr.strip().splitlines() or [""])[-1]
    return (f"| {name} | {before_after} | {wall:.1f} s ({cpu:.1f} s) | {drift} | "
            f"exit {done.returncode}: {last[:160]} | load {load:.1f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="make the models here and keep them")
    parser.add_argument("--only", action="append", help="rows whose name contains this")
    args = parser.parse_args(argv)
    base = args.keep or Path(tempfile.mkdtemp(prefix="tpulint-fix-table-models-"))
    folders = {"corpus": CORPUS, "tests": base / "tests", "mobilenet": base / "mobilenet"}
    _make(folders)
    print("| model | Edge TPU operators before → after | wall (CPU) time | drift per output "
          "| result | load average |")
    print("|---|---|---|---|---|---|")
    for row in ROWS:
        if args.only and not any(part in row[0] for part in args.only):
            continue
        if row[1].startswith("corpus:") and not (CORPUS / row[1][7:]).is_file():
            print(f"| {row[0]} | not measured: {CORPUS / row[1][7:]} is missing |")
            continue
        print(measure(row, folders), flush=True)
    print(f"models in {base}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
