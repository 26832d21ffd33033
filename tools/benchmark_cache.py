"""The result cache's figures in tools/benchmark.py: a folder of real models checked without
the cache and warm, and the cost of the cache keys beside the structure's own reads."""

from __future__ import annotations

from pathlib import Path

from benchmark_runner import Runner
from benchmark_scripts import KEY_LOOP, NEEDED_LOOP, needed_gaps


def cache_figures(runner: Runner, corpus: Path, runs: int) -> dict[str, float]:
    if not corpus.is_dir():
        return {}
    files = sorted(corpus.glob("*.tflite"))
    print(f"\ncache, {len(files)} files of the corpus "
          f"({sum(f.stat().st_size for f in files) / 1e6:.0f} MB) in one process:")
    runner.once(runner.check(corpus, cache=True))  # fills the cache
    figures = runner.medians({"no cache": runner.check(corpus, cache=False),
                              "warm": runner.check(corpus, cache=True)}, max(3, runs // 2))
    print(f"  --no-cache {figures['no cache'] * 1000:.0f} ms, warm {figures['warm'] * 1000:.0f} "
          f"ms: {figures['no cache'] / figures['warm']:.1f}x")
    gaps = runner.scratch / "corpus.gaps.json"
    needed_gaps(files, gaps)
    loops = runner.loop_medians({"key": runner.script(KEY_LOOP, gaps),
                                 "structure": runner.script(NEEDED_LOOP, gaps)}, max(3, runs))
    print(f"  keys of every file {loops['key'] * 1000:.1f} ms, reading only the bytes the "
          f"structure needs {loops['structure'] * 1000:.1f} ms (in a started process): "
          f"{loops['key'] / loops['structure']:.2f}x")
    return {**figures, **loops}
