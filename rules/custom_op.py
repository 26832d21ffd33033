"""Flags custom operators, which run on the CPU.

## What it does
Reports a CUSTOM operator other than the Edge TPU's own and TensorFlow Select ones (TPU205):
detection post-processing (`TFLite_Detection_PostProcess`), pose decoders, or any operator
registered by an application. In a model that is already compiled the compiler has placed it
(on the CPU, by design), so the finding is information only and does not fail the run.

## Why is this bad?
The Edge TPU only runs builtin operators. A custom operator runs on the CPU ("Operation is working
on an unsupported data type") and needs its kernel registered in the interpreter that runs the
model. Operators after it that depend on it run on the CPU too. At the end of a model this is
usually intended.

## Example
fixtures/TPU204/bad_custom.tflite (good twin: good_builtin_exp.tflite)

## How to fix
Keep custom operators at the end of the graph (post-processing), or replace them with builtins.
To accept a known one, ignore it by operator: `[[tool.tpulint.ignore-ops]]` with `op`, `codes`
and a `reason`.

## Sources
Compiler logs (custom post-processing operators on the CPU); google-coral/edgetpu#490.
"""

from collections.abc import Iterator

from tpulint.api import Finding, OperatorContext, Severity, rule


@rule(code="TPU204", name="custom-op", severity=Severity.WARNING, scope="operator",
      summary="Custom operator runs on the CPU")
def check(ctx: OperatorContext) -> Iterator[Finding]:
    op = ctx.op
    code = op.custom_code
    if code is None or op.is_edgetpu or code.startswith("Flex"):
        return
    if ctx.model.compiled:
        # The compiler already placed it: a fact of the compiled model, not a problem to fix
        # (post-processing such as TFLite_Detection_PostProcess stays on the CPU by design).
        yield ctx.finding(f"custom operator {ctx.describe(op.index)} runs on the CPU in the "
                          "compiled model", severity=Severity.INFO)
        return
    yield ctx.finding(f"custom operator {ctx.describe(op.index)} runs on the CPU",
                      fix=ctx.plans.manual("move the custom operator out of the Edge TPU graph"))
