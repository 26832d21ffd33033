"""`tpulint fix` on models and data as people have them, with real conversions.

Two-input models of equal and of different input shapes from every source kind, data in the wrong
scale, drift measured where it cannot flatter (held-out samples, per feature group, constant
outputs), models without a signature, and a converter that crashes. The models come from
`tests/fix_models.py` (the `made` fixture).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fix_checks import MIN_SQNR, assert_maps_fully, fix, sqnr_values

from tpulint.reader import read_model

pytestmark = pytest.mark.convert


def independent_sqnr(original: Path, fixed: Path, data: dict[str, np.ndarray]) -> float:
    """SQNR of `fixed` against `original`, each fed by its own signature's input names: this
    does not use tpulint's pairing, so a pairing that swaps inputs shows here."""
    from ai_edge_litert.interpreter import Interpreter

    def outputs(path: Path) -> np.ndarray:
        runner = Interpreter(model_path=str(path)).get_signature_runner()
        wanted, given = runner.get_input_details(), runner.get_output_details()
        rows = []
        for i in range(len(next(iter(data.values())))):
            feed: dict[str, Any] = {}
            for name, detail in wanted.items():
                value = data[name][i:i + 1]
                scale, zero = detail["quantization"]
                if scale:
                    value = np.clip(np.round(value / scale + zero), -128, 127)
                feed[name] = value.astype(detail["dtype"])
            result = runner(**feed)
            values = []
            for name in sorted(result):
                scale, zero = given[name]["quantization"]
                value = result[name].astype(np.float64)
                values.append((value - zero) * scale if scale else value)
            rows.append(np.concatenate([v.ravel() for v in values]))
        return np.array(rows)

    reference, candidate = outputs(original), outputs(fixed)
    return float(10 * math.log10((reference ** 2).sum() / ((reference - candidate) ** 2).sum()))


@pytest.mark.parametrize("kind", ["same", "mixed"])
@pytest.mark.parametrize("source", [None, ".keras", "_savedmodel"])
def test_two_inputs_are_paired_by_name_from_every_source(
        work: Path, capsys: pytest.CaptureFixture[str], kind: str, source: str | None) -> None:
    # zeta comes first in the model, alpha first in its signature: order by name was wrong.
    model, data = work / f"two_{kind}.tflite", work / f"two_{kind}.npz"
    arguments = [str(model), "--data", str(data), "-o", str(work / "fixed.tflite")]
    arguments += ["--source", str(work / f"two_{kind}{source}")] if source else []
    code, out, err = fix(arguments, capsys)
    assert code == 0, out + err
    assert_maps_fully(work / "fixed.tflite")
    with np.load(data) as archive:
        arrays = {name: archive[name] for name in archive.files}
    measured = independent_sqnr(model, work / "fixed.tflite", arrays)
    assert measured >= 25, (measured, out)
    # what fix printed is what the model does (held-out samples: close, not equal)
    assert abs(sqnr_values(out)[0] - measured) < 3, (measured, out)


@pytest.mark.parametrize(("make", "message"), [
    (lambda d: np.clip((d + 1) * 127, 0, 255).astype(np.uint8),
     "takes real values but the data is uint8: give float data in the model's own scale, or "
     "--input-range=LOW,HIGH"),
    (lambda d: np.round(np.clip((d + 1) * 127, 0, 255)).astype(np.float32),
     "gets whole numbers 0..255, raw pixels by the look of it"),
    (lambda d: np.where(np.arange(d.size).reshape(d.shape) == 40, np.nan, d),
     "gets NaN or infinite values"),
    (lambda d: d.astype(np.complex64), "gets complex64 data: give real numbers"),
])
def test_data_in_the_wrong_scale_or_type_stops_before_converting(
        work: Path, capsys: pytest.CaptureFixture[str], make: Any, message: str) -> None:
    np.save(work / "bad.npy", make(np.load(work / "data.npy")))
    code, out, err = fix([str(work / "float32.tflite"), "--data", str(work / "bad.npy")], capsys)
    assert code == 3, out + err
    assert message in err and str(work / "bad.npy") in err, err
    assert len(err.strip().splitlines()) == 1 and "converted with" not in out
    assert not (work / "float32.fixed.tflite").exists()


