"""Flags a model that was never quantized: it computes in float32.

## What it does
Reports a model with no 8-bit quantized activations: converted without post-training
quantization, or exported as float.

## Why is this bad?
The Edge TPU runs only models whose tensors are quantized to 8 bits. Every operator of a float
model runs on the CPU ("Operation is working on an unsupported data type"), or the compiler
rejects the model outright ("Model not quantized").

## Example
fixtures/TPU102/bad_float32.tflite (good twin: good_int8.tflite)

## How to fix
Convert with full-integer post-training quantization: `optimizations = [tf.lite.Optimize.DEFAULT]`,
a `representative_dataset`, `supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]` and int8 (or
uint8) input and output types. `tpulint fix` does this.

## Sources
Coral model requirements; google-coral/edgetpu#213 ("Model not quantized" for a float model).
"""

from collections.abc import Iterator

from tpulint.api import Finding, ModelContext, Severity, recipes, rule


@rule(code="TPU102", name="float-model", severity=Severity.ERROR, scope="model",
      summary="Model computes in float32 (not quantized)", fix="unsafe")
def check(ctx: ModelContext) -> Iterator[Finding]:
    if not ctx.converted_as(recipes.FLOAT):
        return
    ops = len(ctx.model.main.operators)
    yield ctx.finding(
        f"the model is not quantized: all {ops} operators compute in float and run on the CPU",
        fix=ctx.plans.full_integer(),
    )
