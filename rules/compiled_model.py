"""Flags a model that is already compiled for the Edge TPU.

## What it does
Reports a model that contains an `edgetpu-custom-op`: the Edge TPU compiler has already run on it.
It says how many operators the compiled region replaced and which operators stay on the CPU,
and reads the compiled package for the compiler that made it and the runtime it needs.

## Why is this bad?
Nothing is wrong with a compiled model, but linting it tells you about the compiler's past
decisions, not about your source model. Compiling it again is not documented to work, and a
package built for a newer runtime than the device has fails to load ("Package requires runtime
version (14), which is newer than this runtime version (13)").

## Example
fixtures/TPU001/bad_compiled.tflite (good twin: good_uncompiled.tflite)

## How to fix
Lint the model you give to `edgetpu_compiler`, or exclude compiled files
(`extend-exclude = ["**/*_edgetpu.tflite"]`).

## Sources
libedgetpu `tflite/public/edgetpu.h` (custom code `edgetpu-custom-op`) and
`executable/executable.fbs` (the package records `min_runtime_version`, `compiler_version`).
"""

from collections.abc import Iterator

from tpulint.api import Finding, ModelContext, Severity, rule


@rule(code="TPU001", name="compiled-model", severity=Severity.INFO, scope="model",
      summary="Model is already compiled for the Edge TPU")
def check(ctx: ModelContext) -> Iterator[Finding]:
    if not ctx.model.compiled:
        return
    prediction = ctx.facts.prediction
    compiled_ops = [op for op in ctx.model.main.operators if op.is_edgetpu]
    packages = [op.compiled for op in compiled_ops if op.compiled is not None]
    message = (f"already compiled: {len(compiled_ops)} Edge TPU operator(s), "
               f"{prediction.cpu_count} operator(s) on the CPU")
    data: dict[str, object] = {"edgetpu_operators": len(compiled_ops),
                               "cpu_operators": prediction.cpu_count}
    if packages:
        runtime = max(p.min_runtime_version or 0 for p in packages)
        compilers = sorted({_version(p.compiler_version) for p in packages})
        message += f"; needs Edge TPU runtime {runtime} or newer (compiler {', '.join(compilers)})"
        data.update(min_runtime_version=runtime, compiler_version=compilers)
    yield ctx.finding(message, data=data)


def _version(tag: str | None) -> str:
    """The compiler's build tag as stored in the package; released compilers store an empty
    one (`cl/` with no number)."""
    return "not recorded" if not tag or tag.rstrip("/") in ("", "cl") else tag