def test_integer_data_is_scaled_to_the_input_range_given(
        work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pixels = np.clip((np.load(work / "data.npy") + 3) * 40, 0, 255).astype(np.uint8)
    np.save(work / "pixels.npy", pixels)
    code, out, err = fix([str(work / "float32.tflite"), "--data", str(work / "pixels.npy"),
                          "--input-range=-1,1"], capsys)
    assert code == 0, out + err
    code, out, err = fix([str(work / "float32.tflite"), "--data", str(work / "data.npy"),
                          "--input-range=0,1", "-o", str(work / "x.tflite")], capsys)
    assert code == 3 and "outside its range 0..1 (--input-range)" in err, err


def test_drift_is_measured_on_samples_calibration_never_saw(
        work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Every fourth sample is held out; make those ten times louder than the rest. Measured on
    # the calibration samples, as before, the drift passed.
    data = np.load(work / "data.npy")
    data[3::4] *= 10
    np.save(work / "loud.npy", data)
    code, out, err = fix([str(work / "float32.tflite"), "--data", str(work / "loud.npy")], capsys)
    assert code == 1, out + err
    assert "(8 held-out samples, 24 calibrated" in out
    assert "accuracy lost" in err and max(sqnr_values(out)) < MIN_SQNR


def test_one_sample_cannot_calibrate_and_measure(work: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    np.save(work / "one.npy", np.load(work / "data.npy")[:1])
    code, _, err = fix([str(work / "float32.tflite"), "--data", str(work / "one.npy")], capsys)
    assert code == 3 and "at least 2 are needed" in err


def test_a_constant_output_cannot_measure_drift(work: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    np.save(work / "zeros.npy", np.zeros((8, 8, 8, 3), np.float32))
    code, out, err = fix([str(work / "scores.tflite"), "--data", str(work / "zeros.npy")],
                         capsys)
    assert code == 1, out + err
    assert "cannot measure drift on this data" in out and "top-1" not in out
    assert "every output of the original is constant" in err
    assert not (work / "scores.fixed.tflite").exists()


def test_top1_is_reported_for_class_scores(work: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = fix([str(work / "scores.tflite"), "--data", str(work / "data.npy")], capsys)
    assert code == 0, out + err
    assert "top-1 agreement" in out


def test_scores_lost_in_a_detection_head_fail_the_drift(
        work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Boxes (0..640) and scores (0..1) share one int8 scale: the scores round to nothing while
    # one SQNR over the tensor, dominated by the boxes, stays high.
    code, out, err = fix([str(work / "detect.tflite"), "--data", str(work / "detect.npy")],
                         capsys)
    assert code == 1, out + err
    whole, boxes, scores = sqnr_values(out)
    assert whole >= MIN_SQNR and boxes >= MIN_SQNR and scores < MIN_SQNR, out
    assert "features 0-3: SQNR" in out and "(features 4-5)" in err


@pytest.mark.parametrize("model", ["unsigned_float16.tflite", "unsigned_dynamic_range.tflite"])
def test_models_without_a_signature_become_full_integer(
        work: Path, capsys: pytest.CaptureFixture[str], model: str) -> None:
    code, out, err = fix([str(work / model), "--data", str(work / "data.npy"), "-o",
                          str(work / "fixed.tflite")], capsys)
    assert code == 0, out + err
    assert "gave the model a signature" in out
    assert_maps_fully(work / "fixed.tflite")
    assert min(sqnr_values(out)) >= MIN_SQNR


def test_operator_codes_of_the_old_schema_give_symmetric_weights(
        work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # builtin_code 0 reads as ADD to ai-edge-quantizer: it quantized the convolution weights as
    # activations (asymmetric), and the int8 CONV_2D refused the model (zero_point != 0).
    code, out, err = fix([str(work / "old_schema_dynamic_range.tflite"), "--data",
                          str(work / "data.npy"), "-o", str(work / "fixed.tflite")], capsys)
    assert code == 0, out + err
    assert "operator codes moved" in out
    assert_maps_fully(work / "fixed.tflite")
    assert min(sqnr_values(out)) >= MIN_SQNR
    model = read_model(str(work / "fixed.tflite"))
    weights = [model.main.tensors[op.inputs[1]] for op in model.main.operators
               if op.opcode in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")]
    assert len(weights) == 4
    for tensor in weights:
        assert tensor.quantization is not None
        assert set(tensor.quantization.zero_point) == {0}, tensor.name


def test_a_model_the_quantizer_cannot_convert_is_one_line_and_leaves_nothing(
        work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Weights read from resource variables: the quantized model does not load.
    code, out, err = fix([str(work / "variables.tflite"), "--data", str(work / "data.npy")],
                         capsys)
    assert code == 1, out + err
    lines = [line for line in err.splitlines() if line.startswith("tpulint:")]
    assert len(lines) == 1 and "could not convert" in lines[0], err
    assert "Traceback" not in err and "Running Calibration" not in err
    assert not list((work / "tmp").iterdir())
    assert sorted(p.name for p in work.glob("variables*")) == ["variables.tflite"]
