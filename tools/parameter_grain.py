"""Measure the output-channel grain of the Edge TPU's parameter layout from real compiled files.

    python tools/parameter_grain.py [--corpus ../shared/corpus]

The corpus holds input models, the compiler's `*_edgetpu.tflite` outputs and a truth file per
model saying which operators were mapped. For each model compiled into one Edge TPU subgraph,
the script compares the parameter bytes of the compiled package (`reader/edgetpu.py`) with the
mapped weight operators' weights, their output channels rounded up to a grain G:

    parameter bytes ~ a x sum(channels rounded up to G x weights per channel)
                      + e x sum(channels rounded up to G)

(e: bytes per channel of bias and requantization data). A grain wider than the compiler's cannot
hold: the padded weights alone would exceed the package. For each G it prints the fit's median
and worst relative error and the models that rule G out. Uses numpy; tpulint itself does not.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from tpulint.ir import Model
from tpulint.reader import read_model

GRAINS = (1, 4, 8, 16, 32, 64, 128, 256)
WEIGHT_INPUT = 1


def round_up(value: int, grain: int) -> int:
    return -(-value // grain) * grain


def weight_layers(model: Model, mapped: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """(output channels, weights per channel) of each mapped weight operator."""
    layers = []
    for subgraph in model.subgraphs:
        for op in subgraph.operators:
            if (subgraph.index, op.index) not in mapped or len(op.inputs) <= WEIGHT_INPUT:
                continue
            weights = subgraph.tensor(op.inputs[WEIGHT_INPUT])
            if weights is None or not weights.constant:
                continue
            shape = weights.shape
            if op.opcode == "CONV_2D" and len(shape) == 4:  # [out, kh, kw, in]
                layers.append((shape[0], shape[1] * shape[2] * shape[3]))
            elif op.opcode == "DEPTHWISE_CONV_2D" and len(shape) == 4:  # [1, kh, kw, channels]
                layers.append((shape[3], shape[1] * shape[2]))
            elif op.opcode == "FULLY_CONNECTED" and len(shape) == 2:  # [out, in]
                layers.append((shape[0], shape[1]))
    return layers


def padded_weights(layers: list[tuple[int, int]], grain: int) -> int:
    """Weight bytes with output channels padded to `grain` (weights per channel to 4)."""
    return sum(round_up(channels, grain) * round_up(per_channel, 4)
               for channels, per_channel in layers)


def read_corpus(corpus: Path) -> list[tuple[str, int, list[tuple[int, int]]]]:
    """(name, compiled parameter bytes, weight layers) per model with one Edge TPU subgraph."""
    rows = []
    for compiled in sorted((corpus / "models").glob("*_edgetpu.tflite")):
        name = compiled.name.removesuffix("_edgetpu.tflite")
        source, truth = corpus / "models" / f"{name}.tflite", corpus / "truth" / f"{name}.json"
        if not source.exists() or not truth.exists():
            continue
        packages = [op.compiled for sg in read_model(compiled).subgraphs
                    for op in sg.operators if op.compiled is not None]
        ops = json.loads(truth.read_text())["ops"]
        mapped = {(op["subgraph"], op["index"]) for op in ops if op["status"] == "tpu"}
        layers = weight_layers(read_model(source), mapped)
        if len(packages) == 1 and packages[0].parameter_bytes and layers:
            rows.append((name, packages[0].parameter_bytes, layers))
    return rows


def report(rows: list[tuple[str, int, list[tuple[int, int]]]], grain: int) -> str:
    import numpy as np

    counts = np.array([[padded_weights(layers, grain), sum(round_up(c, grain) for c, _ in layers)]
                       for _, _, layers in rows], dtype=float)
    sizes = np.array([size for _, size, _ in rows], dtype=float)
    solution, *_ = np.linalg.lstsq(counts / sizes[:, None], np.ones(len(rows)), rcond=None)
    errors = np.abs(counts @ solution / sizes - 1)
    too_big = [f"{name} x{counts[i, 0] / size:.2f}" for i, (name, size, _) in enumerate(rows)
               if counts[i, 0] > size]
    return (f"G={grain:<4} a={solution[0]:.3f} e={solution[1]:5.1f}  median error "
            f"{statistics.median(errors):.1%}, worst {errors.max():.0%}  padded weights exceed "
            f"the package in {len(too_big)} models{': ' if too_big else ''}"
            f"{', '.join(too_big[:4])}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    args = parser.parse_args(argv)
    rows = read_corpus(args.corpus)
    if not rows:
        print(f"no compiled models with truth files in {args.corpus}", file=sys.stderr)
        return 2
    print(f"{len(rows)} compiled models with one Edge TPU subgraph")
    for name, size, layers in rows:  # the single-layer cases read directly
        if len(layers) == 1 or name.endswith("tcn"):
            print(f"  {name}: {size} parameter bytes; (channels, weights per channel) {layers}")
    for grain in GRAINS:
        print(report(rows, grain))
    return 0


if __name__ == "__main__":
    sys.exit(main())
