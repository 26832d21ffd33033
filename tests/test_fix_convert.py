"""`tpulint fix` with real conversions: Keras, SavedModel and float `.tflite` inputs.

The models come from `tests/fix_models.py` (the `made` fixture). Each fixed model is read back
and must be full integer, static, parseable by Edge TPU compiler 16, predicted entirely on the
Edge TPU, and close to the original on the CPU reference interpreter; the inputs must not change.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fix_checks import MIN_SQNR, assert_maps_fully, digest, fix, sqnr_values

from tpulint.cli import main
from tpulint.reader import read_model

pytestmark = pytest.mark.convert

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.mark.parametrize(("model", "source"), [
    ("float16.tflite", None),  # supported_types=[tf.float16], no source model
    ("dynamic_range.tflite", None),  # optimizations=[DEFAULT] without data, no source model
    ("float32.tflite", None),
    ("float32.tflite", "net.keras"),
    ("float32.tflite", "net.h5"),
    ("float32.tflite", "net_savedmodel"),
])
def test_recipes_come_out_full_integer_and_fully_mapped(
        work: Path, capsys: pytest.CaptureFixture[str], model: str, source: str | None) -> None:
    inputs = [work / model, work / "data.npy"] + ([work / source] if source else [])
    before = {p: digest(p) for p in inputs}
    arguments = [str(work / model), "--data", str(work / "data.npy")]
    arguments += ["--source", str(work / source)] if source else []
    code, out, err = fix(arguments, capsys)
    assert code == 0, out + err
    fixed = work / model.replace(".tflite", ".fixed.tflite")
    assert f"wrote {fixed}" in out
    assert_maps_fully(fixed)
    values = sqnr_values(out)
    assert values and min(values) >= MIN_SQNR, out
    assert "held-out samples" in out
    assert "top-1" not in out  # logits, not class scores
    mapped = r"operators on the Edge TPU\s+0 of \d+(?: \(rejected\))?\s+(\d+) of \1"
    assert re.search(mapped, out), out
    assert {p: digest(p) for p in inputs} == before
    assert not list(work.glob(".*.tmp"))
    assert not list((work / "tmp").iterdir())


def test_uint8_io_on_a_float_tflite(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = work / "out" / "cls_uint8.tflite"
    output.parent.mkdir()
    code, out, err = fix([str(work / "float32.tflite"), "--data", str(work / "data.npy"),
                          "--io-type", "uint8", "-o", str(output)], capsys)
    assert code == 0, out + err
    assert_maps_fully(output, io_dtype="uint8")
    assert min(sqnr_values(out)) >= MIN_SQNR


def test_images_and_a_generator_as_data(work: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = fix([str(work / "float32.tflite"), "--data", str(work / "images"),
                          "--input-range=-1,1", "-o", str(work / "from_images.tflite")],
                         capsys)
    assert code == 0, out + err
    assert "with images" in out and "(1 held-out samples, 3 calibrated" in out
    assert_maps_fully(work / "from_images.tflite")
    (work / "calib.py").write_text(
        "import numpy as np\n\n\n"
        "def samples():\n"
        "    rng = np.random.default_rng(3)\n"
        "    for _ in range(6):\n"
        "        yield [rng.uniform(-1, 1, (1, 8, 8, 3)).astype(np.float32)]\n")
    monkeypatch.chdir(work)
    code, out, err = fix(["float16.tflite", "--data", "calib:samples", "-o", "gen.tflite"],
                         capsys)
    assert code == 0, out + err
    assert "(1 held-out samples, 5 calibrated" in out
    assert "only 1 held-out sample(s): a rough figure" in out
    assert_maps_fully(work / "gen.tflite")


def test_random_calibration_warns(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = fix([str(work / "dynamic_range.tflite"), "--random-calibration"], capsys)
    assert code == 0, out + err
    assert "accuracy is not preserved" in err
    assert "random data: this figure says nothing about real inputs" in out
    assert_maps_fully(work / "dynamic_range.fixed.tflite")


def test_drift_below_the_threshold_writes_nothing(work: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    before = digest(work / "float32.tflite")
    code, out, err = fix([str(work / "float32.tflite"), "--data", str(work / "data.npy"),
                          "--min-sqnr", "90"], capsys)
    assert code == 1
    assert "accuracy lost" in err and "below --min-sqnr 90 dB" in err and "nothing written" in err
    assert sqnr_values(out) and max(sqnr_values(out)) < 90
    assert not (work / "float32.fixed.tflite").exists()
    assert not list(work.glob(".*.tmp"))
    assert digest(work / "float32.tflite") == before


def test_data_that_does_not_fit_is_bad_input(work: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = fix([str(work / "float32.tflite"), "--data", str(work / "bad_data.npy")],
                       capsys)
    assert code == 3
    assert "does not fit input" in err and "Traceback" not in err
    assert not (work / "float32.fixed.tflite").exists()
    assert not list(work.glob(".*.tmp"))


def test_versions_compiler16_cannot_parse_fail_the_fix(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    # A grouped convolution is CONV_2D v6 whatever the weights' granularity: no setting helps.
    model = tmp_path / "grouped.tflite"
    model.write_bytes((FIXTURES / "TPU202/bad_grouped_conv.tflite").read_bytes())
    code, out, err = fix([str(model), "--random-calibration", "--io-type", "int8"], capsys)
    assert code == 1
    assert "cannot parse (CONV_2D v6)" in err and "nothing written" in err
    assert "retried with per-tensor weights" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grouped.tflite"]


def test_dynamic_batch_int8_model_becomes_static_without_requantizing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "batch.tflite"
    model.write_bytes((FIXTURES / "TPU302/bad_dynamic_batch.tflite").read_bytes())
    code, out, err = fix([str(model), "--random-calibration"], capsys)
    assert code == 0, out + err
    assert "SQNR identical" in out and "no requantization" in out
    assert_maps_fully(tmp_path / "batch.fixed.tflite")


def test_check_unsafe_fixes_use_the_configured_source_and_data(
        work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    (work / "tpulint.toml").write_text(
        '[fix.sources."float16.tflite"]\n'
        'model = "net_savedmodel"\n'
        'representative-data = "data.npy"\n')
    monkeypatch.chdir(work)
    code = main(["check", "--format", "concise", "--fix", "--unsafe-fixes", "float16.tflite"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "TPU103" in captured.out
    assert "fixing from SavedModel" in captured.err and "wrote float16.fixed.tflite" in captured.err
    assert_maps_fully(work / "float16.fixed.tflite")
    assert main(["check", "--format", "concise", "--fix", "--unsafe-fixes",
                 "--exit-non-zero-on-fix", "float16.tflite"]) == 1


def test_quantizer_output_has_the_versions_the_tensorflow_converter_writes(
        work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """ai-edge-quantizer keeps the float model's versions; fix sets the int8 ones."""
    for arguments in (["-o", str(work / "tf.tflite"), "--source", str(work / "net.keras")],
                      ["-o", str(work / "aeq.tflite")]):
        code, out, err = fix([str(work / "float32.tflite"), "--data", str(work / "data.npy"),
                              *arguments], capsys)
        assert code == 0, out + err

    def versions(path: Path) -> set[tuple[str, int]]:
        return {(op.opcode, op.version) for op in read_model(str(path)).main.operators}

    assert versions(work / "aeq.tflite") == versions(work / "tf.tflite")
    assert ("CONV_2D", 3) in versions(work / "aeq.tflite")


