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
  quantization vector with the `tflite` package (benchmark_scripts.py);
- a scaling series from 10 to 100,000 operators made by make_large_model.py: the same figures,
  then the cost per operator of each size: reading, checking and rendering in an already
  started process, and of the fresh processes of tpulint, LiteRT and the tflite walk, each as
  total / operators and as the marginal cost from the size before, (t(n) - t(m)) / (n - m)
  (benchmark_models.py); the linearity target is judged on the marginal costs in process;
- the result cache on a folder of real models: `--no-cache`, then warm; and the cost of the
  cache keys beside a read of only the bytes the structure needs, in a started process
  (benchmark_cache.py);
- the targets, each as measured / limit (benchmark_targets.py).

The checks run without the cache (`--no-cache`) unless `--cache` is given. The children run in a
scratch directory with PYTHONSAFEPATH set (benchmark_runner.py). `--python` measures another
interpreter (a virtual environment with tpulint installed from its wheel: an editable install's
import hook costs every start-up, `python -c pass` included, about 20 ms itself). `--quick`
leaves out the 100,000-operator model (its fresh processes take tens of seconds each). This is
a benchmark, not a test: it prints, the targets included, and exits 0.

    python tools/benchmark.py [--runs 11] [--python PATH] [--keep DIR] [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from benchmark_cache import cache_figures
from benchmark_models import HEADER, LARGE, SERIES, compare, generated, series
from benchmark_runner import CORPUS, Runner
from benchmark_scripts import operators
from benchmark_targets import targets

CORAL = {"MobileNetV2": "et-mobilenet_v2_1.0_224_quant.tflite",
         "YOLOv8n": "maxwellhogan-yolov8n_full_integer_quant.tflite"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="rounds per comparison")
    parser.add_argument("--python", default=sys.executable, help="interpreter to measure")
    parser.add_argument("--keep", type=Path, help="write the generated models here, reuse them")
    parser.add_argument("--cache", action="store_true", help="let the checks use the cache")
    parser.add_argument("--quick", action="store_true", help="skip 100,000 operators")
    parser.add_argument("--series-only", action="store_true",
                        help="only start-up and the scaling series")
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
        start = runner.medians({"python -c pass": runner.script("pass"),
                                "tpulint --version": [*runner.tpulint, "--version"],
                                "tpulint rules": [*runner.tpulint, "rules"]}, args.runs * 2)
        floor = start["python -c pass"]
        for name, value in start.items():
            print(f"{name:<18} {value * 1000:6.1f} ms  {value / floor:4.1f}x python -c pass")
        print("\n" + HEADER + "\n" + "-" * len(HEADER), flush=True)
        results: dict[str, tuple[dict[str, float], int]] = {}
        if not args.series_only:
            for name, file in CORAL.items():
                if (CORPUS / file).is_file():
                    path = CORPUS / file
                    results[name] = (compare(runner, name, path, args.runs), operators(path))
            large = generated(workdir, *LARGE)
            results["large"] = (compare(runner, "large", large, max(3, args.runs // 2)),
                                operators(large))
        print("\nscaling series (conv blocks): fresh processes as above")
        rows, marginal = series(runner, workdir, args.runs,
                                SERIES[:-1] if args.quick else SERIES)
        results.update(rows)
        cache = {} if args.series_only else cache_figures(runner, CORPUS, args.runs)
        targets(start, results, list(CORAL), marginal, cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())
