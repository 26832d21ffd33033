"""Flags a supported operator whose parameters break one of its Edge TPU constraints.

## What it does
Reports an operator of a supported type that violates a constraint of Coral's operator table:
a fused activation on pooling or concatenation, strides other than 1 on STRIDED_SLICE, ellipsis
or new-axis masks, unequal dilation, work along the batch dimension, a non-default weights
format, a multi-dimensional FULLY_CONNECTED output, a constant concatenation input that is not
zero padding, a 1x1 bilinear resize.

## Why is this bad?
The operator runs on the CPU (with the compiler status the message quotes) and takes every
operator that depends on it along (see TPU401).

## Example
fixtures/TPU203/bad_strided_slice.tflite (good twin: good_unit_stride_slice.tflite)

## How to fix
Change the layer so the constraint holds; the message names the constraint and the value that
breaks it ("needs: X; has: Y"). `tpulint rule TPU203` lists every constraint with its source.

## Sources
Coral supported-operations table (restrictions column), and compiler logs for the observed ones.
"""

from collections.abc import Iterator

from tpulint.api import Finding, OperatorContext, Severity, rule


@rule(code="TPU203", name="op-constraint-violated", severity=Severity.ERROR, scope="operator",
      summary="Operator breaks an Edge TPU constraint of its type")
def check(ctx: OperatorContext) -> Iterator[Finding]:
    broken = ctx.to_report()
    if not broken:
        return
    details = "; ".join(f"needs: {_lower_first(v.constraint.text)}; has: {v.detail}"
                        for v in broken)
    observed = all(v.constraint.basis != "documented" for v in broken)
    yield ctx.finding(
        f"{ctx.describe(ctx.op.index)} runs on the CPU: {details}",
        confidence="medium" if observed else "high",
        fix=ctx.plans.manual(broken[0].constraint.text),
        data={"constraints": [v.constraint.name for v in broken], "status": broken[0].status},
    )


def _lower_first(text: str) -> str:
    """`All strides are 1` -> `all strides are 1`, keeping names such as `ellipsis_mask`."""
    return text[:1].lower() + text[1:]
