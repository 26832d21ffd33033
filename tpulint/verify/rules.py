"""The TPU5xx rules: what `verify` reports when the compiler contradicts tpulint.

They are registered with the built-in rules (`tpulint rules`, `tpulint rule TPU501`, docs, and
select/ignore/severity settings apply), with scope `verify`: their facts are a compiler run,
which `check` never has, so only `verify` runs them, on its `Comparison`. This module holds
their metadata and documentation only; the checks in `tpulint.verify.findings` load when
`verify` calls them, so listing the rules costs `check` nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from tpulint.api import Finding, Rule, Severity

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from typing import Any

PLACEMENT_DOC = """Flags an operator the compiler placed where tpulint did not predict.

## What it does
Compares tpulint's predicted placement of each operator with the compiled model that
`edgetpu_compiler` wrote: operators it replaced by `edgetpu-custom-op` run on the Edge TPU, the
ones it kept run on the CPU. Reports each operator placed the other way.

## Why is this bad?
`tpulint check` was wrong about this model: its findings for this operator (or the lack of them)
do not describe what the compiler does, and placement-based advice may mislead.

## Example
A RESHAPE predicted on the Edge TPU that the compiler leaves on the CPU with "Operation is
otherwise supported, but not mapped due to some unspecified limitation".

## How to fix
Trust the compiler for this model. Please report the model (or its operator listing from
`tpulint check --format json`) so the prediction can be corrected. Options such as `-a` and `-d`
change placement in ways tpulint does not predict.

## Sources
The compiled model written by `edgetpu_compiler` 16 (operators it replaced by
`edgetpu-custom-op`); the compiler's operation log (docs/verify.md).
"""

COMPILE_FAILED_DOC = """Flags a model the Edge TPU compiler could not compile.

## What it does
Reports a compilation that failed: a fatal compiler error (see docs/verify.md), a non-zero
exit code, or a compiler that ran past its timeout. The message quotes the compiler and says
whether tpulint predicted the failure.

## Why is this bad?
Nothing of the model runs on the Edge TPU. When tpulint predicted no failure, `check` missed the
cause, which is a contradiction too.

## Example
A model with CONV_2D version 6: "ERROR: Didn't find op for builtin opcode 'CONV_2D' version '6'"
(predicted by TPU202).

## How to fix
Follow the finding of the rule that predicted the failure; for timeouts and internal errors,
smaller inputs or fewer large activations help, or a longer `--timeout`.

## Sources
The compiler's exit code and the messages it prints; fatal errors recorded from real compiler
runs are listed in docs/verify.md.
"""

REASON_DOC = """Flags an operator the compiler left on the CPU for another reason than predicted.

## What it does
For an operator placed as predicted, compares tpulint's status string with the compiler's
operation log. The log counts operators per type; when a type has several CPU statuses, the
prediction is contradicted only if it is none of them.

## Why is this bad?
The placement is right but the explanation is not, so the suggested fix may not help.

## Example
A DEQUANTIZE predicted "Operation is working on an unsupported data type" that the log reports as
"Tensor has unsupported rank (up to 3 innermost dimensions mapped)".

## How to fix
Use the compiler's status to decide what to change; please report the model.

## Sources
The operation log `edgetpu_compiler` writes beside the compiled model (docs/verify.md).
"""

FATAL_DOC = """Flags a model the compiler accepted although tpulint predicted it would fail.

## What it does
Reports a compilation that succeeded (or failed for another cause) while `tpulint check`
predicted a whole-model failure: an operator version the compiler cannot parse, dynamic tensor
sizes, or a model that is not quantized.

## Why is this bad?
The prediction that nothing maps was wrong; the findings that predicted the failure (TPU202,
TPU206, TPU301, TPU104) do not hold for this compiler.

## Example
A model whose `-1` batch dimension tpulint read as a dynamic size, which the compiler accepted.

## How to fix
Trust the compiler for this model, and please report it.

## Sources
The compiler's exit code and messages, compared with the whole-model failures tpulint predicts
(docs/prediction.md).
"""



# Module-level functions, so rules pickle (`check --jobs` sends them to worker processes).
def _placement(ctx: Any) -> Iterator[Finding]:
    from tpulint.verify import findings

    return findings.placement(ctx)


def _compile_failed(ctx: Any) -> Iterator[Finding]:
    from tpulint.verify import findings

    return findings.compile_failed(ctx)


def _reason(ctx: Any) -> Iterator[Finding]:
    from tpulint.verify import findings

    return findings.reason(ctx)


def _fatal_not_reproduced(ctx: Any) -> Iterator[Finding]:
    from tpulint.verify import findings

    return findings.fatal_not_reproduced(ctx)


RULES = (
    Rule(code="TPU501", name="placement-contradicted", severity=Severity.WARNING,
         scope="verify", summary="The compiler placed an operator other than predicted",
         check=_placement, doc=PLACEMENT_DOC.strip()),
    Rule(code="TPU502", name="compile-failed", severity=Severity.ERROR, scope="verify",
         summary="The Edge TPU compiler failed on the model", check=_compile_failed,
         doc=COMPILE_FAILED_DOC.strip()),
    Rule(code="TPU503", name="reason-contradicted", severity=Severity.INFO, scope="verify",
         summary="The compiler gave another status than predicted", check=_reason,
         doc=REASON_DOC.strip()),
    Rule(code="TPU504", name="fatal-not-reproduced", severity=Severity.WARNING, scope="verify",
         summary="The compiler accepted a model predicted to fail",
         check=_fatal_not_reproduced, doc=FATAL_DOC.strip()),
)
