"""Flags the operator where a CPU segment starts and the supported operators it drags along.

## What it does
Reports each operator that runs on the CPU for a reason of its own and has supported operators
depending on it. Those operators could run on the Edge TPU, but the compiler builds a single
Edge TPU region: everything downstream of the CPU operator runs on the CPU too ("More than one
subgraph is not supported"). Independent branches keep mapping.

## Why is this bad?
One operator in the middle of a network can send most of the network to the CPU, and every
inference pays for the CPU time and the transfers between CPU and accelerator. The message
estimates that CPU time from the stranded operators' arithmetic, for the host class of
`--board` (or `--host`); the JSON report ranks the causes by it (`latency.stranded_cpu_ms`).

## Example
fixtures/TPU401/bad_unsupported_mid.tflite (good twin: good_unsupported_end.tflite)

## How to fix
Fix the operator named in the message (see the other finding on it), or move it to the end of
the graph. `edgetpu_compiler -a` (experimental, undocumented) compiles the stranded operators as
more Edge TPU subgraphs at the cost of extra transfers; `-i TENSOR` ends the region on purpose.

## Sources
Coral models-intro ("the compiler cannot partition the model more than once"); google-coral/
edgetpu#461 (the stranded status); compiled corpus models.
"""

from collections.abc import Iterator

from tpulint.api import Finding, OperatorContext, Severity, rule


@rule(code="TPU401", name="cpu-fallback-partition", severity=Severity.WARNING, scope="operator",
      summary="CPU operator strands supported operators after it")
def check(ctx: OperatorContext) -> Iterator[Finding]:
    if ctx.model.compiled or ctx.subgraph.index != 0 or not ctx.violations:
        return
    if ctx.prediction.fatal:
        return  # nothing compiles at all: the fatal cause is the finding (TPU202, TPU301, ...)
    stranded = ctx.prediction.stranded.get(ctx.op.index, [])
    if not stranded:
        return
    total = len(ctx.prediction.operators)
    host = ctx.facts.latency.host
    cost_ms = ctx.facts.latency.stranded_cost_ms(ctx.op.index)
    cost = (f", costing about {cost_ms:.2g} ms of CPU time per inference (estimate on "
            f"{host.key}, ±{host.error:.0%})") if cost_ms is not None else ""
    yield ctx.finding(
        f"{ctx.describe(ctx.op.index)} ends the Edge TPU region ({ctx.violations[0].status}): "
        f"{len(stranded)} supported operator(s) after it run on the CPU too{cost}; "
        f"{ctx.prediction.tpu_count} of {total} stay on the Edge TPU",
        related=tuple(ctx.operator_location(i) for i in stranded[:10]),
        data={"stranded": stranded, "status": ctx.violations[0].status,
              "stranded_cpu_ms": None if cost_ms is None else round(cost_ms, 3),
              "host": host.key},
    )
