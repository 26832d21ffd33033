"""The command line: exit codes, output formats, selection and configuration."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tpulint.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "fixtures/TPU102/good_int8.tflite"
BAD = ROOT / "fixtures/TPU201/bad_unsupported_mid.tflite"
FLOAT_IO = ROOT / "fixtures/TPU105/bad_float_io.tflite"


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run([sys.executable, "-m", "tpulint", *args], capture_output=True,
                          text=True, cwd=cwd or ROOT, env=env, timeout=120)


def codes_in(concise: str) -> set[str]:
    return set(re.findall(r": (TPU\d{3}) \[", concise))


def test_clean_model_exits_0() -> None:
    result = run_cli("check", "--isolated", "--format", "concise", str(GOOD))
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "All checks passed (1 model); 9 of 9 operators on the Edge TPU\n"
    quiet = run_cli("check", "--isolated", "--format", "concise", "--quiet", str(GOOD))
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")


def test_findings_exit_1_with_one_concise_line_each() -> None:
    result = run_cli("check", "--isolated", "--format", "concise", str(BAD))
    assert result.returncode == 1
    *lines, summary = result.stdout.splitlines()
    assert lines
    assert summary == "1 error, 1 warning in 1 model; 1 of 7 operators on the Edge TPU"
    pattern = re.compile(r"^.+\.tflite:sg\d+(/(op|t)\d+)?: TPU\d{3} \[[a-z0-9-]+\] .+$")
    assert all(pattern.match(line) for line in lines), lines
    assert any(" TPU201 [unsupported-op] LEAKY_RELU" in line for line in lines)


@pytest.mark.parametrize("content", [b"", b"not a model at all", b"TFL3" * 3,
                                     b"version https://git-lfs.github.com/spec/v1\n"])
def test_bad_input_exits_3_with_one_line_and_other_files_still_checked(
        tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "broken.tflite"
    bad.write_bytes(content)
    result = run_cli("check", "--isolated", "--format", "concise", str(bad), str(BAD))
    assert result.returncode == 3
    assert len(result.stderr.splitlines()) == 1 and "broken.tflite" in result.stderr
    assert "Traceback" not in result.stderr
    assert "TPU201" in result.stdout  # the good path was still checked


def test_missing_path_exits_3(tmp_path: Path) -> None:
    result = run_cli("check", "--isolated", str(tmp_path / "nope.tflite"))
    assert result.returncode == 3
    assert result.stderr.strip().endswith("no such file")


@pytest.mark.parametrize("args", [["check", "--format", "xml", "m.tflite"],
                                  ["check", "--select", "TPU999", str(GOOD)],
                                  ["check", "--fail-on", "fatal", str(GOOD)],
                                  ["frobnicate"],
                                  ["rule", "TPU999"]])
def test_usage_errors_exit_2_with_one_line(args: list[str]) -> None:
    result = run_cli(*args, "--isolated") if args[0] == "check" else run_cli(*args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_json_report_contract(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    code = main(["check", "--isolated", "--format", "json", "-o", str(out), str(BAD), str(GOOD)])
    assert code == 1
    doc = json.loads(out.read_text())
    assert doc["version"] == 1 and doc["tool"]["name"] == "tpulint"
    assert doc["errors"] == []
    assert [m["path"] for m in doc["models"]] == sorted([str(BAD), str(GOOD)])
    for model in doc["models"]:
        assert set(model["summary"]) >= {"operators", "tpu", "cpu", "edgetpu_subgraphs"}
        assert model["summary"]["operators"] == len(model["operators"])
        assert model["compiled"] is False
        for op in model["operators"]:
            assert set(op) >= {"subgraph", "index", "opcode", "version", "placement", "reason"}
            assert op["placement"] in ("tpu", "cpu")
        for finding in model["findings"]:
            assert set(finding) >= {"code", "name", "severity", "message", "subgraph",
                                    "operator", "tensor"}
    bad = next(m for m in doc["models"] if Path(m["path"]).name == BAD.name)
    assert bad["summary"]["cpu"] > 1
    assert {"TPU201", "TPU401"} <= {f["code"] for f in bad["findings"]}


def test_json_lists_unreadable_files_under_errors(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "x.tflite"
    broken.write_bytes(b"garbage!" * 4)
    assert main(["check", "--isolated", "--format", "json", str(broken)]) == 3
    doc = json.loads(capsys.readouterr().out)
    assert doc["models"] == [] and doc["errors"][0]["path"] == str(broken)


def test_full_report_without_colour() -> None:
    result = run_cli("check", "--isolated", "--format", "full", str(BAD))
    assert result.returncode == 1
    assert "\x1b[" not in result.stdout
    assert re.search(r"\d+ of \d+ operators predicted on the Edge TPU, \d+ CPU segment",
                     result.stdout)
    assert "LEAKY_RELU" in result.stdout and "tpulint rule TPU" in result.stdout


def test_auto_format_is_concise_when_piped() -> None:
    result = run_cli("check", "--isolated", str(BAD))
    assert result.stdout.splitlines()[0].count(": TPU") == 1


def test_select_ignore_and_exit_zero(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["check", "--isolated", "--format", "concise", "--select", "TPU4", str(BAD)]) == 1
    assert codes_in(capsys.readouterr().out) == {"TPU401"}
    assert main(["check", "--isolated", "--format", "concise", "--ignore", "TPU2,TPU4",
                 str(BAD)]) == 0
    assert capsys.readouterr().out.startswith("All checks passed (1 model)")
    assert main(["check", "--isolated", "--format", "concise", "--exit-zero", str(BAD)]) == 0


def test_fail_on_error_lets_warnings_pass(capsys) -> None:  # type: ignore[no-untyped-def]
    # The float-I/O model has only warnings (TPU105).
    assert main(["check", "--isolated", "--format", "concise", str(FLOAT_IO)]) == 1
    assert main(["check", "--isolated", "--format", "concise", "--fail-on", "error",
                 str(FLOAT_IO)]) == 0


def test_configuration_in_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.tpulint]\nignore = ["unsupported-op"]\nfail-on = "error"\n'
        '[tool.tpulint.severity]\nTPU401 = "error"\n')
    models = tmp_path / "models"
    models.mkdir()
    (models / "m.tflite").write_bytes(BAD.read_bytes())
    result = run_cli("check", "--format", "concise", "models", cwd=tmp_path)
    assert codes_in(result.stdout) == {"TPU401"}
    assert result.returncode == 1  # TPU401 raised to error


def test_unknown_setting_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "tpulint.toml").write_text('selct = ["TPU"]\n')
    result = run_cli("check", str(GOOD), cwd=tmp_path)
    assert result.returncode == 2 and "unknown setting 'selct'" in result.stderr


def test_ignore_ops_needs_a_reason_and_suppresses_by_operator(tmp_path: Path) -> None:
    (tmp_path / "tpulint.toml").write_text('[[ignore-ops]]\nop = "LEAKY_RELU"\ncodes = ["TPU2"]\n')
    assert run_cli("check", str(BAD), cwd=tmp_path).returncode == 2
    (tmp_path / "tpulint.toml").write_text(
        '[[ignore-ops]]\nop = "LEAKY_RELU"\ncodes = ["TPU2"]\nreason = "accepted on the CPU"\n')
    result = run_cli("check", "--format", "concise", str(BAD), cwd=tmp_path)
    assert codes_in(result.stdout) == {"TPU401"}


def test_directories_are_searched_for_models(tmp_path: Path) -> None:
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    (nested / "deep.tflite").write_bytes(BAD.read_bytes())
    (nested / "notes.txt").write_text("not a model")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "hidden.tflite").write_bytes(b"never read")
    result = run_cli("check", "--isolated", "--format", "concise", str(tmp_path))
    assert result.returncode == 1
    assert "deep.tflite" in result.stdout and "hidden" not in result.stdout + result.stderr


def test_rules_listing_and_rule_page() -> None:
    listing = run_cli("rules")
    assert listing.returncode == 0
    assert re.search(r"^TPU201\s+unsupported-op\s+error", listing.stdout, re.M)
    page = run_cli("rule", "unsupported-op")
    assert page.returncode == 0
    assert page.stdout.startswith("# TPU201 unsupported-op")
    assert "How to fix" in page.stdout
    assert "| STRIDED_SLICE |" in run_cli("rule", "TPU203").stdout  # constraints with sources


def test_version() -> None:
    from tpulint import __version__

    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"tpulint {__version__}"
