"""Device runs: the CPU reference run for real (ai-edge-litert), the Edge TPU side without one."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from tpulint.cli import main
from tpulint.verify import device, tools

pytestmark = pytest.mark.litert
litert = pytest.importorskip("ai_edge_litert.interpreter")

TESTS = Path(__file__).parent
GOOD_INT8 = TESTS.parent / "fixtures" / "TPU102" / "good_int8.tflite"  # made by the converter
KAPIBARA = TESTS / "data" / "verify" / "models" / "kapibara-model.tflite"
REPLAY = TESTS / "verify_replay"


@pytest.fixture(autouse=True)
def no_edge_tpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tools, "edgetpu_library", lambda: "libedgetpu-absent-in-tests.so.1")
    monkeypatch.setattr(tools, "pycoral_edgetpu", lambda: None)


def replay_compiler(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake edgetpu_compiler replaying kapibara-model's real recorded compilation."""
    wrapper = tmp_path / "edgetpu_compiler"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" '
                       f'"{REPLAY / "fake_edgetpu_compiler.py"}" "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("TPULINT_REPLAY", str(REPLAY / "recordings" / "kapibara-model.json"))
    monkeypatch.chdir(tmp_path)
    return wrapper


def test_seeded_inputs_cover_the_type_range() -> None:
    details = litert.Interpreter(model_path=str(GOOD_INT8)).get_input_details()
    first = device.load_data(None, details, seed=7)
    again = device.load_data(None, details, seed=7)
    other = device.load_data(None, details, seed=8)
    assert first[0].dtype == np.int8 and first[0].shape == (1, 16, 16, 3)
    assert np.array_equal(first[0], again[0]) and not np.array_equal(first[0], other[0])
    assert first[0].min() == -128 and first[0].max() == 127


def test_cpu_reference_run_for_real() -> None:
    report = device.run(litert, GOOD_INT8, None, None, seed=0, runs=3, device=None)
    assert report.reference is not None and report.reference.runs == 3
    assert report.reference.min_ms > 0
    assert report.tpu is None and report.tpu_skipped == "no compiled model"


def test_same_model_compares_identical() -> None:
    interpreter = litert.Interpreter(model_path=str(GOOD_INT8))
    inputs = device.load_data(None, interpreter.get_input_details(), seed=0)
    outputs, _ = device.invoke(interpreter, inputs, runs=1)
    values = device.dequantized(interpreter, outputs)
    assert values[0][1].shape == (1, 4)
    assert abs(float(values[0][1].sum()) - 1.0) < 0.05  # a softmax, dequantized
    [same] = device.compare_outputs(values, values)
    assert math.isinf(same.sqnr_db) and same.max_abs_error == 0.0


def test_sqnr_and_max_error() -> None:
    reference = [("y", np.array([3.0, 4.0]))]
    noisy = [("y", np.array([3.0, 4.5]))]
    [result] = device.compare_outputs(reference, noisy)
    assert result.sqnr_db == pytest.approx(10 * math.log10(25 / 0.25))
    assert result.max_abs_error == pytest.approx(0.5)


def test_data_files(tmp_path: Path) -> None:
    details = litert.Interpreter(model_path=str(GOOD_INT8)).get_input_details()
    array = np.arange(16 * 16 * 3, dtype=np.int8).reshape(1, 16, 16, 3)
    np.save(tmp_path / "x.npy", array)
    savez: Any = np.savez  # keyword names are the model's input names
    savez(tmp_path / "x.npz", **{details[0]["name"]: array})
    for name in ("x.npy", "x.npz"):
        [loaded] = device.load_data(tmp_path / name, details, seed=0)
        assert np.array_equal(loaded, array)
    np.save(tmp_path / "wrong.npy", np.zeros((1, 8, 8, 3), dtype=np.int8))
    with pytest.raises(device.DataError, match=r"needs shape \[1, 16, 16, 3\]"):
        device.load_data(tmp_path / "wrong.npy", details, seed=0)


