"""Flags operators refused because a tensor is too large for the Edge TPU's layout.

## What it does
Reports an operator whose tensors exceed a size limit the compiler applies without publishing
it: the x*z plane of a tensor (its two innermost dimensions), the whole tensor of a TRANSPOSE,
the output of a bilinear resize. The limits were measured on real compiler output and the
finding carries a medium confidence.

## Why is this bad?
The operator runs on the CPU ("Operation is otherwise supported, but not mapped due to some
unspecified limitation") with everything that depends on it. Detection heads at 640x640 hit
this while the same model at 320x320 maps.

## Example
fixtures/TPU305/bad_large_transpose.tflite (good twin: good_small_transpose.tflite)

## How to fix
Lower the input resolution, split the tensor (for example process a detection head per scale),
or move the operator to post-processing. `edgetpu_compiler -i TENSOR` can end the Edge TPU
region before it on purpose.

## Sources
Compiler output for YOLOv8 at 640 and 320 px (corpus); google-coral/edgetpu#31 (bilinear resize
at 512x512), #512 (YOLOv5 at several sizes), #461 (a MEAN too large to map).
"""

from collections.abc import Iterator

from tpulint.api import Finding, OperatorContext, Severity, rule


@rule(code="TPU305", name="tensor-too-large", severity=Severity.WARNING, scope="operator",
      summary="Tensor exceeds an Edge TPU size limit")
def check(ctx: OperatorContext) -> Iterator[Finding]:
    return ctx.cpu_findings("reduce the tensor size or move the operator out",
                            confidence="medium", name_constraint=True)
