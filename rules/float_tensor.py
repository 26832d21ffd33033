"""Flags float tensors computed inside an otherwise integer model.

## What it does
Reports each activation tensor of a quantized model that is float (float32, float16): an operator
the converter could not quantize, wrapped in DEQUANTIZE and QUANTIZE.

## Why is this bad?
The Edge TPU runs only 8-bit integer tensors. The operators that read or write the float tensor
run on the CPU ("Operation is working on an unsupported data type"), and every operator that
depends on them follows, because the compiler keeps a single Edge TPU region.

## Example
fixtures/TPU101/bad_float_op_inside.tflite (good twin: good_tanh_inside.tflite)

## How to fix
Replace the operator with one that has an 8-bit kernel, or move it out of the model (pre- or
post-processing). Reconverting only helps when the float op was left by a converter setting
(`supported_ops` allowing float fallback); then reconvert with `TFLITE_BUILTINS_INT8` only.

Whole-model recipes (float, float16, dynamic-range, 16x8) are reported by TPU102-TPU106 instead,
and float model inputs and outputs by TPU105.

## Sources
Coral model requirements: tensor parameters are quantized to 8 bits.
"""

from collections.abc import Iterator

from tpulint.api import Finding, Severity, TensorContext, recipes, rule

REPORTED_AS_RECIPE = (recipes.FLOAT, recipes.FLOAT16, recipes.DYNAMIC_RANGE,
                      recipes.INT16_ACTIVATIONS, recipes.COMPILED)


@rule(code="TPU101", name="float-tensor", severity=Severity.ERROR, scope="tensor",
      summary="Float tensor inside an integer model", fix=None)
def check(ctx: TensorContext) -> Iterator[Finding]:
    tensor, recipe = ctx.tensor, ctx.facts.recipe
    if tensor.constant or tensor.dtype not in recipes.FLOAT_TYPES or ctx.subgraph.index != 0:
        return
    if recipe.kind in REPORTED_AS_RECIPE:
        return
    if tensor.index in recipe.float_inputs or tensor.index in recipe.float_outputs:
        return
    if tensor.index in recipe.custom_tensors:
        return  # a custom operator's own input or output: TPU204 reports the operator
    producer = ctx.producer
    if producer is None and not ctx.consumers and not ctx.is_model_input:
        return  # no operator computes with it (an LSTM's recorded intermediates)
    made_by = ctx.describe(producer.index) if producer else "a model input"
    users = ", ".join(ctx.describe(op.index) for op in ctx.consumers[:3]) or "no operator"
    yield ctx.finding(
        f"tensor '{tensor.name}' is {tensor.dtype}: made by {made_by}, read by {users}",
        operator=made_by if producer else None,
        fix=ctx.plans.manual("replace the float operator with one that has an int8 kernel"),
    )
