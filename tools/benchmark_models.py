"""Model rows of tools/benchmark.py: `tpulint check` beside its references on one model, and
the scaling series of generated models from 10 to 100,000 operators."""

from __future__ import annotations

from pathlib import Path

import make_large_model
from benchmark_runner import Runner
from benchmark_scripts import LITERT, READ_NEEDED, TFLITE_WALK, needed_gaps, operators

SERIES = (10, 100, 1_000, 10_000, 100_000)  # operators (3 a block, so one less at most)
SERIES_CHANNELS = 8
LARGE = (1068, 332)  # blocks and channels: 3,204 operators, ~141 MB

HEADER = (f"{'model':<14} {'ops':>7} {'MB':>7} | {'check ms':>8} {'pass':>6} {'ratio':>6} | "
          f"{'needed':>6} {'ratio':>6} | {'LiteRT':>7} {'ratio':>6} | {'tflite':>7} {'ratio':>6}")
FRESH = ("tpulint check", "LiteRT details", "tflite walk")
SERIES_HEADER = (f"{'model':<14} {'ops':>7} | {'CPU, in process':>15} {'us/op':>6} "
                 f"{'marginal':>8} | fresh processes, us/op and marginal: {'check':>6} "
                 f"{'':>6} {'LiteRT':>7} {'':>6} {'tflite':>7} {'':>6}")

Figures = dict[str, float]


def compare(runner: Runner, name: str, path: Path, runs: int, warmup: int = 1) -> Figures:
    """The check and its references on `path`, interleaved; prints one row."""
    gaps = runner.scratch / f"{path.stem}.gaps.json"
    needed_gaps([path], gaps)
    figures = runner.medians({
        "python -c pass": runner.script("pass"),
        "tpulint check": runner.check(path),
        "needed bytes": runner.script(READ_NEEDED, gaps),
        "LiteRT details": runner.script(LITERT, path),
        "tflite walk": runner.script(TFLITE_WALK, path),
    }, runs, warmup)
    check, floor = figures["tpulint check"], figures["python -c pass"]
    size = path.stat().st_size / 1e6
    print(f"{name:<14} {operators(path):>7} {size:>7.1f} | {check * 1000:>8.0f} "
          f"{floor * 1000:>6.1f} {check / floor:>5.1f}x | "
          f"{figures['needed bytes'] * 1000:>6.0f} {check / figures['needed bytes']:>5.2f}x | "
          f"{figures['LiteRT details'] * 1000:>7.0f} {check / figures['LiteRT details']:>5.2f}x | "
          f"{figures['tflite walk'] * 1000:>7.0f} {check / figures['tflite walk']:>5.2f}x",
          flush=True)
    return figures


def generated(workdir: Path, blocks: int, channels: int) -> Path:
    path = workdir / f"chain_{blocks}x{channels}.tflite"
    if not path.is_file():
        path.write_bytes(make_large_model.build(blocks=blocks, channels=channels))
    return path


def series(runner: Runner, workdir: Path, runs: int, sizes: tuple[int, ...]
           ) -> tuple[dict[str, tuple[Figures, int]], list[float]]:
    """The scaling series: rows as `compare`, then the cost per operator of each size (in a
    started process, and of the fresh processes beside LiteRT's and the tflite walk's), and the
    marginal cost per operator from the size before: (t(n) - t(m)) / (n - m), which a fixed
    cost per model does not change. Returns the rows and the marginal costs (us)."""
    results: dict[str, tuple[Figures, int]] = {}
    rows = []
    for target in sizes:
        path = generated(workdir, max(1, target // 3), SERIES_CHANNELS)
        # Past 10,000 operators each process takes tens of seconds: one round, no warm-up.
        rounds, warmup = (runs, 1) if target <= 1_000 else (3, 1) if target <= 10_000 else (1, 0)
        figures = compare(runner, f"{target:,} ops", path, rounds, warmup)
        count = operators(path)
        results[f"{target} ops"] = (figures, count)
        inside = runner.in_process(path, 9 if target <= 10_000 else 1)
        rows.append((target, count, inside, figures))
    print(f"\ncost per operator (C = {SERIES_CHANNELS}): read, check and JSON report; total / "
          "operators, and marginal: the\nslope from the size before, (t(n) - t(m)) / (n - m), "
          "in us per operator\n" + SERIES_HEADER + "\n" + "-" * len(SERIES_HEADER))
    marginal: list[float] = []
    before: tuple[int, float, Figures] | None = None
    for target, count, inside, figures in rows:
        fresh = [figures[name] / count * 1e6 for name in FRESH]
        slopes = ["", "", "", ""]
        if before is not None:
            added = count - before[0]
            inside_slope = (inside - before[1]) / added * 1e6
            marginal.append(inside_slope)
            slopes = [f"{inside_slope:.1f}",
                      *(f"{(figures[name] - before[2][name]) / added * 1e6:.0f}"
                        for name in FRESH)]
        in_process = f"{inside * 1000:>15.1f} {inside / count * 1e6:>6.1f} {slopes[0]:>8}"
        processes = (f"{fresh[0]:>6.0f} {slopes[1]:>6} {fresh[1]:>7.0f} {slopes[2]:>6} "
                     f"{fresh[2]:>7.0f} {slopes[3]:>6}")
        print(f"{f'{target:,} ops':<14} {count:>7} | {in_process} | {'':>37}{processes}",
              flush=True)
        before = (count, inside, figures)
    return results, marginal
