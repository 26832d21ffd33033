"""Benchmark `tpulint check` against Python's floor and against the other ways to read a model.

Every figure is the median wall time of fresh processes, and the commands compared are run in
turn, round after round (interleaved), so load from other work on the machine weighs on all of
them alike. Printed, each beside its references:

- start-up: `python -c pass`, `tpulint --version`, `tpulint rules`;
- Coral-size corpus models (MobileNetV2, YOLOv8n, from ../shared/corpus/models when present) and
  a generated large one (3,204 operators, ~140 MB): `tpulint check --no-cache --format json`
  (report rendering included), a process that only reads the bytes tpulint needs (every byte
  but the constant buffers' payloads), LiteRT's interpreter details (`Interpreter(...)`,
  `get_tensor_details()`, `_get_ops_details()`), and a walk of every operator, tensor and
  quantization vector with the `tflite` package;
- a scaling series from 10 to 100,000 operators made by make_large_model.py: the same figures,
  and the time per operator of reading, checking and rendering in an already started process;
- the result cache on a folder of real models: `--no-cache`, then warm; and the cost of the
  cache keys beside a read of only the bytes the structure needs, in a started process.

The checks run without the cache (`--no-cache`) unless `--cache` is given. The children run in a
scratch directory with PYTHONSAFEPATH set, so a checkout's `tpulint/` never shadows the installed
package, whichever directory this is started from. `--python` measures another interpreter (a
virtual environment with tpulint installed from its wheel: an editable install's import hook
costs every start-up, `python -c pass` included, about 20 ms itself). This is a benchmark, not a
test: it prints, the targets included, and exits 0.

    python tools/benchmark.py [--runs 11] [--python PATH] [--keep DIR] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import make_large_model

ROOT = Path(__file__).resolve().parents[1]
# ../shared beside the checkout, or beside the directory holding worktrees of it
CORPUS = next((base / "shared" / "corpus" / "models" for base in ROOT.parents[:2]
               if (base / "shared" / "corpus" / "models").is_dir()),
              ROOT.parent / "shared" / "corpus" / "models")
CORAL = {"MobileNetV2": "et-mobilenet_v2_1.0_224_quant.tflite",
         "YOLOv8n": "maxwellhogan-yolov8n_full_integer_quant.tflite"}
SERIES = (10, 100, 1_000, 10_000, 100_000)  # operators (3 a block, so one less at most)
LARGE_BLOCKS, LARGE_CHANNELS = 1068, 332  # 3,204 operators, ~141 MB
SERIES_CHANNELS = 8

# A process that reads what tpulint reads: every byte but the constant payloads (argv: a JSON
# file of [path, [[start, end], ...]] gaps between payloads).
READ_NEEDED = """
import json, os, sys
for path, gaps in json.load(open(sys.argv[1])):
    fd = os.open(path, os.O_RDONLY)
    for start, end in gaps:
        os.pread(fd, end - start, start)
    os.close(fd)
"""
LITERT = """
import sys
from ai_edge_litert.interpreter import Interpreter
for path in sys.argv[1:]:
    interpreter = Interpreter(model_path=path)
    interpreter.get_tensor_details()
    interpreter._get_ops_details()
"""
TFLITE_WALK = """
import sys
import tflite
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        model = tflite.Model.GetRootAsModel(f.read(), 0)
    codes = [(max(c.DeprecatedBuiltinCode(), c.BuiltinCode()), c.Version(), c.CustomCode())
             for c in map(model.OperatorCodes, range(model.OperatorCodesLength()))]
    sizes = [model.Buffers(i).DataLength() for i in range(model.BuffersLength())]
    for s in range(model.SubgraphsLength()):
        graph = model.Subgraphs(s)
        for t in range(graph.TensorsLength()):
            tensor = graph.Tensors(t)
            q = tensor.Quantization()
            (tensor.Name(), tensor.Type(), tensor.ShapeAsNumpy(), tensor.ShapeSignatureAsNumpy(),
             tensor.Buffer(), None if q is None else
             (q.ScaleAsNumpy(), q.ZeroPointAsNumpy(), q.QuantizedDimension()))
        for o in range(graph.OperatorsLength()):
            op = graph.Operators(o)
            (codes[op.OpcodeIndex()], op.InputsAsNumpy(), op.OutputsAsNumpy(),
             op.BuiltinOptionsType())
