"""Flags 16x8 quantization: int16 activations with int8 weights.

## What it does
Reports a model converted with
`supported_ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]`.

## Why is this bad?
The Edge TPU has no 16-bit path: every operator on int16 tensors runs on the CPU ("Operation is
working on an unsupported data type"), and 16x8 operators carry newer operator versions.

## Example
fixtures/TPU106/bad_int16x8.tflite (good twin: good_int8.tflite)

## How to fix
Convert with 8-bit activations (`TFLITE_BUILTINS_INT8`). `tpulint fix` does this.

## Sources
Coral model requirements (8-bit tensors); google-coral/edgetpu#338.
"""

from collections.abc import Iterator

from tpulint.api import Finding, ModelContext, Severity, recipes, rule


@rule(code="TPU106", name="int16-activations", severity=Severity.ERROR, scope="model",
      summary="Model uses 16x8 quantization (int16 activations)", fix="unsafe")
def check(ctx: ModelContext) -> Iterator[Finding]:
    if not ctx.converted_as(recipes.INT16_ACTIVATIONS):
        return
    count = sum(1 for t in ctx.model.main.tensors if t.dtype == "int16" and not t.constant)
    yield ctx.finding(
        f"16x8 quantization: {count} int16 activation tensors; the Edge TPU runs only 8-bit "
        "tensors",
        fix=ctx.plans.full_integer(),
    )
