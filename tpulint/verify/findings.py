"""What the TPU5xx rules (declared in `tpulint.verify.rules`) find in a `Comparison`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tpulint.api import Finding, Rule
from tpulint.ir import Location
from tpulint.verify.verdict import (
    PLACEMENT_CONTRADICTED,
    REASON_CONTRADICTED,
    Comparison,
    OperatorVerdict,
    fatal_cause,
)

PLACES = {"tpu": "on the Edge TPU", "cpu": "on the CPU"}


@dataclass(frozen=True)
class VerifyContext:
    rule: Rule
    comparison: Comparison

    def finding(self, message: str, *, operator: OperatorVerdict | None = None,
                data: dict[str, object] | None = None) -> Finding:
        path = self.comparison.path
        location = Location(path) if operator is None else \
            Location(path, operator.subgraph, operator=operator.index)
        return Finding(code=self.rule.code, name=self.rule.name, severity=self.rule.severity,
                       message=message, location=location,
                       operator=None if operator is None else operator.label,
                       data=dict(data or {}))


def placement(ctx: VerifyContext) -> Iterator[Finding]:
    for row in ctx.comparison.rows:
        if row.outcome != PLACEMENT_CONTRADICTED or row.fatal_predicted:
            continue  # a predicted whole-model failure that did not happen is TPU504's
        said = row.compiler_reason or " or ".join(row.reason_candidates) or "status not logged"
        yield ctx.finding(
            f"predicted {PLACES[row.predicted]} ({row.predicted_reason}), the compiler put it "
            f"{PLACES[row.compiler or 'cpu']} ({said})", operator=row,
            data={"predicted": row.predicted, "compiler": row.compiler,
                  "predicted_reason": row.predicted_reason,
                  "compiler_reason": row.compiler_reason})


def compile_failed(ctx: VerifyContext) -> Iterator[Finding]:
    comparison = ctx.comparison
    if not comparison.compile_failed:
        return
    error = comparison.errors[0] if comparison.errors else "no compiled model was written"
    if comparison.fatal_matches:
        verdict = "as predicted"
    elif comparison.predicted_fatal:
        verdict = f"predicted, but for another cause: {comparison.predicted_fatal[0].message}"
    else:
        verdict = "not predicted by tpulint"
    yield ctx.finding(f"edgetpu_compiler failed: {error} ({verdict})",
                      data={"errors": list(comparison.errors), "predicted":
                            bool(comparison.predicted_fatal),
                            "cause": fatal_cause(error), "cause_predicted":
                            comparison.fatal_matches})


def reason(ctx: VerifyContext) -> Iterator[Finding]:
    for row in ctx.comparison.rows:
        if row.outcome != REASON_CONTRADICTED:
            continue
        said = row.compiler_reason or "one of: " + "; ".join(row.reason_candidates)
        yield ctx.finding(f"the compiler says '{said}', tpulint predicted "
                          f"'{row.predicted_reason}'", operator=row,
                          data={"predicted_reason": row.predicted_reason,
                                "compiler_reasons": list(row.reason_candidates)})


def fatal_not_reproduced(ctx: VerifyContext) -> Iterator[Finding]:
    comparison = ctx.comparison
    if not comparison.predicted_fatal or comparison.fatal_matches:
        return
    if comparison.compile_failed:
        return  # it failed anyway: TPU502 names both causes
    predicted = comparison.predicted_fatal[0]
    yield ctx.finding(f"predicted the compilation to fail ({predicted.message}: "
                      f"{predicted.cause}), but it succeeded",
                      data={"predicted": predicted.message})


def emit(rules: list[Rule], comparison: Comparison) -> list[Finding]:
    found: list[Finding] = []
    for rule in rules:
        found.extend(rule.check(VerifyContext(rule, comparison)))
    return sorted(found, key=lambda f: f.sort_key)
