"""Flags weights and biases computed at run time.

## What it does
Reports a convolution, depthwise convolution, transposed convolution or fully connected operator
whose weights or bias are not constants in the file (for example a `tf.matmul` of two model
inputs). An operator that computes in float is left to TPU1xx: float16 weights are dequantized
at run time, and quantizing the model is the fix.

## Why is this bad?
The Edge TPU compiles weights into its parameter memory ahead of time. The operator runs on the
CPU ("Filter, bias, or other param is not constant at compile-time").

## Example
fixtures/TPU304/bad_nonconst_weights.tflite where the converter produces one (good twin:
good_const_weights.tflite)

## How to fix
Make the weights constants of the model (a Keras layer's weights), or move the product of two
run-time tensors to the CPU.

## Sources
Coral model requirements ("model parameters are constant at compile-time");
google-coral/edgetpu#25.
"""

from collections.abc import Iterator

from tpulint.api import Finding, OperatorContext, Severity, rule


@rule(code="TPU304", name="non-constant-weights", severity=Severity.ERROR, scope="operator",
      summary="Weights or bias are not constant")
def check(ctx: OperatorContext) -> Iterator[Finding]:
    return ctx.cpu_findings("make the weights constants of the model")
