"""Flags operator versions newer than Edge TPU compiler 16 can parse.

## What it does
Reports an operator whose version was introduced by a TensorFlow release newer than the op
resolver built into `edgetpu_compiler` 16.0 (July 2021). Versions added in TensorFlow 2.6, when
that compiler was built, are reported as warnings: they were seen neither failing nor passing.

## Why is this bad?
The compiler cannot even load such a model: "Didn't find op for builtin opcode 'CONV_2D' version
'6'" then "Model could not be parsed". Nothing is compiled, even when the operator would have run
on the CPU anyway. Newer converters write newer versions for new features: grouped convolutions
(CONV_2D v6), fused activations on TRANSPOSE_CONV (v4), per-channel QUANTIZE (v3), int8 EXP
(v2), int4 or int16 variants.

## Example
fixtures/TPU202/bad_grouped_conv.tflite (good twin: good_ungrouped_conv.tflite)

## How to fix
Avoid the feature that raised the version (the message names it where known), or convert with an
older TensorFlow (2.5 to 2.15 produce versions compiler 16 reads for common int8 models).

## Sources
TensorFlow `tensorflow/lite/tools/versioning/runtime_version.cc` (the release introducing each
version); google-coral/edgetpu#631, #845, #879 and libedgetpu#71 (reported failures).
"""

from collections.abc import Iterator

from tpulint.api import Finding, OperatorContext, Severity, operators, rule, versions


@rule(code="TPU202", name="op-version-too-new", severity=Severity.ERROR, scope="operator",
      summary="Operator version is newer than Edge TPU compiler 16 can parse", fix="unsafe")
def check(ctx: OperatorContext) -> Iterator[Finding]:
    op = ctx.op
    if op.is_custom or op.builtin_code > versions.MAX_UNCONFIRMED_BUILTIN_CODE:
        return  # unknown operator codes: TPU206
    verdict = versions.parse_verdict(op.opcode, op.builtin_code, op.version)
    if verdict == "known":
        return
    known = versions.max_known_version(op.opcode)
    cause = operators.facts(op.opcode).version_causes.get(op.version)
    label = ctx.describe(op.index)
    if verdict == "unknown":
        message = (f"{label} is version {op.version}, newer than compiler 16 parses (up to "
                   f"{versions.max_unconfirmed_version(op.opcode)}): the whole compilation fails")
    else:
        message = (f"{label} is version {op.version}, which came with TensorFlow 2.6 when "
                   f"compiler 16 was built; versions up to {known} are known to parse")
    if cause:
        message += f"; it comes from {cause}"
    yield ctx.finding(
        message,
        severity=None if verdict == "unknown" else Severity.WARNING,
        confidence="high" if verdict == "unknown" else "low",
        fix=ctx.plans.compiler16_versions(),
        data={"version": op.version, "max_known_version": known, "verdict": verdict},
    )
