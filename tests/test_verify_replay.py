"""`tpulint verify` end to end against a stand-in compiler that replays recorded compilations.

`tests/verify_replay/fake_edgetpu_compiler.py` is not the real compiler: it replays a recording
(real compiled model and real operation log from public repositories, stdout composed around
them; or error messages quoted from public compiler reports; or a compiler that never returns).
So the subprocess wiring, the parsing and the comparison all run here without the compiler.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tpulint.analysis import status
from tpulint.cli import main
from tpulint.engine import check as engine_check
from tpulint.results import ModelResult, OperatorRow
from tpulint.verify import tools

TESTS = Path(__file__).parent
REPLAY = TESTS / "verify_replay"
MODELS = TESTS / "data" / "verify" / "models"
FIXTURES = TESTS.parent / "fixtures"
GOOD_INT8 = "TPU102/good_int8.tflite"  # the network, full int8: every operator maps
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory with a stand-in `edgetpu_compiler` on PATH and no Edge TPU."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "edgetpu_compiler"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" '
                       f'"{REPLAY / "fake_edgetpu_compiler.py"}" "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.delenv(tools.COMPILER_ENV, raising=False)
    monkeypatch.setattr(tools, "edgetpu_library", lambda: "libedgetpu-absent-in-tests.so.1")
    monkeypatch.setattr(tools, "pycoral_edgetpu", lambda: None)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def verify(workdir: Path, monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*args: str, recording: str | None = None) -> tuple[int, str, str]:
        if recording is not None:
            monkeypatch.setenv("TPULINT_REPLAY", str(REPLAY / "recordings" / f"{recording}.json"))
        code = main(["verify", "--isolated", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def model_copy(workdir: Path, source: Path) -> Path:
    target = workdir / "models" / source.name
    target.parent.mkdir(exist_ok=True)
    shutil.copyfile(source, target)
    return target


def as_json(out: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(out)
    return document


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


def test_contradictions_become_findings(workdir: Path, verify: Run,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # Make the prediction wrong for two operators: RESHAPE on the CPU, DEQUANTIZE's reason.
    real = engine_check.check_model

    def wrong(*args: Any) -> ModelResult:
        result = real(*args)
        rows = result.operators
        rows[2] = _replace(rows[2], placement="cpu", reason=status.UNSPECIFIED)
        rows[9] = _replace(rows[9], reason=status.NOT_SUPPORTED)
        return result

    monkeypatch.setattr(engine_check, "check_model", wrong)
    model = model_copy(workdir, MODELS / "kapibara-model.tflite")
    code, out, _ = verify(str(model), "--no-run", "--format", "json",
                          recording="kapibara-model")
    assert code == 1
    [entry] = as_json(out)["models"]
    found = [(f["code"], f["name"], f["operator"], f["severity"]) for f in entry["findings"]]
    assert found == [("TPU501", "placement-contradicted", 2, "warning"),
                     ("TPU503", "reason-contradicted", 9, "info")]
    assert "predicted on the CPU" in entry["findings"][0]["message"]
    assert entry["summary"]["placement_contradicted"] == 1
    assert entry["summary"]["reason_contradicted"] == 1


def _replace(row: OperatorRow, **changes: Any) -> OperatorRow:
    replaced: OperatorRow = row.replace(**changes)
    return replaced


def failed_compilation(workdir: Path, verify: Run, fixture: str, recording: str
                       ) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    """Verify a copy of `fixture` against a recorded failing compiler run: the copy, its JSON
    entry and the entry's only finding."""
    model = model_copy(workdir, FIXTURES / fixture)
    code, out, _ = verify(str(model), "--no-run", "--format", "json", recording=recording)
    assert code == 1
    [entry] = as_json(out)["models"]
    [finding] = entry["findings"]
    return model, entry, finding


def test_predicted_fatal_error_is_confirmed(workdir: Path, verify: Run) -> None:
    model, entry, finding = failed_compilation(workdir, verify, "TPU202/bad_grouped_conv.tflite",
                                               "conv2d-v6-fatal")
    assert finding["code"] == "TPU502"
    assert finding["message"].startswith("edgetpu_compiler failed: ERROR: Didn't find op for "
                                         "builtin opcode 'CONV_2D' version '6'")
    assert finding["message"].endswith("(as predicted)")
    assert finding["data"]["cause"] == "op-version CONV_2D 6"
    assert entry["compiler"]["exit_code"] == 1
    assert f"Invalid model: {model}" in entry["compiler"]["errors"]  # the user's path
    assert {op["outcome"] for op in entry["operators"]} == {"confirmed"}
    assert {c["outcome"] for c in entry["check_findings"] if c["code"] == "TPU202"} == \
        {"confirmed"}


def test_unpredicted_fatal_error_is_a_contradiction(workdir: Path, verify: Run) -> None:
    _, entry, finding = failed_compilation(workdir, verify, GOOD_INT8, "internal-error")
    assert finding["message"] == ("edgetpu_compiler failed: Internal compiler error. Aborting! "
                                  "(not predicted by tpulint)")
    assert {op["outcome"] for op in entry["operators"]} == {"unverified"}


