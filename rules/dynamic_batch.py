"""Flags model inputs with a dynamic batch dimension.

## What it does
Reports a model input whose shape signature is -1 in the batch dimension only (its stored shape
has batch 1).

## Why is this bad?
The compiler compiles the stored shape, batch 1, so the model maps. But the Edge TPU runs only
the batch it was compiled for: resizing the input at run time (`resize_tensor_input`) to a larger
batch fails or falls back, and the -1 signals an export that was not pinned for inference.

## Example
fixtures/TPU302/bad_dynamic_batch.tflite (good twin: good_int8.tflite)

## How to fix
Export with `batch_size=1` (Keras `Input(..., batch_size=1)` or a fixed `input_signature`), and
run larger batches as several invocations.

## Sources
Compiled corpus models with a -1 batch that map normally; google-coral/edgetpu#121 (batch > 1
is not supported).
"""

from collections.abc import Iterator

from tpulint.api import Finding, Severity, TensorContext, rule


@rule(code="TPU302", name="dynamic-batch", severity=Severity.WARNING, scope="tensor",
      summary="Model input has a dynamic batch dimension", fix="unsafe")
def check(ctx: TensorContext) -> Iterator[Finding]:
    signature = ctx.tensor.shape_signature
    if not ctx.is_model_input or ctx.subgraph.index != 0 or not signature:
        return
    if signature[0] < 0 and all(size >= 0 for size in signature[1:]):
        yield ctx.finding(
            f"model input '{ctx.tensor.name}' has a dynamic batch {list(signature)}: it compiles "
            f"as batch {ctx.tensor.shape[0] if ctx.tensor.shape else 1} and runs only that",
            fix=ctx.plans.static_shapes(),
        )