def test_a_savedmodel_that_reads_its_batch_size_at_run_time_is_traced_instead(
        work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The SavedModel importer keeps the SHAPE operator that `tf.shape(image)[0]` becomes when
    # the batch size is open; the fixed model must not have it (the Edge TPU does not run it).
    code, out, err = fix([str(work / "shaped.tflite"), "--source", str(work / "shaped_savedmodel"),
                          "--data", str(work / "data.npy")], capsys)
    assert code == 0, out + err
    fixed = work / "shaped.fixed.tflite"
    assert [op.opcode for op in read_model(str(fixed)).main.operators] == ["CONV_2D", "RESHAPE"]
    assert_maps_fully(fixed)
    assert min(sqnr_values(out)) >= MIN_SQNR


# Converts `net.keras` with TensorFlow's own freezing and with tfconvert's, whose fallback to
# TensorFlow's freezing is made to fail: tfconvert must not need it and must give the same model.
SAME_AS_TENSORFLOW = """
import json, sys
import numpy as np
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter
from tensorflow.lite.python import lite
from tpulint.fix import tfconvert
from tpulint.reader import read_model_bytes

function, owner = tfconvert._keras(sys.argv[1], 1)
standard = tf.lite.TFLiteConverter.from_concrete_functions([function], owner)
standard.experimental_lower_to_saved_model = False
models = [bytes(standard.convert())]

def refuse(self):
    raise AssertionError("TensorFlow's own freezing was used")

lite.TFLiteFrozenGraphConverterV2._freeze_concrete_function = refuse
models.append(tfconvert.to_float_tflite("keras", sys.argv[1], 1))
seen = []
for model in models:
    graph = read_model_bytes(model).main
    interpreter = Interpreter(model_content=model)
    interpreter.allocate_tensors()
    given = interpreter.get_input_details()[0]
    sample = np.random.default_rng(0).random(given["shape"], dtype=np.float32)
    interpreter.set_tensor(given["index"], sample)
    interpreter.invoke()
    output = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    seen.append({"operators": [[op.opcode, op.version, list(op.inputs), list(op.outputs)]
                               for op in graph.operators],
                 "tensors": [[t.name, t.dtype, list(t.shape)] for t in graph.tensors],
                 "output": output.tolist()})
print(json.dumps(seen))
"""


def test_the_cheaper_freezing_gives_tensorflows_own_model(work: Path) -> None:
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", SAME_AS_TENSORFLOW, str(work / "net.keras")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    standard, ours = json.loads(done.stdout.splitlines()[-1])
    assert standard["operators"] and ours == standard
