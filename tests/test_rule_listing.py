"""`tpulint rules` reads the built-in rules from a generated catalog: it must say what the rules
declare, print what the registry would, and still list the rules of an installed package."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT
from test_jobs_plugins import plugin_dir

from tpulint.engine import rule_catalog
from tpulint.engine.listing import catalog_source, row
from tpulint.engine.registry import load_registry

CATALOG = ROOT / "tpulint" / "engine" / "rule_catalog.py"


def test_the_catalog_is_the_rules_own_metadata() -> None:
    registry = list(load_registry(plugins=False))
    assert CATALOG.read_text(encoding="utf-8") == catalog_source(registry), (
        "tpulint/engine/rule_catalog.py is stale: run `python -m tpulint.docs` and commit it")
    assert tuple(row(rule) for rule in registry) == rule_catalog.RULES


def test_a_changed_rule_makes_the_catalog_stale() -> None:
    registry = list(load_registry(plugins=False))
    changed = [registry[0].replace(summary=registry[0].summary + " (changed)"), *registry[1:]]
    assert catalog_source(changed) != CATALOG.read_text(encoding="utf-8")


def tpulint(*args: str, path: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    if path is not None:
        env["PYTHONPATH"] = str(path)
    done = subprocess.run([sys.executable, "-m", "tpulint", *args], capture_output=True,
                          text=True, env=env, cwd=path or ROOT, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done


def expected_text(rules: list[dict[str, str | None]]) -> str:
    lines = []
    for rule in rules:
        status = "" if rule["status"] == "stable" else f"  ({rule['status']})"
        lines.append(f"{rule['code']}  {rule['name']:<26} {rule['severity']:<8} "
                     f"{rule['summary']}{status}")
    return "\n".join(lines) + "\n"


def registry_rows() -> list[dict[str, str | None]]:
    return [{"code": r.code, "name": r.name, "summary": r.summary,
             "severity": r.severity.value, "scope": r.scope, "status": r.status, "fix": r.fix,
             "url": r.url} for r in load_registry(plugins=False)]


@pytest.mark.parametrize("args", [["rules"], ["rules", "--format", "text"]])
def test_the_text_listing_prints_every_rule_as_the_registry_has_it(args: list[str]) -> None:
    assert tpulint(*args).stdout == expected_text(registry_rows())


def test_the_json_listing_is_the_registry_s_rows() -> None:
    out = tpulint("rules", "--format", "json").stdout
    assert json.loads(out) == registry_rows()
    assert out == json.dumps(registry_rows(), indent=2) + "\n"


def test_an_installed_rule_package_is_listed_with_the_built_in_rules(tmp_path: Path) -> None:
    path = plugin_dir(tmp_path)
    text = tpulint("rules", path=path).stdout.splitlines()
    builtin = expected_text(registry_rows()).splitlines()
    assert text == sorted([*builtin, f"ACME001  {'acme-count':<26} warning  Counts operators"])
    listed = json.loads(tpulint("rules", "--format", "json", path=path).stdout)
    assert [rule["code"] for rule in listed] == ["ACME001", *(r["code"] for r in registry_rows())]
