"""Built-in rules follow the rule contract: names, modules, documentation, codes."""

from __future__ import annotations

import ast
import re
import types
from collections.abc import Iterable
from pathlib import Path

import pytest

from tpulint import api
from tpulint.api import Severity
from tpulint.docs import rule_page
from tpulint.engine.registry import load_registry

ROOT = Path(__file__).resolve().parent.parent
RULES = list(load_registry(plugins=False))
HEADINGS = ("## What it does", "## Why is this bad?", "## Example", "## How to fix", "## Sources")


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_contract(rule) -> None:  # type: ignore[no-untyped-def]
    package, _, module = rule.check.__module__.rpartition(".")
    if package == "tpulint.rules":
        assert module == rule.name.replace("-", "_"), "one rule per module, named after the rule"
    else:  # verify's TPU5xx, declared together with the command that alone runs them
        assert rule.check.__module__ == "tpulint.verify.rules" and rule.scope == "verify"
        assert rule.code.startswith("TPU5")
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


# Where what tpulint.api offers may be defined: the API itself, the IR it hands out, and the
# namespaces that list the analysis facts rules may read one by one.
API_HOMES = ("tpulint.api", "tpulint.ir", "tpulint.plans", "tpulint.rulefacts")


def leaked_internals(namespace: dict[str, object], names: Iterable[str]) -> list[str]:
    """Names of `namespace` that hand a rule an internal module, class or function."""
    leaked = []
    for name in names:
        value = namespace[name]
        if isinstance(value, types.ModuleType):
            leaked.append(f"{name} is the module {value.__name__}")
        elif isinstance(value, (type, types.FunctionType)) and value.__module__ not in API_HOMES:
            leaked.append(f"{name} is defined in {value.__module__}")
    return leaked


def test_rules_import_only_the_rule_api() -> None:
    offered = set(api.__all__)
    for path in sorted((ROOT / "rules").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                assert not [a.name for a in node.names if a.name.startswith("tpulint")], path.name
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tpulint"):
                assert node.module == "tpulint.api", f"{path.name} imports {node.module}"
                imported = {alias.name for alias in node.names}
                assert imported <= offered, f"{path.name}: {imported - offered} not in api"
    assert leaked_internals(vars(api), api.__all__) == []


def test_the_api_check_catches_a_re_exported_analysis_module() -> None:
    from tpulint.analysis import support
    from tpulint.analysis.constraints import Violation

    namespace = {**vars(api), "support": support, "Violation": Violation}
    assert leaked_internals(namespace, ["support", "Violation", "Finding"]) == [
        "support is the module tpulint.analysis.support",
        "Violation is defined in tpulint.analysis.constraints"]


def test_codes_and_names_are_unique() -> None:
    assert len({r.code for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)


def test_reporters_never_import_rules() -> None:
    for path in sorted((ROOT / "tpulint" / "report").glob("*.py")):
        assert "tpulint.rules" not in path.read_text(), path.name
