"""Estimate the time of one inference on an Edge TPU board, from the model's workload.

Each part is a count from `workload.py` times a constant of the board or host (`boards.py`):

    Edge TPU compute  = fixed + array GMACs x ms/GMAC + operators x ms/operator (region only;
                        idle channel groups count)
    streaming         = parameter MiB beyond the on-chip cache x ms/MiB
    transfer          = MiB of activations crossing the bus x ms/MiB
    CPU operators     = per segment: fixed + GMACs x ms/GMAC + M elements x ms/M elements

The constants were fitted on Coral's published benchmark table (`tools/latency_benchmark.py`);
every estimate carries the relative error measured there. A board without evidence gets no
estimate, only the reason.
"""

from __future__ import annotations

from tpulint.analysis.boards import BOARDS, HOSTS, Board, Host
from tpulint.analysis.workload import AFTER, BEFORE, BETWEEN, Work, Workload
from tpulint.record import Record

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from typing import Any

MIB = 1024 * 1024


class LatencyEstimate(Record):
    board: Board
    host: Host
    tpu_ms: float = 0.0
    streaming_ms: float = 0.0
    transfer_ms: float = 0.0
    cpu_ms: tuple[tuple[str, float], ...] = ()  # (BEFORE | BETWEEN | AFTER, ms)
    # CPU operator ending the region -> CPU time of the operators it strands
    stranded_ms: tuple[tuple[int, float], ...] = ()
    no_estimate: str = ""  # why there is no figure

    @property
    def total_ms(self) -> float:
        return self.tpu_ms + self.streaming_ms + self.transfer_ms + sum(ms for _, ms in self.cpu_ms)

    @property
    def error(self) -> float:
        """Expected relative error: the board's, or the host's when only the CPU runs."""
        if self.tpu_ms:
            return max(self.board.error, self.host.error if self.cpu_ms else 0.0)
        return self.host.error

    def stranded_cost_ms(self, cause: int) -> float | None:
        """CPU time of the operators that `cause` strands, or None if it strands none."""
        return dict(self.stranded_ms).get(cause)

    @property
    def extrapolated(self) -> bool:
        """Outside the times of the benchmark rows the board's constants were fitted on."""
        low, high = self.board.fitted_ms
        return not low <= self.total_ms <= high

    @property
    def low_ms(self) -> float:
        return self.total_ms / (1 + self.error)

    @property
    def high_ms(self) -> float:
        return self.total_ms * (1 + self.error)


def cpu_time_ms(work: Work, host: Host) -> float:
    if not work.operators:
        return 0.0
    return (host.fixed_ms + work.macs / 1e9 * host.ms_per_gmac
            + work.elements / 1e6 * host.ms_per_melement)


def tpu_time_ms(workload: Workload, board: Board) -> tuple[float, float, float]:
    """(compute, streaming, transfer) in ms; zeros when nothing runs on the Edge TPU."""
    if not workload.has_tpu:
        return 0.0, 0.0, 0.0
    work = workload.tpu
    compute = (board.fixed_ms + work.array_macs / 1e9 * board.ms_per_gmac
               + work.operators * board.ms_per_operator)
    return (compute, workload.streamed_bytes / MIB * board.ms_per_streamed_mib,
            workload.transfer_bytes / MIB * board.ms_per_transfer_mib)


def estimate(workload: Workload, board: Board, host: str | None = None) -> LatencyEstimate:
    """The estimate on `board`, its CPU operators on `host` (default: the board's host class).

    The CPU time of stranded operators needs only the host, so a board without an estimate
    still has it.
    """
    cpu_host = HOSTS[host or board.host]
    stranded = tuple(sorted(((cause, cpu_time_ms(work, cpu_host))
                             for cause, work in workload.stranded.items()),
                            key=lambda item: -item[1])) if cpu_host.supported else ()
    if not board.supported:
        return LatencyEstimate(board, cpu_host, stranded_ms=stranded, no_estimate=board.basis)
    on_cpu = any(work.operators for work in workload.cpu.values())
    if on_cpu and not cpu_host.supported:
        return LatencyEstimate(board, cpu_host, no_estimate=f"CPU operators: {cpu_host.basis}")
    compute, streaming, transfer = tpu_time_ms(workload, board)
    cpu = tuple((where, cpu_time_ms(workload.cpu[where], cpu_host))
                for where in (BEFORE, BETWEEN, AFTER) if workload.cpu[where].operators)
    return LatencyEstimate(board, cpu_host, compute, streaming, transfer, cpu, stranded)


