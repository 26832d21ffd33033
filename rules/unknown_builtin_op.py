"""Flags builtin operators that did not exist when Edge TPU compiler 16 was built.

## What it does
Reports an operator whose builtin code is newer than the TensorFlow Lite schema inside
`edgetpu_compiler` 16.0 (codes above 139 came with TensorFlow 2.6 and later: GELU, the
STABLEHLO_ operators, RANDOM_ and UNSORTED_SEGMENT_ operators, and others).

## Why is this bad?
The compiler stops before compiling anything: "Op builtin_code out of range: 150. Are you using
old TFLite binary with newer model?". The whole model is refused, even the parts that would map.

## Example
fixtures/TPU206/bad_gelu.tflite (good twin: good_sigmoid_gelu.tflite)

## How to fix
Replace the operator with older builtins (GELU with `approximate=True` lowers to TANH and MUL in
older converters; otherwise use RELU), or move it out of the model.

## Sources
google-coral/edgetpu#862 (builtin code 151); TensorFlow `schema.fbs` (codes) and
`runtime_version.cc` (the release that introduced them).
"""

from collections.abc import Iterator

from tpulint.api import Finding, OperatorContext, Severity, rule, versions


@rule(code="TPU206", name="unknown-builtin-op", severity=Severity.ERROR, scope="operator",
      summary="Builtin operator is newer than Edge TPU compiler 16", fix=None)
def check(ctx: OperatorContext) -> Iterator[Finding]:
    op = ctx.op
    if op.is_custom or op.builtin_code <= versions.MAX_KNOWN_BUILTIN_CODE:
        return
    if op.builtin_code > versions.MAX_UNCONFIRMED_BUILTIN_CODE:
        yield ctx.finding(
            f"{ctx.describe(op.index)} (builtin code {op.builtin_code}) is unknown to compiler 16: "
            f"'Op builtin_code out of range: {op.builtin_code}', the whole compilation fails",
            fix=ctx.plans.manual(f"replace {op.opcode} with operators compiler 16 knows"),
        )
    else:
        yield ctx.finding(
            f"{ctx.describe(op.index)} (builtin code {op.builtin_code}) came with TensorFlow "
            "2.6, when compiler 16 was built; it may be unknown to it",
            severity=Severity.WARNING, confidence="low",
            fix=ctx.plans.manual(f"replace {op.opcode} with older operators"),
        )
