"""`tpulint fix` without a converter: plans, sources, data checks, errors and exit codes."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tpulint.api import Finding, FixPlan, Plans, Severity
from tpulint.cli import main
from tpulint.engine.config import load_settings
from tpulint.engine.registry import load_registry
from tpulint.engine.run import run
from tpulint.fix import data, plan, sources
from tpulint.fix.signature import Port
from tpulint.ir import Location

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


def findings_of(path: Path) -> list[Finding]:
    result = run([str(path)], load_settings(isolated=True), load_registry())
    return result.models[0].findings


def finding(code: str, fix: FixPlan) -> Finding:
    return Finding(code, "test", Severity.ERROR, "message", Location("m.tflite", 0, 1), fix=fix)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# Plans ----------------------------------------------------------------------------------------


def test_float16_fixture_plans_full_integer_and_nothing_manual() -> None:
    # Its weights' shape and constness are float16 consequences (TPU303/TPU304 stay silent),
    # which full-integer quantization removes: nothing is left for a person to change.
    merged = plan.merge(findings_of(FIXTURES / "TPU103/bad_float16.tflite"))
    assert merged.settings == {"quantization": "int8", "io_type": "int8"}
    assert merged.manual == []
    assert all(not step.safe for step in merged.steps)
    assert merged.applicable(unsafe=False) == []
    assert merged.skipped(unsafe=False) == merged.steps


def test_dynamic_range_fixture_also_asks_for_compiler16_versions() -> None:
    merged = plan.merge(findings_of(FIXTURES / "TPU104/bad_dynamic_range.tflite"))
    assert merged.settings == {"quantization": "int8", "io_type": "int8",
                               "op_versions": "edgetpu-compiler-16"}
    assert merged.steps[2].codes == ("TPU202",)


def test_dynamic_batch_fixture_asks_for_static_shapes_only() -> None:
    merged = plan.merge(findings_of(FIXTURES / "TPU302/bad_dynamic_batch.tflite"))
    assert merged.settings == {"static_shapes": True}


def test_flex_op_is_a_manual_item_naming_the_change() -> None:
    merged = plan.merge(findings_of(FIXTURES / "TPU205/bad_flex.tflite"))
    flex = [item for item in merged.manual if item.code == "TPU205"]
    assert flex and "Sinh" in flex[0].reason and flex[0].where[0].startswith("sg0/op")


def test_io_type_from_the_command_line_wins() -> None:
    merged = plan.merge([finding("TPU105", Plans.integer_io("int8"))], io_type="uint8")
    assert merged.settings == {"quantization": "int8", "io_type": "uint8"}


def test_conflicting_plans_are_an_error() -> None:
    with pytest.raises(plan.PlanConflict, match="io_type"):
        plan.merge([finding("TPU105", Plans.integer_io("int8")),
                    finding("TPU999", Plans.integer_io("uint8"))])


def test_unknown_settings_are_reported_not_applied() -> None:
    merged = plan.merge([finding("TPU999", FixPlan({"prune": True}, "prune it"))])
    assert merged.steps == [] and merged.unknown == ["prune=True (TPU999)"]
    assert "not applicable by tpulint fix" in plan.describe(merged, unsafe=True)[0]


def test_safe_plans_apply_without_unsafe_fixes() -> None:
    merged = plan.merge([finding("TPU999", FixPlan({"static_shapes": True}, "r", safe=True))])
    assert [s.setting for s in merged.applicable(unsafe=False)] == ["static_shapes"]


# Sources and data -----------------------------------------------------------------------------


def test_source_detection(tmp_path: Path) -> None:
    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "saved_model.pb").write_bytes(b"")
    (tmp_path / "m.keras").write_bytes(b"")
    (tmp_path / "m.h5").write_bytes(b"")
    (tmp_path / "noext").write_bytes(b"\x1c\x00\x00\x00TFL3rest")
    assert sources.detect(str(saved)).kind == sources.SAVED_MODEL
    assert sources.detect(str(tmp_path / "m.keras")).kind == sources.KERAS
    assert sources.detect(str(tmp_path / "m.h5")).kind == sources.KERAS
    assert sources.detect(str(tmp_path / "noext")).kind == sources.TFLITE
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "empty").mkdir()
    for bad, reason in (("notes.txt", "not a SavedModel directory"),
                        ("empty", "without saved_model.pb"), ("missing.keras", "not found")):
        with pytest.raises(sources.SourceError, match=reason):
            sources.detect(str(tmp_path / bad))


def test_configured_source_and_data_are_relative_to_the_configuration(tmp_path: Path) -> None:
    entry = {"model": "export/cls", "representative-data": "calib/data.npy"}
    table: dict[str, Any] = {"sources": {"models/cls.tflite": entry}, "min-sqnr": 20}
    model, spec = sources.from_settings(str(tmp_path / "models/cls.tflite"), table, str(tmp_path))
    assert model == str(tmp_path / "export/cls") and spec == str(tmp_path / "calib/data.npy")
    entry["representative-data"] = "train.data:samples"
    assert sources.from_settings(str(tmp_path / "models/cls.tflite"), table,
                                 str(tmp_path))[1] == "train.data:samples"
    assert sources.from_settings(str(tmp_path / "other.tflite"), table, str(tmp_path)) == (
        None, None)


def test_data_parsing(tmp_path: Path) -> None:
    (tmp_path / "a.npy").write_bytes(b"")
    (tmp_path / "imgs").mkdir()
    (tmp_path / "imgs" / "x.png").write_bytes(b"")
    (tmp_path / "noimgs").mkdir()
    assert data.parse(str(tmp_path / "a.npy"), False).kind == data.NPY
    assert data.parse(str(tmp_path / "imgs"), False).kind == data.IMAGES
    assert data.parse("training.data:representative_dataset", False).kind == data.CALLABLE
    assert data.parse(None, True).kind == data.RANDOM
    for value, reason in ((str(tmp_path / "b.npz"), "not found"),
                          (str(tmp_path / "noimgs"), "no images"),
                          (str(tmp_path / "data.csv"), "data not found"), (None, "required")):
        with pytest.raises(data.DataError, match=reason):
            data.parse(value, False)


def test_data_loading_checks_shapes(tmp_path: Path) -> None:
    import numpy as np

    inputs = [Port("image", 0, (-1, 4, 4, 3), "float32")]
    np.save(tmp_path / "ok.npy", np.zeros((5, 4, 4, 3), dtype=np.float64))
    np.save(tmp_path / "bad.npy", np.zeros((5, 4, 3), dtype=np.float32))
    samples = data.load(data.DataSpec(data.NPY, str(tmp_path / "ok.npy")), inputs, 3, (-1, 1), 0)
    assert len(samples) == 3 and samples[0][0].shape == (1, 4, 4, 3)
    assert samples[0][0].dtype == np.float32
    with pytest.raises(data.DataError, match="stack samples on the batch axis"):
        data.load(data.DataSpec(data.NPY, str(tmp_path / "bad.npy")), inputs, 3, (-1, 1), 0)
    with pytest.raises(data.DataError, match="dynamic sizes"):
        data.load(data.DataSpec(data.RANDOM), [Port("x", 0, (1, -1, 3), "float32")], 2,
                  (0, 1), 0)
    rand = data.load(data.DataSpec(data.RANDOM), inputs, 4, (0.0, 0.5), 3)
    assert len(rand) == 4 and all(s[0].min() >= 0 and s[0].max() <= 0.5 for s in rand)


# The command without converting ---------------------------------------------------------------


def test_diff_prints_the_plan_and_writes_nothing(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "dr.tflite"
    model.write_bytes((FIXTURES / "TPU104/bad_dynamic_range.tflite").read_bytes())
    assert main(["fix", str(model), "--diff", "--isolated"]) == 0
    out = capsys.readouterr().out
    assert "quantization = int8 [TPU104]" in out and "op_versions = edgetpu-compiler-16" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dr.tflite"]


@pytest.mark.parametrize(("arguments", "code", "message"), [
    (["missing.tflite", "--random-calibration"], 3, "missing.tflite"),
    (["MODEL", "--source", "notes.txt", "--random-calibration"], 3, "not a SavedModel"),
    (["MODEL", "--data", "nothing.npz"], 3, "data file not found"),
    (["MODEL"], 2, "representative data is required"),
    (["MODEL", "--random-calibration", "-o", "MODEL"], 2, "would overwrite the input"),
    (["MODEL", "--input-range", "1,0", "--random-calibration"], 2, "LOW must be smaller"),
])
def test_bad_input_is_one_line_and_a_distinct_exit_code(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        arguments: list[str], code: int, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    model = tmp_path / "m.tflite"
    model.write_bytes((FIXTURES / "TPU102/bad_float32.tflite").read_bytes())
    (tmp_path / "notes.txt").write_text("not a model")
    before = digest(model)
    assert main(["fix", *[str(model) if a == "MODEL" else a for a in arguments],
                 "--isolated"]) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert digest(model) == before
    assert not list(tmp_path.glob("*.fixed.tflite"))


def test_missing_extra_exits_4_with_the_install_hint(tmp_path: Path) -> None:
    model = tmp_path / "m.tflite"
    model.write_bytes((FIXTURES / "TPU103/bad_float16.tflite").read_bytes())
    blocker = ("import sys\n"
               "for name in ('tensorflow', 'ai_edge_quantizer', 'ai_edge_litert'):\n"
               "    sys.modules[name] = None\n"
               "from tpulint.cli import main\n"
               "sys.exit(main(sys.argv[1:]))\n")
    completed = subprocess.run(
        [sys.executable, "-c", blocker, "fix", str(model), "--random-calibration",
         "--isolated"], capture_output=True, text=True, check=False, cwd=tmp_path)
    assert completed.returncode == 4, completed.stderr
    assert "pip install 'tpulint[fix]'" in completed.stderr
    assert "ai_edge_quantizer" in completed.stderr and "Traceback" not in completed.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.tflite"]


def check_float16_copy(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                       *options: str) -> tuple[str, str]:
    """`check` with `options` on a copy of the float16 fixture, which it must leave alone."""
    model = tmp_path / "f16.tflite"
    model.write_bytes((FIXTURES / "TPU103/bad_float16.tflite").read_bytes())
    assert main(["check", "--isolated", *options, str(model)]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f16.tflite"]
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_check_fix_skips_unsafe_plans_and_hints(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out, err = check_float16_copy(tmp_path, capsys, "--format", "concise", "--fix")
    assert "TPU103" in out
    assert "skipped" in err and "--unsafe-fixes" in err


def test_check_diff_prints_plans_to_stderr(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    out, err = check_float16_copy(tmp_path, capsys, "--format", "json", "--diff")
    assert out.lstrip().startswith("{")
    assert "quantization = int8 [TPU103]" in err and "unsafe" in err


def test_check_unsafe_fix_without_configured_data_is_skipped(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "f16.tflite"
    model.write_bytes((FIXTURES / "TPU103/bad_float16.tflite").read_bytes())
    assert main(["check", "--isolated", "--format", "concise", "--fix", "--unsafe-fixes",
                 str(model)]) == 1
    assert "no representative data configured" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f16.tflite"]


def test_io_type_alone_is_a_plan() -> None:
    merged = plan.merge([], io_type="uint8")
    assert merged.settings == {"io_type": "uint8"}
    assert merged.steps[0].reasons == ("asked with --io-type",)


def test_npz_arrays_are_matched_by_input_name(tmp_path: Path) -> None:
    import numpy as np

    inputs = [Port("a", 0, (1, 2), "float32"), Port("b:0", 0, (1, 3), "float32")]
    np.savez(tmp_path / "d.npz", b=np.ones((4, 3)), a=np.zeros((4, 2)))
    samples = data.load(data.DataSpec(data.NPZ, str(tmp_path / "d.npz")), inputs, 10, (0, 1), 0)
    assert len(samples) == 4
    assert samples[0][0].shape == (1, 2) and samples[0][1].shape == (1, 3)
    assert samples[0][1].sum() == 3
    np.savez(tmp_path / "e.npz", a=np.zeros((4, 2)), c=np.ones((4, 3)))
    with pytest.raises(data.DataError, match="no array for input 'b:0'"):
        data.load(data.DataSpec(data.NPZ, str(tmp_path / "e.npz")), inputs, 10, (0, 1), 0)
