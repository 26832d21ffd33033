"""No constraint fires on an operator the compiler mapped, and models it mapped completely get no
error finding: checked on the copied corpus models (tests/data/corpus) and, where the ground-truth
corpus sits beside the repository (../shared/corpus), on all of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tpulint.analysis import constraints, operators
from tpulint.analysis.constraints import OperatorView
from tpulint.engine.check import check_model
from tpulint.engine.config import Settings
from tpulint.engine.registry import load_registry
from tpulint.ir import Model
from tpulint.reader import ModelReadError, read_model

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "corpus"
# ../shared/corpus beside the repository (or beside the folder of worktrees), when present
SHARED = next((p for p in (HERE.parents[1] / "shared" / "corpus",
                           HERE.parents[2] / "shared" / "corpus") if p.is_dir()),
              HERE.parents[1] / "shared" / "corpus")
RULES = list(load_registry(plugins=False))


def _local() -> list[tuple[str, Path, list[dict[str, Any]]]]:
    truth = json.loads((DATA / "truth.json").read_text())
    return [(mid, DATA / f"{mid}.tflite", entry["ops"]) for mid, entry in sorted(truth.items())]


def _shared() -> list[tuple[str, Path, list[dict[str, Any]]]]:
    found = []
    for path in sorted((SHARED / "truth").glob("*.json")):
        truth = json.loads(path.read_text())
        ops = [o for o in truth["ops"] if o.get("subgraph", 0) == 0]
        found.append((truth["id"], SHARED / "models" / truth["source"]["local"], ops))
    return found


def constraints_firing_on_mapped(model: Model, ops: list[dict[str, Any]]) -> list[str]:
    """Every constraint of the engine that fires on an operator the compiler mapped."""
    sg = model.main
    wrong = []
    for expected in ops:
        if expected["status"] != "tpu":
            continue
        op = sg.operators[expected["index"]]
        spec = operators.SUPPORTED.get(op.opcode)
        view = OperatorView(model, sg, op, spec)
        every = [*constraints.GENERIC, *(spec.constraints if spec else ()),
                 *constraints.GENERIC_LIMITS]
        wrong += [f"op{op.index} {op.opcode}: {c.name} ({detail})"
                  for c in every if (detail := c.check(view))]
    return wrong


def error_findings(model: Model, ops: list[dict[str, Any]]) -> list[str]:
    result = check_model(model, "model.tflite", RULES, Settings())
    return [f"{f.code} {f.message}" for f in result.findings if f.severity.value == "error"]


def mapped_completely(ops: list[dict[str, Any]]) -> bool:
    """All operators mapped but edge conversions (QUANTIZE, DEQUANTIZE) and custom operators."""
    cpu = [o for o in ops if o["status"] == "cpu"]
    return len(cpu) <= 4 and all(o["opcode"] in ("QUANTIZE", "DEQUANTIZE", "CUSTOM") for o in cpu)


@pytest.mark.parametrize(("model_id", "path", "ops"), _local(), ids=lambda v: str(v)[:40])
def test_no_constraint_fires_on_a_mapped_operator(model_id: str, path: Path,
                                                  ops: list[dict[str, Any]]) -> None:
    assert constraints_firing_on_mapped(read_model(path), ops) == []


@pytest.mark.parametrize("model_id", ["tegnell-tcn", "redax-model_2op", "td-keras_lstm_mnist_ptq"])
def test_completely_mapped_models_get_no_error(model_id: str) -> None:
    truth = json.loads((DATA / "truth.json").read_text())[model_id]["ops"]
    assert mapped_completely(truth)
    assert error_findings(read_model(DATA / f"{model_id}.tflite"), truth) == []


@pytest.mark.skipif(not SHARED.is_dir(), reason="ground-truth corpus not beside the repository")
def test_whole_corpus_has_no_false_alarm() -> None:
    firing, alarms = [], []
    for model_id, path, ops in _shared():
        try:
            model = read_model(path)
        except ModelReadError:
            continue
        if model.compiled:
            continue
        firing += [f"{model_id} {w}" for w in constraints_firing_on_mapped(model, ops)]
        if mapped_completely(ops):
            alarms += [f"{model_id} {e}" for e in error_findings(model, ops)]
    assert alarms == []
    assert firing == []