def test_a_hanging_compiler_is_stopped(workdir: Path, verify: Run) -> None:
    model = model_copy(workdir, FIXTURES / GOOD_INT8)
    started = time.monotonic()
    code, out, _ = verify(str(model), "--no-run", "-t", "1", "--format", "json",
                          recording="hang")
    assert time.monotonic() - started < 10
    assert code == 1
    [entry] = as_json(out)["models"]
    assert entry["compiler"]["timed_out"] is True
    assert entry["compiler"]["exit_code"] is None
    [finding] = entry["findings"]
    assert finding["data"]["cause"] == "timeout"
    assert "Compilation timeout: no result after 1 s" in finding["message"]


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


def test_ignored_codes_do_not_fail(workdir: Path, verify: Run) -> None:
    model = model_copy(workdir, FIXTURES / GOOD_INT8)
    code, out, _ = verify(str(model), "--no-run", "--format", "json",
                          "--config", 'ignore=["TPU502"]', recording="internal-error")
    assert code == 0
    assert as_json(out)["models"][0]["findings"] == []


def test_rule_pages_and_registry_entries(capsys: pytest.CaptureFixture[str]) -> None:
    from tpulint.engine.registry import load_registry

    for key in ("TPU501", "compile-failed", "TPU503", "TPU504"):
        assert main(["rule", key]) == 0
        page = capsys.readouterr().out
        assert page.startswith("# TPU50") and "### What it does" in page
    # One registry: verify's rules are listed with the others, with a scope `check` skips.
    listed = {rule.code: rule.scope for rule in load_registry() if rule.code.startswith("TPU5")}
    assert listed == dict.fromkeys(("TPU501", "TPU502", "TPU503", "TPU504"), "verify")
    docs = (TESTS.parent / "docs" / "verify.md").read_text(encoding="utf-8")
    from tpulint.verify.rules import RULES

    for rule in RULES:
        assert f"{rule.code} `{rule.name}`" in docs


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


def _wrong_prediction(monkeypatch: pytest.MonkeyPatch) -> None:
    """RESHAPE (op2) predicted on the CPU, which the recorded compilation maps: a TPU501."""
    real = engine_check.check_model

    def wrong(*args: Any) -> ModelResult:
        result = real(*args)
        result.operators[2] = _replace(result.operators[2], placement="cpu",
                                       reason=status.UNSPECIFIED)
        return result

    monkeypatch.setattr(engine_check, "check_model", wrong)


def test_contradictions_fail_without_an_edge_tpu(workdir: Path, verify: Run,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("ai_edge_litert.interpreter")
    _wrong_prediction(monkeypatch)
    model = model_copy(workdir, MODELS / "kapibara-model.tflite")
    # With the device run (no Edge TPU here): the contradiction decides, the device is a line.
    code, out, err = verify(str(model), "--runs", "1", "--color", "never",
                            recording="kapibara-model")
    assert code == 1, err
    assert "Edge TPU: skipped: no Edge TPU found" in out
    code, _, _ = verify(str(model), "--runs", "1", "--require-device", recording="kapibara-model")
    assert code == 4


def test_full_report_puts_contradictions_first(workdir: Path, verify: Run,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _wrong_prediction(monkeypatch)
    monkeypatch.setenv("COLUMNS", "80")
    model = model_copy(workdir, MODELS / "kapibara-model.tflite")
    code, out, _ = verify(str(model), "--no-run", "--color", "never", recording="kapibara-model")
    assert code == 1
    lines = out.splitlines()
    assert "CONTRADICTED: 1 of 10 operators placed otherwise than predicted" in lines[1]
    assert "where the compiler disagrees" in lines[4]
    assert "op2" in lines[6] and "CONTRADICTED" in lines[6]
    rows = [line for line in lines if re.match(r"^│ op\d+ ", line)]
    assert len(rows) == 1  # no row per confirmed operator
    assert lines[-2] == "1 verify finding in 1 verified model"
    _, every, _ = verify(str(model), "--no-run", "--color", "never", "--show-all",
                         recording="kapibara-model")
    assert "every operator" in every
    assert len([line for line in every.splitlines() if re.match(r"^│ op\d+ ", line)]) == 10
    for text in (out, every):  # at 80 columns no word is cut
        assert all(len(line) <= 80 for line in text.splitlines())
        words = set(re.findall(r"[a-z]+", text))
        assert not words & {"confirme", "unsupporte", "contradicte", "st", "verifie"}


@pytest.mark.parametrize("fmt", ["concise", "github", "sarif", "junit", "gitlab", "markdown",
                                 "html", "json-lines"])
def test_every_format_of_check(workdir: Path, verify: Run, monkeypatch: pytest.MonkeyPatch,
                               fmt: str) -> None:
    _wrong_prediction(monkeypatch)
    model = model_copy(workdir, MODELS / "kapibara-model.tflite")
    code, out, _ = verify(str(model), "--no-run", "--format", fmt, recording="kapibara-model")
    assert code == 1
    assert "TPU501" in out
    if fmt == "concise":
        first, *_, summary = out.splitlines()
        assert "kapibara-model.tflite:sg0/op2: TPU501 [placement-contradicted] " in first
        assert summary.startswith("1 warning in 1 model")
