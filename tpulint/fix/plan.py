"""Merge the fix plans findings carry into one plan per model.

Rules attach `FixPlan`s (converter settings and a reason). A model gets one reconversion that
applies every setting at once: `quantization: int8`, an `io_type`, `static_shapes`,
`op_versions: edgetpu-compiler-16`. Plans marked `manual` cannot be applied by reconversion; they
are kept with the finding they came from so `fix` can say what to change in the model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tpulint.analysis.recipe import DYNAMIC_RANGE, FLOAT16, classify
from tpulint.api import Finding
from tpulint.ir import Model

KNOWN_SETTINGS = {
    "quantization": ("int8",),
    "io_type": ("int8", "uint8", "float32"),
    "static_shapes": (True,),
    "op_versions": ("edgetpu-compiler-16",),
}


class PlanConflict(Exception):
    """Two plans ask for different values of one setting."""


@dataclass(frozen=True)
class Step:
    """One setting of the merged plan and the findings asking for it."""

    setting: str
    value: Any
    codes: tuple[str, ...]
    reasons: tuple[str, ...]
    safe: bool


@dataclass
class ManualItem:
    """A finding reconversion cannot remove, and what to change in the model instead."""

    code: str
    reason: str
    where: list[str] = field(default_factory=list)
    at: list[tuple[int | None, int | None]] = field(default_factory=list)


@dataclass
class MergedPlan:
    steps: list[Step] = field(default_factory=list)
    manual: list[ManualItem] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # settings this fix cannot apply

    @property
    def settings(self) -> dict[str, Any]:
        return {step.setting: step.value for step in self.steps}

    def applicable(self, unsafe: bool) -> list[Step]:
        return [step for step in self.steps if step.safe or unsafe]

    def skipped(self, unsafe: bool) -> list[Step]:
        return [step for step in self.steps if not (step.safe or unsafe)]

    @property
    def empty(self) -> bool:
        return not self.steps and not self.manual


def removed_by_reconversion(model: Model) -> set[tuple[int, int]]:
    """(subgraph, operator) pairs that reconverting a float16 or dynamic-range model removes
    by itself: weight DEQUANTIZE operators (folded into constants) and the operators whose
    weights they compute (constant again). Manual plans found there are not the user's to do."""
    if classify(model).kind not in (FLOAT16, DYNAMIC_RANGE):
        return set()
    removed: set[tuple[int, int]] = set()
    for number, subgraph in enumerate(model.subgraphs):
        folded: set[int] = set()
        for op in subgraph.operators:
            if op.opcode == "DEQUANTIZE" and op.inputs and op.inputs[0] >= 0 and \
                    subgraph.tensors[op.inputs[0]].constant:
                removed.add((number, op.index))
                folded.update(op.outputs)
        removed.update((number, op.index) for op in subgraph.operators
                       if folded.intersection(op.inputs))
    return removed


def merge(findings: Iterable[Finding], io_type: str | None = None,
          removed: set[tuple[int, int]] | None = None) -> MergedPlan:
    """One plan from every finding's `fix`; `io_type` (from the command line) wins. Manual
    plans at operators in `removed` are dropped when the plan reconverts the model."""
    values: dict[str, Any] = {}
    codes: dict[str, list[str]] = {}
    reasons: dict[str, list[str]] = {}
    safe: dict[str, bool] = {}
    plan = MergedPlan()
    manual: dict[tuple[str, str], ManualItem] = {}
    for finding in findings:
        fix = finding.fix
        if fix is None:
            continue
        if fix.manual:
            item = manual.setdefault((finding.code, fix.reason),
                                     ManualItem(finding.code, fix.reason))
            item.where.append(_where(finding))
            item.at.append((finding.location.subgraph, finding.location.operator))
            continue
        for setting, value in fix.settings.items():
            if setting not in KNOWN_SETTINGS or value not in KNOWN_SETTINGS[setting]:
                plan.unknown.append(f"{setting}={value!r} ({finding.code})")
                continue
            if setting == "io_type" and io_type is not None:
                value = io_type
            if setting in values and values[setting] != value:
                raise PlanConflict(f"plans disagree on {setting}: {values[setting]!r} "
                                   f"({', '.join(codes[setting])}) and {value!r} "
                                   f"({finding.code})")
            values[setting] = value
            codes.setdefault(setting, [])
            if finding.code not in codes[setting]:
                codes[setting].append(finding.code)
            reasons.setdefault(setting, [])
            if fix.reason not in reasons[setting]:
                reasons[setting].append(fix.reason)
            safe[setting] = safe.get(setting, True) and fix.safe
    if "io_type" not in values and (io_type is not None or "quantization" in values):
        values["io_type"] = io_type or "int8"
        codes["io_type"] = []
        reasons["io_type"] = ["asked with --io-type" if io_type else
                              "full-integer models take integer I/O"]
        safe["io_type"] = safe.get("quantization", False)
    if removed and "quantization" in values:
        for key, item in list(manual.items()):
            item.where = [w for w, at in zip(item.where, item.at, strict=True)
                          if at not in removed]
            if not item.where:
                del manual[key]
    plan.manual = list(manual.values())
    plan.steps = [Step(name, values[name], tuple(codes[name]), tuple(reasons[name]), safe[name])
                  for name in KNOWN_SETTINGS if name in values]
    return plan


def _where(finding: Finding) -> str:
    label = finding.location.anchor or "model"
    return f"{label} {finding.operator}" if finding.operator else label


def describe(plan: MergedPlan, unsafe: bool) -> list[str]:
    """The plan as text lines, for `--diff` and the fix report."""
    lines = []
    for step in plan.steps:
        mark = "" if step.safe or unsafe else "  (unsafe: skipped without --unsafe-fixes)"
        by = f" [{', '.join(step.codes)}]" if step.codes else ""
        lines.append(f"  {step.setting} = {_value(step.value)}{by}: "
                     f"{'; '.join(step.reasons)}{mark}")
    for item in plan.manual:
        where = ", ".join(item.where[:3]) + (f" and {len(item.where) - 3} more"
                                             if len(item.where) > 3 else "")
        lines.append(f"  manual [{item.code}] {item.reason} ({where}); unless reconversion "
                     "removes it")
    for text in plan.unknown:
        lines.append(f"  not applicable by tpulint fix: {text}")
    return lines


def _value(value: Any) -> str:
    return "true" if value is True else str(value)
