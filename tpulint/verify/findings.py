"""The TPU5xx rules: what `verify` reports when the compiler contradicts tpulint.

They are rules like the others (code, name, severity, documentation for `tpulint rule TPU501`,
select/ignore/severity settings apply), but their facts are a compiler run, which `check` never
has. So they live here, outside the `tpulint.rules` package that `check` runs, and `verify`
runs them on its `Comparison`. Their documentation follows the built-in rules' layout.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tpulint.api import Finding, Rule, Severity
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


PLACEMENT_DOC = """Flags an operator the compiler placed where tpulint did not predict.

## What it does
Compares tpulint's predicted placement of each operator with the compiled model that
`edgetpu_compiler` wrote: operators it replaced by `edgetpu-custom-op` run on the Edge TPU, the
ones it kept run on the CPU. Reports each operator placed the other way.

## Why is this bad?
`tpulint check` was wrong about this model: its findings for this operator (or the lack of them)
do not describe what the compiler does, and placement-based advice may mislead.

## Example
A RESHAPE predicted on the Edge TPU that the compiler leaves on the CPU with "Operation is
otherwise supported, but not mapped due to some unspecified limitation".

## How to fix
Trust the compiler for this model. Please report the model (or its operator listing from
`tpulint check --format json`) so the prediction can be corrected. Options such as `-a` and `-d`
change placement in ways tpulint does not predict.
"""

COMPILE_FAILED_DOC = """Flags a model the Edge TPU compiler could not compile.

## What it does
Reports a compilation that failed: a fatal compiler error (see docs/verify.md), a non-zero
exit code, or a compiler that ran past its timeout. The message quotes the compiler and says
whether tpulint predicted the failure.

## Why is this bad?
Nothing of the model runs on the Edge TPU. When tpulint predicted no failure, `check` missed the
cause, which is a contradiction too.

## Example
A model with CONV_2D version 6: "ERROR: Didn't find op for builtin opcode 'CONV_2D' version '6'"
(predicted by TPU202).

## How to fix
Follow the finding of the rule that predicted the failure; for timeouts and internal errors,
smaller inputs or fewer large activations help, or a longer `--timeout`.
"""

REASON_DOC = """Flags an operator the compiler left on the CPU for another reason than predicted.

## What it does
For an operator placed as predicted, compares tpulint's status string with the compiler's
operation log. The log counts operators per type; when a type has several CPU statuses, the
prediction is contradicted only if it is none of them.

## Why is this bad?
The placement is right but the explanation is not, so the suggested fix may not help.

## Example
A DEQUANTIZE predicted "Operation is working on an unsupported data type" that the log reports as
"Tensor has unsupported rank (up to 3 innermost dimensions mapped)".

## How to fix
Use the compiler's status to decide what to change; please report the model.
"""

FATAL_DOC = """Flags a model the compiler accepted although tpulint predicted it would fail.

## What it does
Reports a compilation that succeeded (or failed for another cause) while `tpulint check`
predicted a whole-model failure: an operator version the compiler cannot parse, dynamic tensor
sizes, or a model that is not quantized.

## Why is this bad?
The prediction that nothing maps was wrong; the findings that predicted the failure (TPU202,
TPU206, TPU301, TPU104) do not hold for this compiler.

## Example
A model whose `-1` batch dimension tpulint read as a dynamic size, which the compiler accepted.

## How to fix
Trust the compiler for this model, and please report it.
"""


def _placement(ctx: VerifyContext) -> Iterator[Finding]:
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


def _compile_failed(ctx: VerifyContext) -> Iterator[Finding]:
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


def _reason(ctx: VerifyContext) -> Iterator[Finding]:
    for row in ctx.comparison.rows:
        if row.outcome != REASON_CONTRADICTED:
            continue
        said = row.compiler_reason or "one of: " + "; ".join(row.reason_candidates)
        yield ctx.finding(f"the compiler says '{said}', tpulint predicted "
                          f"'{row.predicted_reason}'", operator=row,
                          data={"predicted_reason": row.predicted_reason,
                                "compiler_reasons": list(row.reason_candidates)})


def _fatal_not_reproduced(ctx: VerifyContext) -> Iterator[Finding]:
    comparison = ctx.comparison
    if not comparison.predicted_fatal or comparison.fatal_matches:
        return
    if comparison.compile_failed:
        return  # it failed anyway: TPU502 names both causes
    predicted = comparison.predicted_fatal[0]
    yield ctx.finding(f"predicted the compilation to fail ({predicted.message}: "
                      f"{predicted.cause}), but it succeeded",
                      data={"predicted": predicted.message})


RULES = (
    Rule(code="TPU501", name="placement-contradicted", severity=Severity.WARNING,
         scope="operator", summary="The compiler placed an operator other than predicted",
         check=_placement, doc=PLACEMENT_DOC.strip()),
    Rule(code="TPU502", name="compile-failed", severity=Severity.ERROR, scope="model",
         summary="The Edge TPU compiler failed on the model", check=_compile_failed,
         doc=COMPILE_FAILED_DOC.strip()),
    Rule(code="TPU503", name="reason-contradicted", severity=Severity.INFO, scope="operator",
         summary="The compiler gave another status than predicted", check=_reason,
         doc=REASON_DOC.strip()),
    Rule(code="TPU504", name="fatal-not-reproduced", severity=Severity.WARNING, scope="model",
         summary="The compiler accepted a model predicted to fail", check=_fatal_not_reproduced,
         doc=FATAL_DOC.strip()),
)


def resolve(key: str) -> Rule | None:
    """A verify rule by code or name, for `tpulint rule`."""
    return next((r for r in RULES if key.upper() == r.code or key == r.name), None)


def emit(rules: list[Rule], comparison: Comparison) -> list[Finding]:
    found: list[Finding] = []
    for rule in rules:
        found.extend(rule.check(VerifyContext(rule, comparison)))
    return sorted(found, key=lambda f: f.sort_key)
