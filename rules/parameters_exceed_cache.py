"""Flags models whose parameters do not fit the Edge TPU's on-chip memory.

## What it does
Estimates the parameter memory of the operators predicted on the Edge TPU (weights, plus the
per-channel and per-operator data the compiler adds) and compares it with the on-chip cache
(about 6.9 MiB of the 8 MiB SRAM). For a compiled model it reads the compiled package instead.

## Why is this bad?
Parameters that do not fit are streamed from host memory at every inference ("Off-chip memory
used for streaming uncached model parameters"), which is much slower, above all over USB.
Several models compiled separately also evict each other's cached parameters.

## Example
No fixture: the estimate is tested on models built in memory.

## How to fix
Use a smaller model (width multiplier, fewer channels), split the model into segments for
several Edge TPUs (`edgetpu_compiler -n`), or co-compile models that run together.

## Options
cache-bytes (default 7235174, about 6.9 MiB): the on-chip memory to assume for parameters.

## Sources
Coral compiler documentation (parameter caching, co-compilation, segments); the estimate is
fitted on the parameters of 19 compiled models (within 15%, 4% on average).
"""

from collections.abc import Iterator

from tpulint.api import Finding, ModelContext, Severity, limits, rule

MIB = 1024 * 1024


@rule(code="TPU402", name="parameters-exceed-cache", severity=Severity.WARNING, scope="model",
      summary="Parameters exceed the Edge TPU's on-chip cache",
      options={"cache-bytes": limits.PARAMETER_CACHE.value})
def check(ctx: ModelContext) -> Iterator[Finding]:
    memory = ctx.facts.memory
    cache = int(ctx.options["cache-bytes"])
    if memory.parameter_bytes <= cache:
        return
    how = "the compiled package holds" if memory.measured else "about"
    yield ctx.finding(
        f"{how} {memory.parameter_bytes / MIB:.1f} MiB of parameters for a {cache / MIB:.1f} MiB "
        f"on-chip cache: {(memory.parameter_bytes - cache) / MIB:.1f} MiB stream from host memory "
        "at every inference",
        confidence="high" if memory.measured else "medium",
        data={"parameter_bytes": memory.parameter_bytes, "cache_bytes": cache},
    )
