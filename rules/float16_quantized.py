"""Flags float16 quantization, which the Edge TPU cannot run.

## What it does
Reports a model converted with `target_spec.supported_types = [tf.float16]`: its weights are
stored as float16 and DEQUANTIZE operators expand them to float32 before each float32 operator.

## Why is this bad?
Float16 quantization halves the file size but keeps float32 compute. Every operator runs on the
CPU: the compiler reports the float operators as "Operation is working on an unsupported data
type" and the weight DEQUANTIZE operators as unsupported too.

## Example
fixtures/TPU103/bad_float16.tflite (good twin: good_int8.tflite)

## How to fix
Convert from the source model with full-integer post-training quantization (a representative
dataset, `TFLITE_BUILTINS_INT8`, int8 input and output). `tpulint fix` does this.

## Sources
Compiler logs of float16 YOLO exports (every operator on the CPU); Coral model requirements.
"""

from collections.abc import Iterator

from tpulint.api import Finding, ModelContext, Severity, recipes, rule


@rule(code="TPU103", name="float16-quantized", severity=Severity.ERROR, scope="model",
      summary="Model uses float16 quantization", fix="unsafe")
def check(ctx: ModelContext) -> Iterator[Finding]:
    recipe = ctx.converted_as(recipes.FLOAT16)
    if recipe:
        yield ctx.finding(
            f"float16 quantization: {recipe.float16_weights} float16 weight tensors, compute in "
            f"float32; all {len(ctx.model.main.operators)} operators run on the CPU",
            fix=ctx.plans.full_integer())
