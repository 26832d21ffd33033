"""Flags suppressions in the configuration that suppress nothing.

## What it does
Reports each `per-file-ignores` code and each `[[ignore-ops]]` entry that removed no finding from
the models it applies to, and each whose path glob matches no model of the project (a typo). The
finding points at the configuration file (`pyproject.toml` or `tpulint.toml`). An entry is judged
only when the run checked every model of the project its glob matches: a pre-commit run that
passes a few changed models never reports ignores meant for the others.

## Why is this bad?
An ignore that matches nothing is left over from a model that was fixed, renamed or removed, or
it has a typo and never worked. Either way it can silently hide a real problem later, when a new
model appears under the same glob.

## Example
```toml
[tool.tpulint.per-file-ignores]
"models/detector.tflite" = ["TPU201"]   # detector.tflite no longer has an unsupported op
```

## How to fix
Delete the entry, or correct its path, operator, tensor pattern or codes.

## Sources
tpulint's own suppression records: every ignore that matched a finding in a run is counted, and
a suppression that matches nothing would silently hide the next real problem it happens to match.
"""

from collections.abc import Iterator

from tpulint.api import ConfigContext, Finding, Severity, rule


@rule(code="TPU091", name="unused-ignore", severity=Severity.WARNING, scope="config",
      summary="Suppression in the configuration matches no finding")
def check(ctx: ConfigContext) -> Iterator[Finding]:
    for unused in ctx.unused:
        yield ctx.finding(f"{unused.setting} {unused.entry} suppressed nothing "
                          f"({unused.detail}); remove it",
                          data={"setting": unused.setting, "entry": unused.entry})
