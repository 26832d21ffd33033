"""The text `fix` prints: the plan, the before/after table and the drift."""

from __future__ import annotations

from tpulint.fix.apply import Outcome, db
from tpulint.fix.plan import MergedPlan, describe
from tpulint.results import ModelResult

FEW_HELD_OUT = 8  # fewer held-out samples than this give a rough drift figure


def plan_lines(model: str, plan: MergedPlan, unsafe: bool) -> list[str]:
    if plan.empty and not plan.unknown:
        return [f"{model}: nothing to fix"]
    return [f"{model}: fix plan", *describe(plan, unsafe)]


def comparison(before: ModelResult, after: ModelResult) -> list[str]:
    """Rows of operators on the TPU, CPU segments and findings, before and after."""
    rows = [("", "before", "after"),
            ("model", before.recipe or "?", after.recipe or "?"),
            ("operators on the Edge TPU", _share(before), _share(after)),
            ("CPU segments", str(before.cpu_segments), str(after.cpu_segments)),
            ("findings", _findings(before), _findings(after))]
    width = [max(len(row[i]) for row in rows) for i in range(3)]
    return ["  " + "  ".join(cell.ljust(width[i]) if i == 0 else cell.rjust(width[i])
                             for i, cell in enumerate(row)).rstrip() for row in rows]


def _share(result: ModelResult) -> str:
    summary = result.summary
    if result.fatal:
        return f"0 of {summary.operators} (rejected)"
    return f"{summary.tpu} of {summary.operators}"


def _findings(result: ModelResult) -> str:
    codes = sorted({f.code for f in result.findings})
    shown = ", ".join(codes[:4]) + (", ..." if len(codes) > 4 else "")
    return f"{len(result.findings)} ({shown})" if codes else "0"


def outcome_lines(model: str, before: ModelResult, outcome: Outcome,
                  min_sqnr: float) -> list[str]:
    lines = []
    if outcome.converter:
        lines.append(f"converted with {outcome.converter} in {outcome.seconds:.1f} s")
    lines.extend(f"  {note}" for note in outcome.notes)
    if outcome.after is not None:
        lines.extend(comparison(before, outcome.after))
    if outcome.drift:
        lines.extend(drift_lines(model, outcome, min_sqnr))
    if outcome.output:
        lines.append(f"wrote {outcome.output}")
    if outcome.after is not None and outcome.output and outcome.after.findings:
        lines.append(f"still to change in the model ({len(outcome.after.findings)} finding(s); "
                     f"`tpulint check {outcome.output}`):")
        seen: set[str] = set()
        for finding in outcome.after.findings:
            reason = finding.fix.reason if finding.fix is not None and finding.fix.manual else ""
            text = f"  {finding.code} {finding.name}" + (f": {reason}" if reason else "")
            if text not in seen:
                seen.add(text)
                lines.append(text)
    return lines


def drift_lines(model: str, outcome: Outcome, min_sqnr: float) -> list[str]:
    """Drift per output (and per feature group), the worst deciding; what it was measured on."""
    if outcome.random:
        on = (f"{outcome.samples} fresh random samples; random data: this figure says nothing "
              "about real inputs")
    else:
        on = f"{outcome.samples} held-out samples, {outcome.calibration} calibrated"
    lines = [f"drift against {model} on the CPU reference ({on}; threshold {min_sqnr:g} dB):"]
    for item in outcome.drift:
        if item.constant:
            lines.append(f"  {item.name}: cannot measure drift on this data (the original's "
                         "output is constant on it)")
            continue
        top1 = "" if item.top1 is None else f", top-1 agreement {item.top1:.0%}"
        lines.append(f"  {item.name}: SQNR {db(item.sqnr_db)}{top1}")
        lines.extend(f"    {label}: SQNR {db(value)}" for label, value in item.parts)
    if 0 < outcome.samples < FEW_HELD_OUT and not outcome.random:
        lines.append(f"  warning: only {outcome.samples} held-out sample(s): a rough figure; "
                     f"give {FEW_HELD_OUT * 4} or more samples")
    return lines
