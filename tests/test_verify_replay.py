"""`tpulint verify` end to end against a stand-in compiler that replays recorded compilations
(tests/replayed_verify.py): what a compilation that agrees with the prediction reports, where
the compiler and the recordings come from, and which options reach the compiler.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from replayed_verify import MODELS, REPLAY, TESTS, Run, as_json, model_copy
from replayed_verify import verify as verify  # the fixtures
from replayed_verify import workdir as workdir

from tpulint.analysis import status
from tpulint.verify import tools


def test_replayed_compilation_confirms_prediction(workdir: Path, verify: Run) -> None:
    model = model_copy(workdir, MODELS / "kapibara-model.tflite")
    code, out, err = verify(str(model), "--no-run", "--format", "json",
                            recording="kapibara-model")
    assert (code, err) == (0, "")
    [entry] = as_json(out)["models"]
    assert entry["compiler"]["version"] == "16.0.384591198"
    assert entry["compiler"]["exit_code"] == 0
    assert [op["compiler"] for op in entry["operators"]] == ["cpu"] + ["tpu"] * 8 + ["cpu"]
    assert [op["outcome"] for op in entry["operators"]] == ["confirmed"] * 10
    assert entry["operators"][0]["compiler_reason"] == status.UNSPECIFIED
    assert entry["operators"][9]["compiler_reason"] == status.UNSUPPORTED_TYPE
    assert entry["summary"]["confirmed"] == 10
    assert entry["summary"]["findings_contradicted"] == 0
    assert entry["findings"] == []
    assert entry["compiled"] == {"edgetpu_operators": 1, "min_runtime_version": 14,
                                 "parameter_bytes": 496128, "unmatched": []}
    assert entry["memory"]["compiler"]["on_chip_used_bytes"] == round(484.5 * 1024)
    printed = entry["compiler"]["summary"]
    assert (printed["edgetpu_subgraphs"], printed["total_operations"]) == (1, 10)
    assert (printed["tpu_operations"], printed["cpu_operations"]) == (8, 2)
    assert printed["compile_ms"] == 512
    assert sorted(p.name for p in model.parent.iterdir()) == ["kapibara-model.tflite"]


def test_full_report(workdir: Path, verify: Run) -> None:
    model = model_copy(workdir, MODELS / "hanchanghun-dummy.tflite")
    code, out, _ = verify(str(model), "--no-run", "--color", "never",
                          recording="hanchanghun-dummy")
    assert code == 0
    assert "edgetpu_compiler 16.0.384591198" in out
    assert "confirmed: 3 of 3 operators as predicted" in out
    assert "no contradictions in 1 verified model" in out


def test_out_dir_keeps_the_compiler_output(workdir: Path, verify: Run) -> None:
    model = model_copy(workdir, MODELS / "hanchanghun-dummy.tflite")
    code, _, _ = verify(str(model), "--no-run", "-o", "kept", "--format", "json",
                        recording="hanchanghun-dummy")
    assert code == 0
    kept = sorted(p.name for p in (workdir / "kept").iterdir())
    assert kept == ["hanchanghun-dummy_edgetpu.log", "hanchanghun-dummy_edgetpu.tflite"]


def test_options_reach_the_compiler(workdir: Path, verify: Run,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TPULINT_REPLAY_ARGS", str(workdir / "args.json"))
    model = model_copy(workdir, MODELS / "hanchanghun-dummy.tflite")
    verify(str(model), "--no-run", "-m", "13", "-a", "-d", "-k", "5", "-t", "30",
           "--format", "json", recording="hanchanghun-dummy")
    args = json.loads((workdir / "args.json").read_text())
    assert args[0] == "-o" and args[-1].endswith("model.tflite")
    assert args[-1] != str(model)  # a copy, never the user's file
    assert " ".join(args[2:-1]) == "-s -t 30 -m 13 -a -d -k 5"


def test_missing_compiler(workdir: Path, verify: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(workdir / "models"))
    model = model_copy(workdir, MODELS / "hanchanghun-dummy.tflite")
    code, out, err = verify(str(model), "--no-run", "--color", "never")
    assert code == 4
    assert err == ("tpulint: edgetpu_compiler not found: install the edgetpu-compiler package "
                   "from Coral's apt repository (x86-64 Linux only), or pass --compiler\n")
    assert "not verified (no compiler): tpulint predicts 3 of 3 operators" in out
    assert "Nothing verified (no compiler): 1 model predicted only" in out
    assert "0 verified" not in out  # not "no contradictions in 0 verified models"
    code, _, _ = verify(str(model), "--no-run", "--allow-missing")
    assert code == 0


def test_compiler_from_flag_and_environment(workdir: Path, verify: Run,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    model = model_copy(workdir, MODELS / "hanchanghun-dummy.tflite")
    code, _, err = verify(str(model), "--no-run", "--compiler", "/nowhere/edgetpu_compiler")
    assert code == 4
    assert "edgetpu_compiler not found at '/nowhere/edgetpu_compiler' (from --compiler)" in err
    renamed = workdir / "coral-compiler"
    shutil.move(workdir / "bin" / "edgetpu_compiler", renamed)
    monkeypatch.setenv(tools.COMPILER_ENV, str(renamed))
    code, out, _ = verify(str(model), "--no-run", "--format", "json",
                          recording="hanchanghun-dummy")
    assert code == 0
    assert as_json(out)["models"][0]["compiler"]["path"] == str(renamed)


def test_bad_inputs(workdir: Path, verify: Run) -> None:
    code, _, err = verify("missing.tflite", "--no-run", "--allow-missing")
    assert code == 3
    assert err.strip().endswith("tpulint: missing.tflite: no such file")
    compiled = model_copy(workdir, MODELS / "hanchanghun-dummy_edgetpu.tflite")
    code, _, err = verify(str(compiled), "--no-run", recording="hanchanghun-dummy")
    assert code == 3
    assert "already compiled for the Edge TPU" in err


def test_verify_an_earlier_compilation(workdir: Path, verify: Run,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(workdir / "models"))  # no compiler needed
    logs = TESTS / "data" / "verify" / "logs"
    code, out, _ = verify(str(MODELS / "kapibara-model.tflite"), "--no-run", "--format", "json",
                          "--compiled", str(MODELS / "kapibara-model_edgetpu.tflite"),
                          "--log", str(logs / "pperonski+KapiBara-ROS-2-Package__model__"
                                               "model_edgetpu.log"))
    assert code == 0
    [entry] = as_json(out)["models"]
    assert entry["compiler"]["from_file"] is True
    assert entry["summary"]["confirmed"] == 10
    assert len(entry["log"]) == 6


def test_other_compiler_versions_are_named(workdir: Path, verify: Run,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    recording = json.loads((REPLAY / "recordings" / "hanchanghun-dummy.json").read_text())
    recording.update(version="15.0.340273435",
                     compiled=str(REPLAY / recording["compiled"]),
                     log=str(REPLAY / recording["log"]))
    (workdir / "v15.json").write_text(json.dumps(recording))
    monkeypatch.setenv("TPULINT_REPLAY", str(workdir / "v15.json"))
    model = model_copy(workdir, MODELS / "hanchanghun-dummy.tflite")
    code, out, _ = verify(str(model), "--no-run", "--format", "json")
    [entry] = as_json(out)["models"]
    assert (code, entry["compiler"]["version"]) == (0, "15.0.340273435")
    assert entry["notes"] == ["tpulint predicts compiler 16; this is 15.0.340273435, so some "
                              "contradictions are expected"]


def test_verify_settings_are_checked(workdir: Path, verify: Run) -> None:
    model = model_copy(workdir, MODELS / "hanchanghun-dummy.tflite")
    code, _, err = verify(str(model), "--config", "verify.compilr='x'")
    assert code == 2
    assert "unknown setting 'verify.compilr'" in err
    code, _, err = verify(str(model), "--config", "verify.timeout='long'")
    assert code == 2 and "'verify.timeout' must be an integer" in err
