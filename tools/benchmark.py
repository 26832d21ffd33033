"""Benchmark `tpulint check`: start-up, time per model, memory, against Python's own floor.

For the fixtures, the corpus models (../shared/corpus/models, when present), a generated typical
model (~100 operators, ~4 MB) and a generated large one (3072 operators, 127 MB, see
make_large_model.py), it prints:

- fresh process: median wall time of `tpulint check` in a new interpreter (hyperfine when
  installed, else repeated runs), and the same for `python -c pass` and for a new interpreter that
  only reads the files' bytes, as ratios;
- in process: time per model of reading and checking it (`engine.check_file`), and of reading its
  bytes;
- peak RSS of the fresh `tpulint check` process, and for the large model the bytes it read from
  disk with the file evicted from the page cache first.

Child processes may write bytecode caches (as an installed wheel has them), even when
PYTHONDONTWRITEBYTECODE is set here. This is a benchmark, not a test: it prints, the targets
included, and exits 0.

    python tools/benchmark.py [--runs 20] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import make_large_model

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "models"
TYPICAL_CORPUS = "maxwellhogan-yolov8n_full_integer_quant.tflite"
MB = 1e6
# How the child processes run: bytecode caches allowed, one BLAS thread if anything loads one.
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
ENV["OPENBLAS_NUM_THREADS"] = "1"
READ_BYTES = "import sys\nfor name in sys.argv[1:]:\n    open(name, 'rb').read()"
# `tpulint check` in process, then what the process read from disk and its memory high-water
# mark. (A child's ru_maxrss would include this benchmark's own peak, inherited across fork.)
CHECK_STATS = """
import os, re, sys
from tpulint.cli import main
main(["check", "--isolated", "--output-file", os.devnull, *sys.argv[1:]])
status = open("/proc/self/status").read()
io = open("/proc/self/io").read()
field = lambda text, key: int(re.search(key + r":\\s+(\\d+)", text).group(1))
print(field(io, "read_bytes"), field(status, "VmHWM"), field(status, "RssAnon"))
"""


# Median seconds per model of `engine.check_file` and of reading the bytes, averaged over models.
IN_PROCESS = """
import statistics, sys, time
from pathlib import Path
from tpulint.engine.config import load_settings
from tpulint.engine.check import check_file
from tpulint.engine.registry import load_registry
from tpulint.engine.selection import Selection

settings = load_settings(None, isolated=True)
rules = Selection(load_registry(), settings).enabled
repeats, paths = int(sys.argv[1]), sys.argv[2:]

def timed(work):
    medians = []
    for path in paths:
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            work(path)
            samples.append(time.perf_counter() - started)
        medians.append(statistics.median(samples))
    return sum(medians) / len(medians)

print(timed(lambda path: check_file(path, rules, settings)),
      timed(lambda path: Path(path).read_bytes()))
