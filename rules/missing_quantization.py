"""Flags 8-bit tensors that have no quantization parameters.

## What it does
Reports an int8 or uint8 activation tensor without a scale and zero point.

## Why is this bad?
The compiler needs each 8-bit tensor's scale to map real values to integers; an 8-bit tensor
without one is not a quantized tensor but raw bytes, and the operators using it cannot be
compiled as quantized operators. Hand-edited or partly converted models produce these.

## Example
No converter output has this; tests build it in memory.

## How to fix
Reconvert with full-integer post-training quantization so every tensor gets its parameters.

## Sources
TensorFlow Lite quantization specification (every quantized tensor has scale and zero point).
"""

from collections.abc import Iterator

from tpulint.api import Finding, Severity, TensorContext, rule, support


@rule(code="TPU107", name="missing-quantization", severity=Severity.ERROR, scope="tensor",
      summary="8-bit tensor without quantization parameters", fix="unsafe")
def check(ctx: TensorContext) -> Iterator[Finding]:
    tensor = ctx.tensor
    if not tensor.is_8bit or tensor.constant or tensor.quantized:
        return
    # Raw 8-bit data (an image read by CAST) is fine; a supported operator needs a scale.
    users = [*ctx.consumers, *([ctx.producer] if ctx.producer else [])]
    if any(op.opcode in support.OPERATORS for op in users):
        yield ctx.finding(
            f"tensor '{tensor.name}' is {tensor.dtype} but has no scale or zero point",
            fix=ctx.plans.full_integer(),
        )
