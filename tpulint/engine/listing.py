"""`tpulint rules`: one row per rule, printed as text or JSON.

The built-in rules' rows are read from `rule_catalog.py`, written from the rules' own metadata
by `python -m tpulint.docs` (a test fails when it drifts), so the listing imports no rule module
and no analysis. When another rule package is installed, the registry loads every rule and the
rows come from it, checked as `tpulint check` checks them.
"""

from __future__ import annotations

import sys

from tpulint.engine.entry_points import BUILTIN_PREFIX, entry_points

TYPE_CHECKING = False  # as typing's, without importing typing
if TYPE_CHECKING:
    from collections.abc import Iterable

    from tpulint.api import Rule

Row = dict[str, "str | None"]  # code, name, summary, severity, scope, status, fix, url


def row(rule: Rule) -> Row:
    return {"code": rule.code, "name": rule.name, "summary": rule.summary,
            "severity": rule.severity.value, "scope": rule.scope, "status": rule.status,
            "fix": rule.fix, "url": rule.url}


def rows() -> list[Row]:
    """Every rule's row, in code order."""
    if all(prefix == BUILTIN_PREFIX for prefix, _module in entry_points()):
        from tpulint.engine.rule_catalog import RULES

        return list(RULES)
    from tpulint.engine.registry import load_registry

    return [row(rule) for rule in load_registry()]


def print_rules(output_format: str) -> None:
    listing = rows()
    if output_format == "json":
        import json

        json.dump(listing, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    for rule in listing:
        status = "" if rule["status"] == "stable" else f"  ({rule['status']})"
        print(f"{rule['code']}  {rule['name']:<26} {rule['severity']:<8} {rule['summary']}"
              f"{status}")


def catalog_source(rules: Iterable[Rule]) -> str:
    """The text of `rule_catalog.py` for the built-in `rules`."""
    lines = ['"""The built-in rules\' rows of `tpulint rules`, generated from their metadata by',
             '`python -m tpulint.docs`; do not edit."""', "# ruff: noqa: E501", "",
             "RULES: tuple[dict[str, str | None], ...] = ("]
    lines += [f"    {row(rule)!r}," for rule in rules]
    return "\n".join([*lines, ")", ""])
