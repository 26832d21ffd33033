"""Edge TPU boards and host CPUs: the constants of the latency estimate, with their evidence.

Fitted by `tools/latency_benchmark.py` on Coral's "Edge TPU performance benchmarks" table
(coral.ai/docs/edgetpu/benchmarks: milliseconds per inference, C++ benchmark, model execution
only). `error` is the median leave-one-out relative error on that table's reproducible rows,
`worst` the largest, with the channel-group width chosen inside each fold for the boards (the
nested leave-one-out); see docs/latency.md. A board without evidence has no constants: tpulint
prints "no estimate" and the reason instead of a number.
"""

from __future__ import annotations

from tpulint.analysis.cost import CHANNEL_GROUP
from tpulint.record import Record


class Host(Record):
    key: str
    title: str
    fixed_ms: float  # per CPU segment
    ms_per_gmac: float
    ms_per_melement: float
    error: float
    worst: float
    basis: str
    supported: bool = True


class Board(Record):
    key: str
    title: str
    host: str  # the host class a board comes with or is benchmarked on
    fixed_ms: float = 0.0  # per inference: invoking the Edge TPU
    ms_per_gmac: float = 0.0  # per billion array MACs (cost.py): idle channel groups count
    ms_per_operator: float = 0.0  # per Edge TPU operator: its own pass of the array
    ms_per_streamed_mib: float = 0.0  # parameters beyond the on-chip cache
    ms_per_transfer_mib: float = 0.0  # activations in and out of the Edge TPU region
    error: float = 0.0
    worst: float = 0.0
    basis: str = ""
    supported: bool = True
    fitted_ms: tuple[float, float] = (0.0, 0.0)  # fastest and slowest row fitted on


HOSTS = {
    "x86": Host(
        "x86", "desktop x86-64 (Coral's benchmark desktop)", fixed_ms=0.0, ms_per_gmac=41.9,
        ms_per_melement=7.46, error=0.16, worst=0.24,
        basis="fitted on 7 rows of the 'Desktop CPU' column",
    ),
    "cortex-a53": Host(
        "cortex-a53", "quad Cortex-A53 at 1.5 GHz (Dev Board, Raspberry Pi 3)", fixed_ms=0.0,
        ms_per_gmac=199.0, ms_per_melement=15.7, error=0.16, worst=0.50,
        basis="fitted on 7 rows of the 'Embedded CPU' column",
    ),
    "cortex-m7": Host(
        "cortex-m7", "Cortex-M7 microcontroller (Dev Board Micro)", 0.0, 0.0, 0.0, 0.0, 0.0,
        "no estimate: no published CPU timings for it", supported=False,
    ),
}

BOARDS = {
    "usb3": Board(
        "usb3", "USB Accelerator on USB 3", "x86", fixed_ms=1.01, ms_per_gmac=0.592,
        ms_per_operator=0.0, ms_per_streamed_mib=2.03, ms_per_transfer_mib=2.03,
        error=0.09, worst=0.46, fitted_ms=(2.1, 296.0),
        basis="fitted on 6 rows of the 'Desktop CPU + USB Accelerator (USB 3.0)' column",
    ),
    "devboard": Board(
        "devboard", "Dev Board", "cortex-a53", fixed_ms=0.639, ms_per_gmac=0.757,
        ms_per_operator=0.0, ms_per_streamed_mib=2.32, ms_per_transfer_mib=2.32,
        error=0.10, worst=0.47, fitted_ms=(2.0, 343.0),
        basis="fitted on 6 rows of the 'Dev Board' column",
    ),
    "usb2": Board(
        "usb2", "USB Accelerator on USB 2", "x86", supported=False,
        basis="no estimate: Coral publishes no USB 2 timings to fit the bus constants on",
    ),
    "pcie": Board(
        "pcie", "M.2 / Mini PCIe Accelerator", "x86", supported=False,
        basis="no estimate: Coral publishes no timings for the PCIe accelerators",
    ),
    "devboard-micro": Board(
        "devboard-micro", "Dev Board Micro", "cortex-m7", supported=False,
        basis="no estimate: Coral publishes no Edge TPU timings for the Dev Board Micro",
    ),
}
DEFAULT_BOARD = "usb3"


def constants_table() -> str:
    """The latency model's constants as `tpulint rule TPU401` prints them (docs/latency.md)."""
    rows = ["", "### Latency estimate (docs/latency.md)", "",
            "Edge TPU time = fixed + array GMACs x ms/GMAC (output channels rounded up to "
            f"groups of {CHANNEL_GROUP}) + operators x ms/operator + MiB streamed or "
            "transferred x ms/MiB; CPU operators = GMACs x ms/GMAC + million values x ms/M, on "
            "the host class. Error: median / worst leave-one-out relative error on Coral's "
            "benchmark table (boards: with the group width chosen inside each fold).", "",
            "| board or host | ms fixed | ms/GMAC | ms/operator | ms/M values | ms/MiB | error "
            "| basis |",
            "|---|---:|---:|---:|---:|---:|---|---|"]
    entries: list[Board | Host] = [*BOARDS.values(), *HOSTS.values()]
    for entry in entries:
        cells = [""] * 6
        if isinstance(entry, Board) and entry.supported:
            cells = [f"{entry.fixed_ms:g}", f"{entry.ms_per_gmac:g}",
                     f"{entry.ms_per_operator:g}", "", f"{entry.ms_per_streamed_mib:g}",
                     f"{entry.error:.0%} / {entry.worst:.0%}"]
        elif isinstance(entry, Host) and entry.supported:
            cells = [f"{entry.fixed_ms:g}", f"{entry.ms_per_gmac:g}", "",
                     f"{entry.ms_per_melement:g}", "", f"{entry.error:.0%} / {entry.worst:.0%}"]
        rows.append(f"| `{entry.key}` {entry.title} | {' | '.join(cells)} | {entry.basis} |")
    return "\n".join(rows)
