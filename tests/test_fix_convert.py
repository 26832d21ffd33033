"""`tpulint fix` with real conversions: Keras, SavedModel and float `.tflite` inputs.

The models come from `tests/fix_models.py`, run once in a subprocess (TensorFlow's import warns,
and pytest turns warnings into errors). Each fixed model is read back and must be full integer,
static, parseable by Edge TPU compiler 16, predicted entirely on the Edge TPU, and close to the
original on the CPU reference interpreter; the inputs must not change.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tpulint.cli import main
from tpulint.engine.check import check_file
from tpulint.engine.config import load_settings
from tpulint.engine.registry import load_registry
from tpulint.engine.selection import Selection
from tpulint.fix.versions import unknown_versions
from tpulint.reader import read_model

pytestmark = pytest.mark.convert

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures"
MIN_SQNR = 15.0


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fix-models")
    completed = subprocess.run([sys.executable, str(HERE / "fix_models.py"), str(out)],
                               capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr[-2000:]
    return out


@pytest.fixture
def work(made: Path, tmp_path: Path) -> Path:
    """A private copy of the made models, so each test sees its own files."""
    for item in made.iterdir():
        target = tmp_path / item.name
        if item.is_dir():
            shutil.copytree(item, target)
        else:
            shutil.copyfile(item, target)
    return tmp_path


def digest(path: Path) -> str:
    if path.is_dir():
        return hashlib.sha256(b"".join(digest(p).encode() for p in sorted(path.rglob("*"))
                                       if p.is_file())).hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fix(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["fix", *arguments, "--isolated"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def sqnr_values(out: str) -> list[float]:
    return [float(v) for v in re.findall(r"SQNR (-?[\d.]+) dB", out)]


def assert_maps_fully(path: Path, io_dtype: str = "int8") -> None:
    """Full integer, static, versions compiler 16 parses, every operator on the Edge TPU."""
    model = read_model(str(path))
    main_graph = model.main
    edges = set(main_graph.inputs) | set(main_graph.outputs)
    for tensor in main_graph.tensors:
        if not tensor.constant:
            wanted = io_dtype if tensor.index in edges else "int8"
            assert tensor.dtype == wanted, (tensor.name, tensor.dtype)
        assert -1 not in (tensor.shape_signature or ()), tensor.name
        assert -1 not in tensor.shape, tensor.name
    assert unknown_versions(model) == []
    settings = load_settings(isolated=True)
    result = check_file(str(path), Selection(load_registry(), settings).enabled, settings)
    assert not result.fatal
    assert result.summary.tpu == result.summary.operators > 0
    assert result.findings == [], [f.message for f in result.findings]


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
    assert re.search(r"top-1 agreement (\d+)%", out)
    mapped = r"operators on the Edge TPU\s+0 of \d+(?: \(rejected\))?\s+(\d+) of \1"
    assert re.search(mapped, out), out
    assert {p: digest(p) for p in inputs} == before
    assert not list(work.glob(".*.tmp"))


def test_uint8_io_on_a_float_tflite(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = work / "out" / "cls_uint8.tflite"
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
    assert "with images" in out and "(4 samples" in out
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
    assert "(6 samples" in out
    assert_maps_fully(work / "gen.tflite")


def test_random_calibration_warns(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = fix([str(work / "dynamic_range.tflite"), "--random-calibration"], capsys)
    assert code == 0, out + err
    assert "accuracy is not preserved" in err
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
