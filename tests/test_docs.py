"""docs/rules.md and docs/supported-ops.md are generated from rule metadata: never stale."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT

from tpulint.docs import write_documents
from tpulint.engine.registry import load_registry


@pytest.mark.parametrize("name", ["rules.md", "supported-ops.md"])
def test_generated_docs_are_up_to_date(tmp_path: Path, name: str) -> None:
    (fresh,) = [p for p in write_documents(tmp_path) if p.name == name]
    committed = ROOT / "docs" / name
    assert committed.is_file(), f"docs/{name} is missing: run `python -m tpulint.docs`"
    assert committed.read_text(encoding="utf-8") == fresh.read_text(encoding="utf-8"), (
        f"docs/{name} is stale: run `python -m tpulint.docs` and commit the result")


def test_every_rule_has_a_section_and_prints_its_page(cli: Any) -> None:
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    for rule in load_registry(plugins=False):
        assert f'<a id="{rule.code.lower()}"></a>{rule.code} {rule.name}' in text
        page = cli("rule", rule.code).out
        assert page.startswith(f"# {rule.code} {rule.name}\n")
        assert rule.summary in page
