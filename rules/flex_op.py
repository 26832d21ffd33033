"""Flags TensorFlow Select (Flex) operators.

## What it does
Reports a custom operator whose code starts with `Flex`: a TensorFlow operator kept because the
model was converted with `SELECT_TF_OPS`.

## Why is this bad?
Flex operators need the TensorFlow Select delegate, which the Edge TPU runtime and
`tflite_runtime` do not include: the model fails to load on a Coral device ("Regular TensorFlow
ops are not supported by this interpreter"). The compiler leaves the operator on the CPU and
everything after it follows.

## Example
fixtures/TPU205/bad_flex.tflite (good twin: good_builtin_tanh.tflite)

## How to fix
Rewrite the layer with TensorFlow Lite builtin operators and convert without `SELECT_TF_OPS`;
the converter then names what it cannot convert.

## Sources
TensorFlow Lite guide "Select TensorFlow operators"; Coral supported-operations table.
"""

from collections.abc import Iterator

from tpulint.api import Finding, OperatorContext, Severity, rule


@rule(code="TPU205", name="flex-op", severity=Severity.ERROR, scope="operator",
      summary="TensorFlow Select (Flex) operator")
def check(ctx: OperatorContext) -> Iterator[Finding]:
    code = ctx.op.custom_code
    if code is None or not code.startswith("Flex"):
        return
    yield ctx.finding(
        f"{ctx.describe(ctx.op.index)} is a TensorFlow Select operator: it needs the Flex "
        "delegate, which Edge TPU runtimes do not have, and runs on the CPU at best",
        fix=ctx.plans.manual(f"replace {code[4:]} with TensorFlow Lite builtin operators"),
    )
