"""tools/new_rule.py writes a rule that registers, its test and a fixture stub; never overwrites."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from new_rule import ScaffoldError, scaffold

from tpulint.engine.registry import Registry

HEADINGS = ("## What it does", "## Why is this bad?", "## Example", "## How to fix", "## Sources")


def test_the_scaffolded_rule_registers_with_the_contract(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    written = scaffold("TPU399", "odd-pattern", "tensor", "Tensor has an odd pattern", tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == [
        "fixtures/TPU399/README.md", "rules/odd_pattern.py", "tests/test_rule_odd_pattern.py"]
    spec = importlib.util.spec_from_file_location("scaffolded_odd_pattern", written[0])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # the decorator reads its docstring
    spec.loader.exec_module(module)
    registry = Registry()
    registry.add([module.check], "TPU", "scaffold")  # validates the metadata
    rule = registry.resolve("odd-pattern")
    assert rule is not None and rule.code == "TPU399" and rule.scope == "tensor"
    assert rule.status == "preview" and all(h in rule.doc for h in HEADINGS)
    test_text = written[1].read_text(encoding="utf-8")
    compile(test_text, str(written[1]), "exec")
    assert "from tpulint.api import Finding, Severity, TensorContext, rule" in \
        written[0].read_text(encoding="utf-8")
    assert '"TPU399"' in test_text


def test_bad_arguments_and_existing_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ScaffoldError, match="kebab-case"):
        scaffold("TPU399", "Odd_Pattern", "tensor", "x", tmp_path)
    with pytest.raises(ScaffoldError, match="TPU and 3 digits"):
        scaffold("ACME1", "odd-pattern", "tensor", "x", tmp_path)
    scaffold("TPU399", "odd-pattern", "operator", "Operator is odd", tmp_path)
    with pytest.raises(ScaffoldError, match="already exists"):
        scaffold("TPU399", "odd-pattern", "operator", "Operator is odd", tmp_path)