def test_edge_tpu_absent_or_refusing(monkeypatch: pytest.MonkeyPatch) -> None:
    found = device.edgetpu_interpreter(litert, GOOD_INT8, None)
    assert isinstance(found, str) and found.startswith("no Edge TPU found (")
    # The library loads but no device answers: load_delegate raises, as libedgetpu does.
    monkeypatch.setattr(tools, "library_loadable", lambda name: None)

    def refuse(library: str, options: dict[str, str]) -> Any:
        raise ValueError(f"Failed to load delegate from {library}")

    module = SimpleNamespace(load_delegate=refuse)
    found = device.edgetpu_interpreter(module, GOOD_INT8, "usb:0")  # type: ignore[arg-type]
    assert found == ("no Edge TPU found (libedgetpu-absent-in-tests.so.1: Failed to load "
                     "delegate from libedgetpu-absent-in-tests.so.1)")
    pycoral = SimpleNamespace(list_edge_tpus=lambda: [], make_interpreter=None)
    monkeypatch.setattr(tools, "pycoral_edgetpu", lambda: pycoral)
    assert device.edgetpu_interpreter(litert, GOOD_INT8, None) == \
        "no Edge TPU found (pycoral lists none)"


def test_verify_without_edge_tpu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    wrapper = replay_compiler(tmp_path, monkeypatch)
    args = ["verify", "--isolated", "--compiler", str(wrapper), str(KAPIBARA), "--runs", "2"]
    assert main([*args, "--color", "never", "--require-device"]) == 4
    capsys.readouterr()
    assert main([*args, "--color", "never"]) == 0  # a missing device is a line, not a failure
    out, err = capsys.readouterr()
    assert "CPU reference: 2 runs, median" in out
    assert "Edge TPU: skipped: no Edge TPU found (" in out
    assert err.startswith("tpulint: Edge TPU run skipped: no Edge TPU found (")
    assert main([*args, "--allow-missing", "--format", "json"]) == 0
    run = json.loads(capsys.readouterr().out)["models"][0]["run"]
    assert run["reference"]["runs"] == 2 and run["tpu"] is None
    assert run["inputs"] == "seeded random (seed 0)"
    np.save(tmp_path / "bad.npy", np.zeros((2, 2), dtype=np.float32))
    assert main([*args, "--data", str(tmp_path / "bad.npy")]) == 3
    assert "needs shape [1, 64, 64, 1], the data has [2, 2]" in capsys.readouterr().err


def test_measured_latency_beside_the_estimate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """STAND-IN for the Edge TPU: the device run is the original model on LiteRT's CPU
    interpreter (a real run, timed for real), handed back as if a delegate had loaded it."""
    wrapper = replay_compiler(tmp_path, monkeypatch)

    def stand_in(module: Any, compiled: Path, device_name: str | None) -> tuple[Any, str]:
        return litert.Interpreter(model_path=str(KAPIBARA)), "stand-in (CPU interpreter)"

    monkeypatch.setattr(device, "edgetpu_interpreter", stand_in)
    args = ["verify", "--isolated", "--compiler", str(wrapper), str(KAPIBARA), "--runs", "5"]
    monkeypatch.setenv("COLUMNS", "200")  # one report line per terminal line
    main([*args, "--color", "never", "--board", "devboard"])
    out = capsys.readouterr().out
    [line] = [text for text in out.splitlines() if "latency: measured " in text]
    assert "(median of 5) vs estimate ≈ " in line and "on Dev Board (±" in line
    main([*args, "--format", "json"])
    run = json.loads(capsys.readouterr().out)["models"][0]["run"]
    latency = run["latency"]
    assert latency["board"] == "usb3" and latency["verified"] is True
    assert latency["measured_median_ms"] == pytest.approx(run["tpu"]["median_ms"], abs=1e-3)
    assert latency["estimate_ms"] > 0
    expected = latency["measured_median_ms"] / latency["estimate_ms"] - 1
    assert latency["measured_vs_estimate"] == pytest.approx(expected, abs=0.05)  # rounded


def test_estimate_unverified_without_edge_tpu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    wrapper = replay_compiler(tmp_path, monkeypatch)
    monkeypatch.setenv("COLUMNS", "200")
    main(["verify", "--isolated", "--compiler", str(wrapper), str(KAPIBARA), "--runs", "1",
          "--color", "never"])
    out = capsys.readouterr().out
    assert "on USB Accelerator on USB 3 (±" in out and "unverified (no Edge TPU run)" in out


def test_litert_log_lines_are_silenced(capfd: pytest.CaptureFixture[str]) -> None:
    # LiteRT's C++ code logs "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." on
    # descriptor 2, past sys.stderr.
    report = device.run(litert, GOOD_INT8, None, None, 0, 1, None)
    assert report.reference is not None and report.reference.runs == 1
    print("after", file=sys.stderr)
    err = capfd.readouterr().err
    assert "XNNPACK" not in err and "INFO:" not in err
    assert err == "after\n"  # the descriptor is restored
