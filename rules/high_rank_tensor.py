"""Flags tensors with more than three dimensions larger than 1.

## What it does
Reports an operator with an input or output tensor that has a dimension larger than 1 outside
its 3 innermost ones: a batch larger than 1, a 5-D tensor, an NCHW layout split into extra
dimensions. Weights of convolutions and fully connected layers are exempt, and so is an operator
that computes in float (TPU1xx names that cause: float16 weights dequantized at run time, say).

## Why is this bad?
The Edge TPU maps at most 3 dimensions (y, x, z). The operator runs on the CPU ("Tensor has
unsupported rank (up to 3 innermost dimensions mapped)") and takes what depends on it along.

## Example
fixtures/TPU303/bad_rank5.tflite (good twin: good_rank4.tflite)

## How to fix
Export with batch 1, and reshape so only the 3 innermost dimensions are larger than 1 (fold
extra dimensions into one).

## Sources
Coral model requirements; google-coral/edgetpu#30, #121.
"""

from collections.abc import Iterator

from tpulint.api import Finding, OperatorContext, Severity, rule


@rule(code="TPU303", name="high-rank-tensor", severity=Severity.ERROR, scope="operator",
      summary="Tensor has a dimension larger than 1 outside the 3 innermost")
def check(ctx: OperatorContext) -> Iterator[Finding]:
    return ctx.cpu_findings("keep batch 1 and at most 3 dimensions > 1")
