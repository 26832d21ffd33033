"""Built-in rules follow the rule contract: names, modules, documentation, codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tpulint.api import Severity
from tpulint.docs import rule_page
from tpulint.engine.registry import load_registry

ROOT = Path(__file__).resolve().parent.parent
RULES = list(load_registry(plugins=False))
HEADINGS = ("## What it does", "## Why is this bad?", "## Example", "## How to fix", "## Sources")


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_contract(rule) -> None:  # type: ignore[no-untyped-def]
    module = rule.check.__module__.rsplit(".", 1)[-1]
    assert module == rule.name.replace("-", "_"), "one rule per module, named after the rule"
    assert re.fullmatch(r"TPU\d{3}", rule.code)
    assert isinstance(rule.severity, Severity)
    for heading in HEADINGS:
        assert heading in rule.doc, f"{rule.code} documentation lacks '{heading}'"
    if rule.options:
        assert "## Options" in rule.doc
        for option in rule.options:
            assert option in rule.doc
    example = re.search(r"fixtures/(TPU\d{3})/", rule.doc)
    if example:
        assert example.group(1) == rule.code
    page = rule_page(rule)
    assert page.startswith(f"# {rule.code} {rule.name}")


def test_rules_import_only_the_rule_api() -> None:
    for path in sorted((ROOT / "rules").glob("*.py")):
        for line in path.read_text().splitlines():
            if line.startswith(("import ", "from ")) and "tpulint" in line:
                assert line.startswith("from tpulint.api import"), f"{path.name}: {line}"


def test_codes_and_names_are_unique() -> None:
    assert len({r.code for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)


def test_reporters_never_import_rules() -> None:
    for path in sorted((ROOT / "tpulint" / "report").glob("*.py")):
        assert "tpulint.rules" not in path.read_text(), path.name
