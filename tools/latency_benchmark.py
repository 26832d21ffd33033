"""Fit and check tpulint's latency constants against Coral's published benchmark table.

    python tools/make_latency_models.py           # once: rebuilds the architectures (slow)
    python tools/latency_benchmark.py [--models DIR]

For each board (and each host CPU column) the constants are fitted on the FIT rows only, by
non-negative least squares on the relative error. The script prints, per row, the estimate of
the shipped constants (`tpulint/analysis/boards.py`), the leave-one-out estimate (fitted on every
other row) and their errors; then the median and worst leave-one-out error and the error on the
HELD_OUT rows, which no fit of the shipped constants saw. It also prints the constants it fits,
to compare with the shipped ones. `--channel-group N` counts the Edge TPU's array MACs with
another group width; `--nested` also chooses the width inside each leave-one-out fold, by the
rule that chose the shipped width on the FIT rows: the strict test of the boards' figures. Uses
numpy; tpulint itself does not.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tpulint.analysis import cost
from tpulint.analysis.boards import BOARDS, HOSTS, Board, Host
from tpulint.analysis.facts import ModelFacts
from tpulint.analysis.latency import MIB, cpu_time_ms, tpu_time_ms
from tpulint.analysis.workload import Workload
from tpulint.reader import read_model

DEFAULT_MODELS = Path("/tmp/tpulint-latency")

# Coral, "Edge TPU performance benchmarks", Table 1 (ms per inference): the rows whose
# architecture tools/make_latency_models.py rebuilds. Columns: Desktop CPU, Desktop CPU + USB
# Accelerator (USB 3.0), Embedded CPU (quad Cortex-A53 @ 1.5 GHz), Dev Board.
TABLE: dict[str, dict[str, float]] = {
    "mobilenet_v1": {"x86": 53, "usb3": 2.4, "cortex-a53": 164, "devboard": 2.4},
    "mobilenet_v2": {"x86": 51, "usb3": 2.6, "cortex-a53": 122, "devboard": 2.6},
    "squeezenet": {"x86": 55, "usb3": 2.1, "cortex-a53": 232, "devboard": 2.0},
    "densenet121": {"x86": 380, "usb3": 20, "cortex-a53": 1032, "devboard": 25},
    "resnet50_v1": {"x86": 484, "usb3": 49, "cortex-a53": 1763, "devboard": 56},
    "resnet50_v2": {"x86": 557, "usb3": 50, "cortex-a53": 1875, "devboard": 59},
    "inception_resnet_v2": {"x86": 753, "usb3": 57, "cortex-a53": 2852, "devboard": 69},
    "resnet152_v2": {"x86": 1823, "usb3": 128, "cortex-a53": 5499, "devboard": 151},
    "vgg16": {"x86": 867, "usb3": 296, "cortex-a53": 4595, "devboard": 343},
    "vgg19": {"x86": 1060, "usb3": 308, "cortex-a53": 5538, "devboard": 357},
}
# Rows of that table not rebuilt (no Keras application, or a converter output compiler 16
# cannot read): Unet Mv2, DeepLab V3, Inception v1 and v4, MobileNet v1/v2 SSD,
# EfficientNet-EdgeTpu S/M/L.
# Rebuilt, but the published time cannot be this architecture's: its 48 MiB of parameters beyond
# the on-chip cache would have to cross USB 3 at 0.89 GB/s (the other large models give
# 0.38-0.44 GB/s). Printed, never fitted or counted.
EXCLUDED = {"inception_resnet_v2": "published time implies streaming twice as fast as any row"}
HELD_OUT = ("mobilenet_v2", "resnet50_v2", "vgg19")
FIT = tuple(name for name in TABLE if name not in HELD_OUT and name not in EXCLUDED)
COLUMNS = ("usb3", "devboard", "x86", "cortex-a53")
BOARD_COLUMNS = ("usb3", "devboard")


def features(workload: Workload, column: str) -> list[float]:
    """The counts each constant multiplies, in the order of `constants`/`with_constants`."""
    if column in HOSTS:
        work = workload.tpu + workload.cpu["before"] + workload.cpu["between"] + \
            workload.cpu["after"]
        # No intercept: a CPU segment of one small operator must cost little.
        return [0.0, work.macs / 1e9, work.elements / 1e6]
    bus = (workload.streamed_bytes + workload.transfer_bytes) / MIB
    return [1.0, workload.tpu.array_macs / 1e9, bus, float(workload.tpu.operators)]


def with_constants(column: str, c: Sequence[float]) -> Board | Host:
    if column in HOSTS:
        return HOSTS[column].replace(fixed_ms=c[0], ms_per_gmac=c[1], ms_per_melement=c[2])
    return BOARDS[column].replace(fixed_ms=c[0], ms_per_gmac=c[1], ms_per_streamed_mib=c[2],
                                  ms_per_transfer_mib=c[2], ms_per_operator=c[3])


def predict(workload: Workload, column: str, constants: Board | Host) -> float:
    """The estimate through tpulint's own arithmetic, not the fit's."""
    if isinstance(constants, Host):
        cpu = workload.tpu + workload.cpu["before"] + workload.cpu["between"] + \
            workload.cpu["after"]
        return cpu_time_ms(cpu, constants)
    return sum(tpu_time_ms(workload, constants))


def fit(rows: list[list[float]], targets: list[float],
        floor: Sequence[float] = ()) -> list[float]:
    """Least squares on relative error, each constant at least its `floor` (default 0): the
    best solution over subsets of constants left free above their floor."""
    import numpy as np

    lower = np.zeros(len(rows[0]))
    lower[: len(floor)] = floor
    a = np.array(rows) / np.array(targets)[:, None]
    b = np.ones(len(targets)) - a @ lower
    best: tuple[float, Any] = (float("inf"), None)
    width = a.shape[1]
    for size in range(1, width + 1):
        for subset in itertools.combinations(range(width), size):
            solution, *_ = np.linalg.lstsq(a[:, subset], b, rcond=None)
            if (solution < 0).any():
                continue
            full = np.zeros(width)
            full[list(subset)] = solution
            residual = float(((a @ full - b) ** 2).sum())
            if residual < best[0]:
                best = (residual, full)
    return [float(v) for v in best[1] + lower]


# The Edge TPU's peak, 4 TOPS = 2 TMAC/s, bounds its compute: at least 0.5 ms per GMAC.
PEAK_MS_PER_GMAC = 0.5


def fitted(workloads: dict[str, Workload], column: str, names: Sequence[str]) -> Board | Host:
    rows = [features(workloads[n], column) for n in names]
    floor = () if column in HOSTS else (0.0, PEAK_MS_PER_GMAC)
    return with_constants(column, fit(rows, [TABLE[n][column] for n in names], floor))


def report(workloads: dict[str, Workload], column: str, out: Callable[[str], None]) -> None:
    shipped: Board | Host = BOARDS[column] if column in BOARDS else HOSTS[column]
    excluded = EXCLUDED if column in BOARDS else {}  # the reason is the bus: boards only
    names = [n for n in TABLE if n in workloads and n not in excluded]
    fit_names = [n for n in FIT if n in workloads] + \
        [n for n in EXCLUDED if n in workloads and not excluded and n not in HELD_OUT]
    refit = fitted(workloads, column, fit_names)
    out(f"\n## {column}: {shipped.title}")
    out(f"{'row':22} {'Coral ms':>9} {'shipped':>8} {'err':>6}  {'LOO':>8} {'err':>6}  used")
    loo_errors, held_errors = [], []
    for name in names:
        measured = TABLE[name][column]
        estimate = predict(workloads[name], column, shipped)
        others = [n for n in names if n != name]
        loo = predict(workloads[name], column, fitted(workloads, column, others))
        loo_error = loo / measured - 1
        loo_errors.append(abs(loo_error))
        used = "fit" if name in fit_names else "held out"
        if name not in fit_names:
            held_errors.append(abs(estimate / measured - 1))
        out(f"{name:22} {measured:9.1f} {estimate:8.1f} {estimate / measured - 1:+6.0%}  "
            f"{loo:8.1f} {loo_error:+6.0%}  {used}")
    for name in excluded:
        if name in workloads:
            measured = TABLE[name][column]
            estimate = predict(workloads[name], column, shipped)
            out(f"{name:22} {measured:9.1f} {estimate:8.1f} {estimate / measured - 1:+6.0%}  "
                f"{'':8} {'':6}  excluded: {excluded[name]}")
    out(f"leave-one-out over {len(names)} rows: median {statistics.median(loo_errors):.0%}, "
        f"worst {max(loo_errors):.0%}")
    if held_errors:
        out(f"held-out rows ({len(held_errors)}), shipped constants: median "
            f"{statistics.median(held_errors):.0%}, worst {max(held_errors):.0%}")
    values = {k: round(v, 4) for k, v in vars_of(refit).items()}
    out(f"constants fitted on the {len(fit_names)} FIT rows: {values}")


def vars_of(constants: Board | Host) -> dict[str, float]:
    keys = ("fixed_ms", "ms_per_gmac", "ms_per_melement", "ms_per_streamed_mib",
            "ms_per_operator")  # as present
    return {k: getattr(constants, k) for k in keys if hasattr(constants, k)}


# Widths the group width is chosen among: compiled files pad every weight operator's output
# channels to a multiple of 16 (tools/parameter_grain.py), so no group is narrower.
WIDTHS = (16, 32, 64, 128, 256, 512, 1024)


def read_workloads(models: Path, width: int) -> dict[str, Workload]:
    cost.CHANNEL_GROUP = width  # read when each operator is costed
    return {name: ModelFacts(read_model(models / f"{name}.tflite")).workload
            for name in TABLE if (models / f"{name}.tflite").exists()}


def loo_error(loads: dict[str, Workload], column: str, name: str, others: list[str]) -> float:
    return predict(loads[name], column, fitted(loads, column, others)) / TABLE[name][column] - 1


def choose_width(by_width: dict[int, dict[str, Workload]], names: list[str]) -> int:
    """The width whose leave-one-out over `names` has the smallest worst error on any board:
    one chip, one width for every board."""
    def worst(width: int) -> float:
        return max(abs(loo_error(by_width[width], column, n, [o for o in names if o != n]))
                   for column in BOARD_COLUMNS for n in names)

    return min(WIDTHS, key=worst)


def nested(by_width: dict[int, dict[str, Workload]], column: str,
           out: Callable[[str], None]) -> None:
    """Leave-one-out with the group width chosen inside each fold too, as it is chosen for the
    shipped constants (on the FIT rows)."""
    names = [n for n in TABLE if n in by_width[WIDTHS[0]] and n not in EXCLUDED]
    errors = []
    for name in names:
        rest = [n for n in names if n != name]
        width = choose_width(by_width, rest)
        errors.append(abs(found := loo_error(by_width[width], column, name, rest)))
        out(f"{name:22} width {width:4}  {found:+6.0%}")
    out(f"nested leave-one-out over {len(names)} rows: median {statistics.median(errors):.0%}, "
        f"worst {max(errors):.0%}")
    fit_names = [n for n in FIT if n in by_width[WIDTHS[0]]]
    out(f"width chosen on the {len(fit_names)} FIT rows: "
        f"{choose_width(by_width, fit_names)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, default=DEFAULT_MODELS)
    parser.add_argument("--channel-group", type=int, default=cost.CHANNEL_GROUP,
                        help="output-channel group width of the array MACs (to compare widths)")
    parser.add_argument("--nested", action="store_true",
                        help="also choose the group width inside each leave-one-out fold")
    args = parser.parse_args(argv)
    workloads = read_workloads(args.models, args.channel_group)
    missing = [n for n in TABLE if n not in workloads]
    if len(workloads) < 3:
        print(f"need the models of tools/make_latency_models.py in {args.models}",
              file=sys.stderr)
        return 2
    if missing:
        print(f"missing (not counted): {', '.join(missing)}")
    for column in COLUMNS:
        report(workloads, column, print)
    if args.nested:
        by_width = {width: read_workloads(args.models, width) for width in WIDTHS}
        for column in BOARDS:
            if BOARDS[column].supported:
                print(f"\n## {column}: group width chosen in each fold")
                nested(by_width, column, print)
    return 0


if __name__ == "__main__":
    sys.exit(main())
