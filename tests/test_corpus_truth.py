"""Predictions against what edgetpu_compiler 16 really did, on real public models.

The models and the compiler's per-operator decisions are copied from tpulint's compiler
ground-truth corpus (tests/data/corpus/README.md names their sources).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tpulint.analysis.facts import ModelFacts
from tpulint.reader import read_model

DATA = Path(__file__).resolve().parent / "data" / "corpus"
TRUTH = json.loads((DATA / "truth.json").read_text())


@pytest.mark.parametrize("model_id", sorted(TRUTH))
def test_every_operator_is_placed_as_the_compiler_did(model_id: str) -> None:
    model = read_model(DATA / f"{model_id}.tflite")
    prediction = ModelFacts(model).prediction
    assert not prediction.fatal
    for expected in TRUTH[model_id]["ops"]:
        got = prediction.operators[expected["index"]]
        assert model.main.operators[expected["index"]].opcode == expected["opcode"]
        assert got.placement == expected["status"], expected
        if expected["reason"] and expected["status"] == "cpu":
            assert got.reason == expected["reason"], expected


def test_compiled_model_reports_what_it_runs_where() -> None:
    compiled = ModelFacts(read_model(DATA / "kapibara-model_edgetpu.tflite"))
    placements = [(p.placement, p.reason) for p in compiled.prediction.operators]
    assert [p for p, _ in placements].count("tpu") == 1
    assert placements[0][0] == "cpu" and placements[-1][0] == "cpu"


def test_parameter_estimate_is_close_to_the_compiled_package() -> None:
    estimate = ModelFacts(read_model(DATA / "kapibara-model.tflite")).memory
    measured = ModelFacts(read_model(DATA / "kapibara-model_edgetpu.tflite")).memory
    assert measured.measured and not estimate.measured
    error = abs(estimate.parameter_bytes - measured.parameter_bytes)
    assert error <= 0.15 * measured.parameter_bytes