"""
# Seconds, inside one started process, to compute the cache key of every file (read what the
# check reads, hash it) and to make only the reads the structure needs (argv: gaps file, as
# READ_NEEDED): the key must cost no more than the structure read.
KEY_LOOP = """
import json, sys, time
from pathlib import Path
from tpulint.engine.cache import Cache
from tpulint.reader import read_source
cache = Cache(Path("unused"), "salt")
paths = [path for path, _gaps in json.load(open(sys.argv[1]))]
started = time.perf_counter()
for path in paths:
    cache.key_of(read_source(path))
print(time.perf_counter() - started)
"""
NEEDED_LOOP = """
import json, os, sys, time
entries = json.load(open(sys.argv[1]))
started = time.perf_counter()
for path, gaps in entries:
    fd = os.open(path, os.O_RDONLY)
    for start, end in gaps:
        os.pread(fd, end - start, start)
    os.close(fd)
print(time.perf_counter() - started)
"""
# Seconds to read, check and render (JSON) one model in a started process: median of repeats.
IN_PROCESS = """
import io, statistics, sys, time
from tpulint.cli import main
path, repeats = sys.argv[1], int(sys.argv[2])
args = ["check", "--isolated", "--no-cache", "--format", "json", "--output-file", "/dev/null", path]
main(args)
samples = []
for _ in range(repeats):
    started = time.perf_counter()
    main(args)
    samples.append(time.perf_counter() - started)