"""


@dataclass
class Group:
    name: str
    paths: list[Path]

    @property
    def size(self) -> int:
        return sum(p.stat().st_size for p in self.paths)


@dataclass
class Row:
    group: Group
    check_s: float
    read_s: float
    peak_rss_mb: float
    private_mb: float
    in_process_s: float
    in_process_read_s: float


def fresh(command: Sequence[str], runs: int) -> float:
    """Median wall time of `command` in seconds, each run a new process."""
    hyperfine = shutil.which("hyperfine")
    if hyperfine:
        with tempfile.NamedTemporaryFile(suffix=".json") as report:
            subprocess.run([hyperfine, "-N", "-i", "--style", "none", "--warmup", "3",
                            "--runs", str(runs), "--export-json", report.name,
                            subprocess.list2cmdline(command)],
                           env=ENV, check=True, capture_output=True)
            result = json.loads(Path(report.name).read_text())["results"][0]
        return float(result["median"])
    for _ in range(3):
        subprocess.run(command, env=ENV, capture_output=True, check=False)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=ENV, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def check_stats(paths: list[Path], evict: bool = False) -> tuple[float, float, float]:
    """MB read from disk, peak RSS and private RSS (MB) of a process checking `paths`; with
    `evict`, the files are dropped from the page cache first."""
    for path in paths if evict else []:
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(descriptor)
    done = subprocess.run([sys.executable, "-c", CHECK_STATS, *map(str, paths)], env=ENV,
                          capture_output=True, text=True, check=True)
    read_bytes, peak_kb, anon_kb = (int(x) for x in done.stdout.split())
    return read_bytes / MB, peak_kb * 1024 / MB, anon_kb * 1024 / MB


def in_process(paths: list[Path], repeats: int = 5) -> tuple[float, float]:
    """Seconds per model to read and check it, and to read its bytes, in a tpulint process
    (a child, so this benchmark's own state does not weigh on it)."""
    done = subprocess.run([sys.executable, "-c", IN_PROCESS, str(repeats), *map(str, paths)],
                          env=ENV, capture_output=True, text=True, check=True)
    check_s, read_s = (float(x) for x in done.stdout.split())
    return check_s, read_s


def measure(group: Group, runs: int) -> Row:
    files = [str(p) for p in group.paths]
    check = [sys.executable, "-m", "tpulint", "check", "--isolated", *files]
    per_model, per_read = in_process(group.paths)
    _read, peak, private = check_stats(group.paths)
    return Row(group=group, check_s=fresh(check, runs),
               read_s=fresh([sys.executable, "-c", READ_BYTES, *files], runs),
               peak_rss_mb=peak, private_mb=private, in_process_s=per_model,
               in_process_read_s=per_read)


def groups(workdir: Path) -> list[Group]:
    found = [Group("fixtures", sorted(ROOT.glob("fixtures/**/*.tflite")))]
    typical = workdir / "typical.tflite"
    typical.write_bytes(make_large_model.build(blocks=34, channels=320))
    found.append(Group("generated typical", [typical]))
    if CORPUS.is_dir():
        found.append(Group("corpus", sorted(CORPUS.glob("*.tflite"))))
        if (CORPUS / TYPICAL_CORPUS).is_file():
            found.append(Group("corpus yolov8n", [CORPUS / TYPICAL_CORPUS]))
    else:
        print(f"(no corpus at {CORPUS}: skipped)")
    large = workdir / "large.tflite"
    large.write_bytes(make_large_model.build(blocks=1024, channels=320))
    found.append(Group("generated large", [large]))
    return found


def _operators(paths: list[Path]) -> int:
    from tpulint.reader import ModelReadError, read_model

    total = 0
    for path in paths:
        try:
            total += sum(len(sg.operators) for sg in read_model(path).subgraphs)
        except ModelReadError:
            continue
    return total


def report(rows: list[Row], baseline_s: float) -> None:
    header = (f"{'models':<20} {'files':>5} {'ops':>6} {'MB':>7} | {'check':>8} {'xpass':>6} "
              f"{'xread':>6} | {'per model':>9} {'xread':>7} | {'peak RSS':>8} {'private':>7}")
    print(f"\npython -c pass, fresh process: {baseline_s * 1000:.1f} ms (median)\n")
    print(header)
    print("-" * len(header))
    for row in rows:
        g = row.group
        print(f"{g.name:<20} {len(g.paths):>5} {_operators(g.paths):>6} {g.size / MB:>7.1f} | "
              f"{row.check_s * 1000:>6.0f}ms {row.check_s / baseline_s:>6.1f} "
              f"{row.check_s / row.read_s:>6.1f} | {row.in_process_s * 1000:>7.1f}ms "
              f"{row.in_process_s / row.in_process_read_s:>7.0f} | "
              f"{row.peak_rss_mb:>6.0f}MB {row.private_mb:>5.0f}MB")
    print("\ncheck: `tpulint check` of all the group's files in one fresh process (median);"
          "\nxpass, xread: that time over `python -c pass` and over a fresh process reading"
          " the same files;\nper model: read + analyses + rules in process (mean of medians);"
          " xread: over reading the bytes;\npeak RSS: the check process's high-water mark,"
          " with the page-cache pages of mapped files;\nprivate: its own memory at the end"
          " (RssAnon).")


def targets(rows: list[Row], baseline_s: float, cold: tuple[float, float, float]) -> None:
    by_name = {row.group.name: row for row in rows}
    large = by_name["generated large"]
    size_mb = large.group.size / MB
    read_mb, peak_mb, anon_mb = cold
    checks = [
        (f"typical model ({row.group.name}) <= 10x python -c pass",
         row.check_s / baseline_s <= 10, f"{row.check_s / baseline_s:.1f}x")
        for row in rows if row.group.name in ("generated typical", "corpus yolov8n")
    ]
    checks += [
        ("large model checked in <= 1 s end to end", large.check_s <= 1.0,
         f"{large.check_s:.2f} s"),
        ("large model: weights not read (private memory and cold-cache disk reads each under a"
         " quarter of the file)", max(large.private_mb, read_mb) < size_mb / 4,
         f"{large.private_mb:.0f} MB private, {read_mb:.0f} MB read, {size_mb:.0f} MB file"),
    ]
    print(f"\nlarge model from a cold page cache: read {read_mb:.0f} of {size_mb:.0f} MB from "
          f"disk, peak RSS {peak_mb:.0f} MB of which {anon_mb:.0f} MB private")
    print("\ntargets:")
    for text, met, value in checks:
        print(f"  {'met ' if met else 'MISSED'}  {text}: {value}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="fresh-process runs per figure")
    parser.add_argument("--keep", type=Path, help="write the generated models here and keep them")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tpulint-bench-") as scratch:
        workdir = args.keep or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        found = groups(workdir)
        baseline = fresh([sys.executable, "-c", "pass"], args.runs)
        rows = [measure(group, args.runs if group.size < 50 * MB else max(5, args.runs // 4))
                for group in found]
        cold = check_stats(found[-1].paths, evict=True)
        report(rows, baseline)
        targets(rows, baseline, cold)
    return 0


if __name__ == "__main__":
    sys.exit(main())
