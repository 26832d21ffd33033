"""Flags operators the Edge TPU does not run.

## What it does
Reports a builtin operator that is not in the Edge TPU's supported set (for example LEAKY_RELU,
HARD_SWISH, GATHER, ARG_MAX, CAST, DIV, EXP), or that needs a newer Edge TPU runtime than the
one targeted.

## Why is this bad?
The operator runs on the CPU ("Operation not supported"), and so does every operator that depends
on it: the compiler builds a single Edge TPU region, so supported operators after it report "More
than one subgraph is not supported" (see TPU401).

## Example
fixtures/TPU201/bad_unsupported_mid.tflite (good twin: good_maximum_mid.tflite)

## How to fix
Replace the operator with a supported equivalent, or move it out of the model into pre- or
post-processing. The message names a replacement where one is known.

## Sources
Coral supported-operations table; google-coral/edgetpu#597 (LEAKY_RELU), #272 and #353
(HARD_SWISH), #720 (GATHER_ND).
"""

from collections.abc import Iterator

from tpulint.api import Finding, OperatorContext, Severity, operators, rule


@rule(code="TPU201", name="unsupported-op", severity=Severity.ERROR, scope="operator",
      summary="Operator is not supported by the Edge TPU")
def check(ctx: OperatorContext) -> Iterator[Finding]:
    op = ctx.op
    if op.is_custom or op.opcode == "DEQUANTIZE" or ctx.model.compiled:
        return  # custom ops: TPU204/205; DEQUANTIZE: the quantization rules
    unsupported = ctx.reported()
    if not unsupported:
        return
    hint = operators.facts(op.opcode).replacement
    message = f"{ctx.describe(op.index)} runs on the CPU: {unsupported[0].detail}"
    yield ctx.finding(
        message + (f"; {hint}" if hint else ""),
        fix=ctx.plans.manual(hint or f"replace {op.opcode} with supported operators"),
    )
