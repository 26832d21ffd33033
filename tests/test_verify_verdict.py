"""Matching a compiled model to its original, and the verdict per operator and per model."""

from __future__ import annotations

from pathlib import Path

import pytest

from tpulint.analysis import status
from tpulint.analysis.placement import Fatal
from tpulint.engine.check import check_model
from tpulint.engine.config import Settings
from tpulint.reader import read_model
from tpulint.results import ModelResult
from tpulint.verify import findings
from tpulint.verify.compiled import match
from tpulint.verify.log import StatusRow, parse
from tpulint.verify.rules import RULES
from tpulint.verify.verdict import compare, fatal_cause

DATA = Path(__file__).parent / "data" / "verify"
KAPIBARA_LOG = DATA / "logs" / "pperonski+KapiBara-ROS-2-Package__model__model_edgetpu.log"


def kapibara() -> ModelResult:
    model = read_model(DATA / "models" / "kapibara-model.tflite")
    return check_model(model, "kapibara-model.tflite", [], Settings())


def test_compiled_models_place_each_operator() -> None:
    for name, expected in (("kapibara-model", ["cpu"] + ["tpu"] * 8 + ["cpu"]),
                           ("hanchanghun-dummy", ["tpu"] * 3)):
        original = read_model(DATA / "models" / f"{name}.tflite")
        compiled = match(original, read_model(DATA / "models" / f"{name}_edgetpu.tflite"))
        assert [compiled.of(0, i) for i in range(len(expected))] == expected
        assert compiled.edgetpu_operators == 1 and compiled.unmatched == []


def test_matching_consumes_duplicates() -> None:
    # Matching an uncompiled model with itself: every operator is kept, so all are on the CPU.
    model = read_model(DATA / "models" / "kapibara-model.tflite")
    placed = match(model, model)
    assert set(placed.placement.values()) == {"cpu"} and placed.edgetpu_operators == 0


def test_log_alone_places_types_with_one_status() -> None:
    report = parse(KAPIBARA_LOG.read_text()).report
    comparison = compare(kapibara(), None, report, compile_failed=False, errors=[])
    assert [row.compiler for row in comparison.rows] == ["cpu"] + ["tpu"] * 8 + ["cpu"]
    assert comparison.rows[0].compiler_reason == status.UNSPECIFIED
    assert comparison.count("confirmed") == 10
    # A type both mapped and not: the log alone cannot say which operator went where.
    assert report is not None
    report.rows = [r for r in report.rows if r.opcode != "FULLY_CONNECTED"] + [
        StatusRow("FULLY_CONNECTED", 4, status.MAPPED),
        StatusRow("FULLY_CONNECTED", 1, status.MORE_THAN_ONE_SUBGRAPH)]
    rows = compare(kapibara(), None, report, compile_failed=False, errors=[]).rows
    assert [row.outcome for row in rows[3:8]] == ["unverified"] * 5
    assert rows[2].outcome == "confirmed"


def test_several_statuses_for_one_type() -> None:
    report = parse(KAPIBARA_LOG.read_text()).report
    assert report is not None
    # A second CPU status row for QUANTIZE (count 0, so the log's totals still match the model).
    report.rows.append(StatusRow("QUANTIZE", 0, status.NOT_SUPPORTED))
    result = kapibara()
    placed = match(read_model(DATA / "models" / "kapibara-model.tflite"),
                   read_model(DATA / "models" / "kapibara-model_edgetpu.tflite"))
    row = compare(result, placed, report, False, []).rows[0]
    assert row.compiler_reason is None
    assert row.reason_candidates == (status.UNSPECIFIED, status.NOT_SUPPORTED)
    assert row.outcome == "confirmed"  # the predicted status is one of them
    result.operators[0] = result.operators[0].replace(reason=status.UNSUPPORTED_TYPE)
    row = compare(result, placed, report, False, []).rows[0]
    assert row.outcome == "reason-contradicted"


def test_log_that_disagrees_with_the_compiled_model_is_not_used() -> None:
    report = parse(KAPIBARA_LOG.read_text()).report
    assert report is not None
    report.rows = [StatusRow("RESHAPE", 1, status.UNSPECIFIED) if r.opcode == "RESHAPE" else r
                   for r in report.rows]
    placed = match(read_model(DATA / "models" / "kapibara-model.tflite"),
                   read_model(DATA / "models" / "kapibara-model_edgetpu.tflite"))
    comparison = compare(kapibara(), placed, report, False, [])
    assert comparison.rows[2].compiler == "tpu"  # the compiled model decides
    assert comparison.rows[2].outcome == "confirmed"
    assert comparison.notes == ["the operation log counts 1 RESHAPE (0 mapped) where the model "
                                "has 1 (1 mapped): its statuses for that type are not used"]


@pytest.mark.parametrize(("message", "cause"), [
    ("ERROR: Didn't find op for builtin opcode 'CONV_2D' version '6'. An older version",
     "op-version CONV_2D 6"),
    ("Didn't find op for builtin opcode 'CONV_2D' version '6'", "op-version CONV_2D 6"),
    ("ERROR: Op builtin_code out of range: 151. Are you using old TFLite binary?",
     "builtin-code 151"),
    ("Op builtin_code out of range: 151", "builtin-code 151"),
    ("ERROR: Attempting to use a delegate that only supports static-sized tensors with a graph "
     "that has dynamic-sized tensors.", "dynamic-size"),
    ("Model not quantized", "not-quantized"),
    ("Compilation failed: Compilation failed due to large activation tensors in model.",
     "large-activations"),
    ("Internal compiler error. Aborting!", "internal-error"),
    ("terminating with uncaught exception of type std::out_of_range: vector", "other"),
])
def test_fatal_causes(message: str, cause: str) -> None:
    assert fatal_cause(message) == cause


def test_predicted_failure_that_did_not_happen() -> None:
    result = kapibara()
    result.fatal = [Fatal("Model not quantized", "FULLY_CONNECTED computes in float", 3)]
    result.operators = [r.replace(placement="cpu", reason="Model not quantized")
                        for r in result.operators]
    placed = match(read_model(DATA / "models" / "kapibara-model.tflite"),
                   read_model(DATA / "models" / "kapibara-model_edgetpu.tflite"))
    comparison = compare(result, placed, None, False, [])
    emitted = findings.emit(list(RULES), comparison)
    # One model-level finding, not one per operator the failure was meant to keep off the TPU.
    assert [(f.code, f.location.operator) for f in emitted] == [("TPU504", None)]
    assert "Model not quantized" in emitted[0].message
