"""Flags dynamic-range (hybrid) quantization, which the compiler rejects.

## What it does
Reports operators that compute in float with 8-bit weights: the result of
`optimizations = [tf.lite.Optimize.DEFAULT]` without a representative dataset.

## Why is this bad?
The model looks quantized (its weights are int8) but its activations are float. The compiler
refuses such a model as a whole: "Invalid model ... Model not quantized".

## Example
fixtures/TPU104/bad_dynamic_range.tflite (good twin: good_calibrated.tflite)

## How to fix
Add a `representative_dataset` so the converter calibrates activations, and set
`supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]` so it fails instead of falling back to
float. `tpulint fix` does this.

## Sources
google-coral/edgetpu#238 (a dynamic-range model: "Model not quantized"); Coral model requirements.
"""

from collections.abc import Iterator

from tpulint.api import Finding, ModelContext, Severity, recipes, rule


@rule(code="TPU104", name="dynamic-range-quantized", severity=Severity.ERROR, scope="model",
      summary="Model uses dynamic-range (hybrid) quantization", fix="unsafe")
def check(ctx: ModelContext) -> Iterator[Finding]:
    recipe = ctx.converted_as(recipes.DYNAMIC_RANGE)
    if recipe is None:
        return
    first = recipe.hybrid_ops[0]
    yield ctx.finding(
        f"dynamic-range quantization: {len(recipe.hybrid_ops)} operator(s) compute in float with "
        "int8 weights; the compiler rejects the model ('Model not quantized')",
        related=tuple(ctx.operator_location(op) for op in recipe.hybrid_ops[:5]),
        fix=ctx.plans.full_integer(),
        data={"hybrid_operators": list(recipe.hybrid_ops), "first": first},
    )
