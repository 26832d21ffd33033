"""The latency estimate beside the measured time of the Edge TPU run.

`check`'s estimate is for model execution (invokes, after a warm-up that loads the cached
parameters), which is what the device run times: its median over `--runs` invokes. Without an
Edge TPU run the estimate stays unverified, and the report says so.
"""

from __future__ import annotations

from typing import Any

from tpulint.analysis.latency import LatencyEstimate
from tpulint.verify.pipeline import Verification


def _estimate(result: Verification) -> LatencyEstimate | None:
    return result.check.latency if result.check is not None else None


def entry(result: Verification) -> dict[str, Any] | None:
    """JSON: the estimate, the measured median and their ratio, or why it is unverified."""
    estimate = _estimate(result)
    if estimate is None:
        return None
    run = result.device.tpu if result.device is not None else None
    found: dict[str, Any] = {"board": estimate.board.key, "host": estimate.host.key,
                             "estimate_ms": None if estimate.no_estimate else
                             round(estimate.total_ms, 3),
                             "expected_error": None if estimate.no_estimate else
                             round(estimate.error, 2),
                             "measured_median_ms": None, "verified": False}
    if estimate.no_estimate:
        found["reason"] = estimate.no_estimate
    if run is not None and run.runs:
        found["measured_median_ms"] = round(run.median_ms, 3)
        found["verified"] = not estimate.no_estimate
        if not estimate.no_estimate and estimate.total_ms:
            found["measured_vs_estimate"] = round(run.median_ms / estimate.total_ms - 1, 3)
    return found


def line(result: Verification) -> str | None:
    """`latency: measured 3.1 ms (median of 10) vs estimate ≈ 2.6 ms on USB 3 (±14%): +19%`."""
    found = entry(result)
    if found is None:
        return None
    estimate = _estimate(result)
    assert estimate is not None
    board = estimate.board.title
    if found["estimate_ms"] is None:
        guess = f"no estimate for {board}"
    else:
        outside = ", extrapolated" if estimate.extrapolated else ""
        guess = (f"estimate ≈ {found['estimate_ms']:.3g} ms on {board} "
                 f"(±{found['expected_error']:.0%}{outside})")
    measured = found["measured_median_ms"]
    if measured is None:
        return f"latency: {guess}, unverified (no Edge TPU run)"
    runs = result.device.tpu.runs if result.device and result.device.tpu else 0
    text = f"latency: measured {measured:.3g} ms (median of {runs}) vs {guess}"
    if "measured_vs_estimate" in found:
        text += f": {found['measured_vs_estimate']:+.0%}"
    return text