def dump_latency(estimate: LatencyEstimate) -> dict[str, Any]:
    """Plain data for the result cache; `load_latency` reverses it."""
    return {"board": estimate.board.key, "host": estimate.host.key, "tpu_ms": estimate.tpu_ms,
            "streaming_ms": estimate.streaming_ms, "transfer_ms": estimate.transfer_ms,
            "cpu_ms": [list(p) for p in estimate.cpu_ms],
            "stranded_ms": [list(p) for p in estimate.stranded_ms],
            "no_estimate": estimate.no_estimate}


def load_latency(data: dict[str, Any]) -> LatencyEstimate:
    return LatencyEstimate(
        BOARDS[data["board"]], HOSTS[data["host"]], data["tpu_ms"], data["streaming_ms"],
        data["transfer_ms"], tuple((str(w), float(ms)) for w, ms in data["cpu_ms"]),
        tuple((int(op), float(ms)) for op, ms in data["stranded_ms"]), data["no_estimate"])


def describe(estimate: LatencyEstimate) -> dict[str, Any]:
    """The estimate as reports show it: every figure in ms, rounded, with its expected error."""
    board = estimate.board
    entry: dict[str, Any] = {"board": board.key, "board_name": board.title,
                             "host": estimate.host.key, "host_name": estimate.host.title,
                             "estimate": not estimate.no_estimate}
    if estimate.no_estimate:
        entry["reason"] = estimate.no_estimate
        return entry
    cpu = dict(estimate.cpu_ms)
    entry.update({
        "total_ms": _ms(estimate.total_ms), "low_ms": _ms(estimate.low_ms),
        "high_ms": _ms(estimate.high_ms), "expected_error": round(estimate.error, 2),
        "extrapolated": estimate.extrapolated,
        "breakdown_ms": {
            "edgetpu_compute": _ms(estimate.tpu_ms), "parameter_streaming": _ms(
                estimate.streaming_ms), "input_output_transfer": _ms(estimate.transfer_ms),
            "cpu_before": _ms(cpu.get(BEFORE, 0.0)), "cpu_between": _ms(cpu.get(BETWEEN, 0.0)),
            "cpu_after": _ms(cpu.get(AFTER, 0.0))},
        "stranded_cpu_ms": [{"operator": op, "ms": _ms(ms)} for op, ms in estimate.stranded_ms],
        "basis": f"{board.basis}; CPU: {estimate.host.basis}",
    })
    return entry


def _ms(value: float) -> float:
    """Two significant figures: the estimate's error is far larger than the rounding."""
    return float(f"{value:.2g}") if value else 0.0


def latency_line(estimate: LatencyEstimate) -> str:
    """`latency ≈ 12 ms per inference on USB Accelerator on USB 3 (estimate ±20%: ...)`."""
    board = estimate.board.title
    if estimate.no_estimate:
        return f"latency on {board}: {estimate.no_estimate}"
    parts = [f"Edge TPU {_ms(estimate.tpu_ms):g}"] if estimate.tpu_ms else []
    if estimate.streaming_ms:
        parts.append(f"parameter streaming {_ms(estimate.streaming_ms):g}")
    if estimate.transfer_ms:
        parts.append(f"transfers {_ms(estimate.transfer_ms):g}")
    parts += [f"CPU {where} {_ms(ms):g}" for where, ms in estimate.cpu_ms]
    low, high = estimate.board.fitted_ms
    outside = f"; outside the {low:g}-{high:g} ms it was fitted on" if estimate.extrapolated \
        else ""
    return (f"latency ≈ {_ms(estimate.total_ms):g} ms per inference on {board}, CPU operators "
            f"on {estimate.host.key} (estimate ±{estimate.error:.0%}{outside}: "
            f"{', '.join(parts)} ms)")


def flat_latency(estimate: LatencyEstimate) -> dict[str, str | float]:
    """Name/value pairs for formats whose properties are flat (JUnit)."""
    entry = describe(estimate)
    flat: dict[str, str | float] = {}
    for key, value in entry.items():
        if isinstance(value, dict):
            flat.update({f"latency.{key}.{k}": v for k, v in value.items()})
        elif not isinstance(value, list):
            flat[f"latency.{key}"] = value
    return flat
