"""Flags float model inputs and outputs around an integer model.

## What it does
Reports each float32 model input that a QUANTIZE operator converts to integers, and each float32
output that a DEQUANTIZE operator makes: the converter's default when `inference_input_type` and
`inference_output_type` are not set.

## Why is this bad?
These converting operators run on the CPU at every inference ("Operation is otherwise supported,
but not mapped due to some unspecified limitation" for the input QUANTIZE, "Operation is working
on an unsupported data type" for the output DEQUANTIZE), and float tensors move four times the
bytes of int8 ones between host and accelerator. The rest of the model still maps.

## Example
fixtures/TPU105/bad_float_io.tflite (good twins: good_int8.tflite, good_uint8_io.tflite)

## How to fix
Convert with `inference_input_type = tf.int8` and `inference_output_type = tf.int8` (or
`tf.uint8`) and quantize the inputs yourself with the input tensor's scale and zero point.

## Options
allow-float-io (default false): accept float inputs and outputs.

## Sources
Compiler logs (statuses of the leading QUANTIZE and trailing DEQUANTIZE); Coral model
requirements.
"""

from collections.abc import Iterator

from tpulint.api import Finding, Severity, TensorContext, recipes, rule


@rule(code="TPU105", name="float-io", severity=Severity.WARNING, scope="tensor",
      summary="Float model input or output converted on the CPU",
      options={"allow-float-io": False}, fix="unsafe")
def check(ctx: TensorContext) -> Iterator[Finding]:
    recipe = ctx.facts.recipe
    if ctx.options["allow-float-io"] or ctx.subgraph.index != 0:
        return
    if recipe.kind not in (recipes.FULL_INTEGER, recipes.MIXED):
        return
    tensor = ctx.tensor
    if tensor.index in recipe.float_inputs:
        op, role = ctx.consumers[0], "input"
    elif tensor.index in recipe.float_outputs and ctx.producer is not None:
        op, role = ctx.producer, "output"
    else:
        return
    yield ctx.finding(
        f"model {role} '{tensor.name}' is {tensor.dtype}: {op.opcode} converts it on the CPU",
        location=ctx.operator_location(op.index),
        operator=ctx.describe(op.index),
        tensor=tensor.name,
        fix=ctx.plans.integer_io("int8"),
    )
