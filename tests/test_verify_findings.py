"""`tpulint verify`'s findings against a stand-in compiler that replays recorded compilations
(tests/replayed_verify.py): where the compiler contradicts the prediction or fails (TPU501-504),
how each output format shows it, and the pages of those rules.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from replayed_verify import FIXTURES, GOOD_INT8, MODELS, TESTS, Run, as_json, model_copy
from replayed_verify import verify as verify  # the fixtures
from replayed_verify import workdir as workdir

from tpulint.analysis import status
from tpulint.cli import main
from tpulint.engine import check as engine_check
from tpulint.results import ModelResult, OperatorRow


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
