"""Start a new rule: `python tools/new_rule.py TPU307 name-of-pattern --scope operator`.

Writes the rule module (`rules/<name>.py`, documented with the headings every rule has), its
in-memory test (`tests/test_rule_<name>.py`, which fails until the rule fires) and a fixture stub
(`fixtures/<CODE>/README.md`, naming the bad and good twins `fixtures/make_fixtures.py` should
produce). Refuses to overwrite anything. Then add the module to `MODULES` in `rules/__init__.py`.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTEXTS = {"model": "ModelContext", "subgraph": "SubgraphContext",
            "operator": "OperatorContext", "tensor": "TensorContext"}

RULE = '''"""Flags {what}.

## What it does
Reports {what}.

## Why is this bad?
Say what the Edge TPU compiler does with it, and what that costs.

## Example
fixtures/{code}/bad_{module}.tflite (good twin: good_{module}.tflite)

## How to fix
Say what to change in the model or its conversion.

## Sources
Name the Coral page, compiler log or issue this relies on.
"""

from collections.abc import Iterator

from tpulint.api import {imports}


@rule(code="{code}", name="{name}", severity=Severity.WARNING, scope="{scope}",
      summary="{summary}", status="preview")
def check(ctx: {context}) -> Iterator[Finding]:
    yield from ()  # yield ctx.finding("instance evidence") where the pattern occurs
'''

TEST = '''"""{code} {name} on models built in memory."""

from __future__ import annotations

from irbuild import GraphBuilder

from tpulint.engine.check import check_model
from tpulint.engine.config import Settings
from tpulint.engine.registry import load_registry

RULE = next(rule for rule in load_registry(plugins=False) if rule.code == "{code}")


def codes(model) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.code for f in check_model(model, "memory.tflite", [RULE], Settings()).findings]


def test_fires_on_the_pattern() -> None:
    g = GraphBuilder()
    g.unary("RELU", g.input((1, 4, 4, 4)))  # build the offending pattern here
    assert codes(g.model()) == ["{code}"]


def test_silent_on_its_near_miss() -> None:
    g = GraphBuilder()
    g.unary("RELU", g.input((1, 4, 4, 4)))
    assert codes(g.model()) == []
'''

FIXTURE = '''# {code} fixtures

Produce with `fixtures/make_fixtures.py` (real converter output), as a near-miss pair:

- `bad_{module}.tflite`: the smallest model where {code} `{name}` fires;
- `good_{module}.tflite`: the same model changed just enough that it does not.

Build both in `fixtures/keras_models.py` or `fixtures/function_models.py`, add them to `MODELS` in
`fixtures/make_fixtures.py` and to `CHECKS` in `fixtures/readback.py`, and describe them in
`fixtures/README.md`.
'''


class ScaffoldError(Exception):
    pass


def scaffold(code: str, name: str, scope: str, summary: str, root: Path = ROOT) -> list[Path]:
    if not re.fullmatch(r"TPU\d{3}", code):
        raise ScaffoldError(f"code {code!r} is not TPU and 3 digits")
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
        raise ScaffoldError(f"name {name!r} is not kebab-case")
    if scope not in CONTEXTS:
        raise ScaffoldError(f"scope {scope!r} is not one of {', '.join(CONTEXTS)}")
    module = name.replace("-", "_")
    fields = {"code": code, "name": name, "scope": scope, "summary": summary,
              "module": module, "context": CONTEXTS[scope], "what": summary[0].lower() +
              summary[1:],
              "imports": ", ".join([*sorted(["Finding", CONTEXTS[scope], "Severity"]), "rule"])}
    files = {root / "rules" / f"{module}.py": RULE,
             root / "tests" / f"test_rule_{module}.py": TEST,
             root / "fixtures" / code / "README.md": FIXTURE}
    taken = [str(path) for path in files if path.exists()]
    if taken:
        raise ScaffoldError(f"already exists: {', '.join(taken)}")
    for path, template in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(**fields), encoding="utf-8")
    return list(files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("code", help="TPUxxx, in the band of its family (docs/rules.md)")
    parser.add_argument("name", help="kebab-case name of the offending pattern")
    parser.add_argument("--scope", choices=list(CONTEXTS), default="operator")
    parser.add_argument("--summary", default="Describe the pattern in one line")
    args = parser.parse_args(argv)
    try:
        written = scaffold(args.code, args.name, args.scope, args.summary)
    except ScaffoldError as error:
        print(f"new_rule: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path.relative_to(ROOT)}")
    print("next: add the module to MODULES in rules/__init__.py")
    return 0


if __name__ == "__main__":
    sys.exit(main())
