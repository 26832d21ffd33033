"""Flags a model with more than one subgraph (control flow or several signatures).

## What it does
Reports a model whose flatbuffer holds several subgraphs: the bodies of `WHILE` and `IF`
operators, or functions of a multi-signature export.

## Why is this bad?
The compiler maps one Edge TPU region of the main graph. Control-flow operators are not in the
Edge TPU's operator set, so they and the subgraphs they call run on the CPU, and everything that
depends on their result follows them there.

## Example
fixtures/TPU002/bad_control_flow.tflite (good twin: good_unrolled.tflite)

## How to fix
Remove control flow from the exported inference graph: unroll fixed-count loops, compute both
branches and select, or export the part you need as its own model.

## Sources
google-coral/edgetpu#461 (the Edge TPU subgraph count); Coral supported-operations table.
"""

from collections.abc import Iterator

from tpulint.api import Finding, ModelContext, Severity, rule


@rule(code="TPU002", name="multiple-subgraphs", severity=Severity.WARNING, scope="model",
      summary="Model has more than one subgraph")
def check(ctx: ModelContext) -> Iterator[Finding]:
    extra = ctx.model.subgraphs[1:]
    if not extra:
        return
    callers = sorted({op.opcode for op in ctx.model.main.operators
                      if op.opcode in ("WHILE", "IF", "CALL_ONCE", "CALL")})
    through = f" called by {', '.join(callers)}" if callers else ""
    ops = sum(len(sg.operators) for sg in extra)
    yield ctx.finding(
        f"{len(ctx.model.subgraphs)} subgraphs{through}: the {ops} operator(s) outside the main "
        "subgraph run on the CPU",
        fix=ctx.plans.manual("remove control flow from the inference graph"),
        data={"subgraphs": len(ctx.model.subgraphs), "callers": callers},
    )