print(statistics.median(samples))
"""


def child_env(cache_dir: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONDONTWRITEBYTECODE", "TPULINT_NO_CACHE", "TPULINT_CACHE_DIR")}
    env["PYTHONSAFEPATH"] = "1"  # the working directory never shadows installed packages
    env["OPENBLAS_NUM_THREADS"] = "1"
    if cache_dir is not None:
        env["TPULINT_CACHE_DIR"] = str(cache_dir)
    return env


class Runner:
    """Runs commands as fresh processes in a scratch directory, interleaved, and keeps medians."""

    def __init__(self, python: str, scratch: Path, cache: bool) -> None:
        self.python = python
        self.scratch = scratch
        self.cache = cache
        script = Path(python).with_name("tpulint")
        self.tpulint = [str(script)] if script.is_file() else [python, "-m", "tpulint"]
        self.env = child_env(scratch / "cache")

    def check(self, *paths: str | Path, cache: bool | None = None) -> list[str]:
        use_cache = self.cache if cache is None else cache
        return [*self.tpulint, "check", "--isolated", "--format", "json",
                *([] if use_cache else ["--no-cache"]), *map(str, paths)]

    def script(self, code: str, *args: str | Path) -> list[str]:
        return [self.python, "-c", code, *map(str, args)]

    def once(self, command: list[str]) -> float:
        """Seconds the command took; it must succeed (`check` may exit 1: findings), or the
        figure would time a failure (a reference missing from the measured interpreter)."""
        started = time.perf_counter()
        done = subprocess.run(command, cwd=self.scratch, env=self.env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, check=False)
        elapsed = time.perf_counter() - started
        if done.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(command)[:200]} exited {done.returncode}:\n"
                             f"{done.stderr.decode(errors='replace')[-2000:]}")
        return elapsed

    def medians(self, commands: dict[str, list[str]], runs: int, warmup: int = 1
                ) -> dict[str, float]:
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for round_number in range(warmup + runs):
            for name, command in commands.items():
                elapsed = self.once(command)
                if round_number >= warmup:
                    samples[name].append(elapsed)
        return {name: statistics.median(values) for name, values in samples.items()}

    def loop_medians(self, scripts: dict[str, list[str]], runs: int) -> dict[str, float]:
        """Medians of the seconds each script prints, run in turn, round after round."""
        samples: dict[str, list[float]] = {name: [] for name in scripts}
        for _round in range(runs):
            for name, command in scripts.items():
                done = subprocess.run(command, cwd=self.scratch, env=self.env,
                                      capture_output=True, text=True, check=True)
                samples[name].append(float(done.stdout.split()[-1]))
        return {name: statistics.median(values) for name, values in samples.items()}

    def in_process(self, path: Path, repeats: int) -> float:
        done = subprocess.run([self.python, "-c", IN_PROCESS, str(path), str(repeats)],
                              cwd=self.scratch, env=self.env, capture_output=True, text=True,
                              check=True)
        return float(done.stdout.split()[-1])


def needed_gaps(paths: list[Path], target: Path) -> None:
    """Write, for each model, the byte ranges outside its constant payloads."""
    from tpulint.reader import read_model

    entries = []
    for path in paths:
        model = read_model(path)
        spans = sorted((b.offset, b.offset + b.size) for b in model.buffers if b.size)
        gaps, position = [], 0
        for start, end in spans:
            if start > position:
                gaps.append([position, start])
            position = max(position, end)
        if position < model.file_size:
            gaps.append([position, model.file_size])
        entries.append([str(path), gaps])
    target.write_text(json.dumps(entries))


def operators(path: Path) -> int:
    from tpulint.reader import read_model

    return sum(len(graph.operators) for graph in read_model(path).subgraphs)


def compare(runner: Runner, name: str, path: Path, runs: int) -> dict[str, float]:
    gaps = runner.scratch / f"{path.stem}.gaps.json"
    needed_gaps([path], gaps)
    figures = runner.medians({
        "python -c pass": runner.script("pass"),
        "tpulint check": runner.check(path),
        "needed bytes": runner.script(READ_NEEDED, gaps),
        "LiteRT details": runner.script(LITERT, path),
        "tflite walk": runner.script(TFLITE_WALK, path),
    }, runs)
    check, floor = figures["tpulint check"], figures["python -c pass"]
    size = path.stat().st_size / 1e6
    print(f"{name:<14} {operators(path):>7} {size:>7.1f} | {check * 1000:>8.0f} "
          f"{floor * 1000:>6.1f} {check / floor:>5.1f}x | "
          f"{figures['needed bytes'] * 1000:>6.0f} {check / figures['needed bytes']:>5.2f}x | "
          f"{figures['LiteRT details'] * 1000:>7.0f} {check / figures['LiteRT details']:>5.2f}x | "
          f"{figures['tflite walk'] * 1000:>7.0f} {check / figures['tflite walk']:>5.2f}x",
          flush=True)
    return figures


HEADER = (f"{'model':<14} {'ops':>7} {'MB':>7} | {'check ms':>8} {'pass':>6} {'ratio':>6} | "
          f"{'needed':>6} {'ratio':>6} | {'LiteRT':>7} {'ratio':>6} | {'tflite':>7} {'ratio':>6}")


def generated(workdir: Path, blocks: int, channels: int) -> Path:
    path = workdir / f"chain_{blocks}x{channels}.tflite"
    if not path.is_file():
        path.write_bytes(make_large_model.build(blocks=blocks, channels=channels))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="rounds per comparison")
    parser.add_argument("--python", default=sys.executable, help="interpreter to measure")
    parser.add_argument("--keep", type=Path, help="write the generated models here, reuse them")
    parser.add_argument("--cache", action="store_true", help="let the checks use the cache")
    parser.add_argument("--quick", action="store_true", help="skip 100,000 operators")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tpulint-bench-") as temporary:
        scratch = Path(temporary)
        workdir = args.keep or scratch
        workdir.mkdir(parents=True, exist_ok=True)
        runner = Runner(args.python, scratch, args.cache)
        load = os.getloadavg()
        print(f"{args.python}, {os.cpu_count()} CPUs, load {load[0]:.2f} {load[1]:.2f} "
              f"{load[2]:.2f}; medians of {args.runs} interleaved rounds, fresh processes; "
              f"checks {'with' if args.cache else 'without'} the cache\n", flush=True)
        results: dict[str, tuple[dict[str, float], int]] = {}
        start = runner.medians({"python -c pass": runner.script("pass"),
                                "tpulint --version": [*runner.tpulint, "--version"],
                                "tpulint rules": [*runner.tpulint, "rules"]}, args.runs * 2)
        floor = start["python -c pass"]
        for name, value in start.items():
            print(f"{name:<18} {value * 1000:6.1f} ms  {value / floor:4.1f}x python -c pass")
        print("\n" + HEADER + "\n" + "-" * len(HEADER), flush=True)
        for name, file in CORAL.items():
            if (CORPUS / file).is_file():
                path = CORPUS / file
                results[name] = (compare(runner, name, path, args.runs), operators(path))
        large = generated(workdir, LARGE_BLOCKS, LARGE_CHANNELS)
        results["large"] = (compare(runner, "large", large, max(3, args.runs // 2)),
                            operators(large))
        print("\nscaling series (conv blocks, C = 8): fresh processes as above, and in process")
        print(HEADER + f" | {'in proc ms':>10} {'us/op':>6}\n" + "-" * (len(HEADER) + 20))
        per_op: list[float] = []
        for target in SERIES if not args.quick else SERIES[:-1]:
            path = generated(workdir, max(1, target // 3), SERIES_CHANNELS)
            runs = args.runs if target <= 1_000 else 3
            figures = compare(runner, f"{target:,} ops", path, runs)
            count = operators(path)
            results[f"{target} ops"] = (figures, count)
            inside = runner.in_process(path, 9 if target <= 10_000 else 3)
            per_op.append(inside / count * 1e6)
            print(f"{'':>110}{inside * 1000:>10.1f} {per_op[-1]:>6.1f}", flush=True)
        cache = cache_figures(runner, args.runs)
        targets(start, results, per_op, cache)
    return 0


def cache_figures(runner: Runner, runs: int) -> dict[str, float]:
    if not CORPUS.is_dir():
        return {}
    files = sorted(CORPUS.glob("*.tflite"))
    print(f"\ncache, {len(files)} files of the corpus "
          f"({sum(f.stat().st_size for f in files) / 1e6:.0f} MB) in one process:")
    runner.once(runner.check(CORPUS, cache=True))  # fills the cache
    figures = runner.medians({"no cache": runner.check(CORPUS, cache=False),
                              "warm": runner.check(CORPUS, cache=True)}, max(3, runs // 2))
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


def targets(start: dict[str, float], results: dict[str, tuple[dict[str, float], int]],
            per_op: list[float], cache: dict[str, float]) -> None:
    floor = start["python -c pass"]
    checks: list[tuple[str, float, float]] = []  # (what, measured, limit)
    for name in CORAL:
        if name in results:
            figures = results[name][0]
            checks.append((f"{name} x python -c pass", figures["tpulint check"]
                           / figures["python -c pass"], 5))
    for name in ("tpulint --version", "tpulint rules"):
        checks.append((f"{name} x python -c pass", start[name] / floor, 2))
    large = results["large"][0]
    checks.append(("large model x needed-bytes read", large["tpulint check"]
                   / large["needed bytes"], 2))
    if per_op:
        checks.append(("per-operator cost, spread over 1,000+ ops (in process)",
                       max(per_op[2:]) / min(per_op[2:]) - 1 if len(per_op) > 2 else 0, 0.10))
    for name, (figures, _count) in results.items():
        for reference in ("LiteRT details", "tflite walk"):
            checks.append((f"{name} x {reference}", figures["tpulint check"]
                           / figures[reference], 1))
    if cache:
        # as the inverse, so "at most" reads the same: warm / no-cache at most 1/5
        checks.append(("warm run x --no-cache run", cache["warm"] / cache["no cache"], 0.2))
        checks.append(("cache keys x structure read", cache["key"] / cache["structure"], 1))
    print("\ntargets (measured / limit):")
    for what, measured, limit in checks:
        print(f"  {'met   ' if measured <= limit else 'MISSED'} {what}: {measured:.2f} "
              f"(limit {limit:g})")


if __name__ == "__main__":
    sys.exit(main())
