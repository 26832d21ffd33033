"""Flags tensors whose size is only known at run time.

## What it does
Reports where dynamic sizes enter the model: a tensor whose shape signature has -1 in a
dimension other than the batch, or whose rank is unknown, and that is a model input or is made
from static inputs. Tensors that are dynamic only because an earlier one is are not repeated.

## Why is this bad?
The compiler runs the model in a TensorFlow Lite interpreter and only accepts static sizes:
"Attempting to use a delegate that only supports static-sized tensors with a graph that has
dynamic-sized tensors", then "Model failed in Tflite interpreter". Nothing is compiled.
A dynamic batch alone (-1 in the first dimension, stored as 1) compiles; see TPU302.

## Example
fixtures/TPU301/bad_dynamic_shape.tflite (good twin: good_static_shape.tflite)

## How to fix
Export with fixed input sizes: a Keras `Input(shape=..., batch_size=1)` or a `tf.function`
`input_signature` without `None`, then convert again. `tpulint fix` does this with the sizes
you give.

## Sources
google-coral/edgetpu#829 and #831 (the compiler's messages); Coral model requirements ("tensor
sizes are constant at compile-time").
"""

from collections.abc import Iterator

from tpulint.api import Finding, Severity, TensorContext, rule


@rule(code="TPU301", name="dynamic-shape", severity=Severity.ERROR, scope="tensor",
      summary="Tensor has a size known only at run time", fix="unsafe")
def check(ctx: TensorContext) -> Iterator[Finding]:
    tensor = ctx.tensor
    unknown_rank = (not tensor.has_rank and not tensor.shape and not tensor.constant
                    and ctx.graph.writes_has_rank and ctx.producer is not None)
    if not tensor.dynamic_size and not unknown_rank:
        return
    producer = ctx.producer
    if producer is not None:
        inputs = ctx.subgraph.op_inputs(producer)
        if any(t.dynamic_size for t in inputs):
            return  # inherited from an input already reported
    what = "unknown rank" if unknown_rank else f"dynamic shape {list(tensor.shape_signature or ())}"
    where = "model input" if ctx.is_model_input else "tensor"
    yield ctx.finding(
        f"{where} '{tensor.name}' has {what}: the compiler only takes static sizes and "
        "fails on the whole model",
        fix=ctx.plans.static_shapes(),
    )
