"""Compiler options on the command line and in `[tool.tpulint.compiler]`, and what verify passes.

verify runs against `tests/verify_replay/fake_edgetpu_compiler.py`, a stand-in that replays a
recorded real compilation and writes the arguments it received (not the real compiler).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from replayed_verify import Run, model_copy
from replayed_verify import verify as verify  # the fixtures
from replayed_verify import workdir as workdir

from tpulint.analysis.compiler_options import CompilerOptions, updated
from tpulint.cli import main
from tpulint.engine.config import ConfigError, load_settings

DATA = Path(__file__).resolve().parent / "data" / "corpus"
MODEL11 = DATA / "redax-model11.tflite"  # compiled with -a into 3 Edge TPU subgraphs
DEFAULTS = {"min-runtime-version": 14, "enable-multiple-subgraphs": False,
            "search-delegate": False, "delegate-search-step": 1, "intermediate-tensors": []}


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    code = main(["check", "--isolated", "--no-cache", "--format", "json", *args, str(MODEL11)])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else {}, err


def test_compiler_arguments_leave_out_defaults() -> None:
    assert CompilerOptions().arguments() == []
    options = CompilerOptions(13, True, True, 10, ("a", "b"))
    assert options.arguments() == ["-m", "13", "-a", "-d", "-k", "10", "-i", "a,b"]
    assert CompilerOptions(delegate_search_step=10).arguments() == []  # -k only matters with -d


@pytest.mark.parametrize(("table", "message"), [
    ({"search_delegate": True}, "unknown setting 'compiler.search_delegate'"),
    ({"search-delegate": "yes"}, "must be true or false"),
    ({"delegate-search-step": 0}, "must be 1 or more"),
    ({"delegate-search-step": True}, "must be an integer"),
    ({"min-runtime-version": 9}, "from 10 to 14"),
    ({"intermediate-tensors": [1]}, "list of tensor names"),
])
def test_bad_compiler_table_is_refused(table: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=message):
        updated(CompilerOptions(), table)


def test_compiler_table_in_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.tpulint.compiler]\nenable-multiple-subgraphs = true\nsearch-delegate = true\n"
        "delegate-search-step = 10\nmin-runtime-version = 13\n"
        'intermediate-tensors = "x, y"\n')
    options = load_settings(start=tmp_path).compiler_options
    assert options == CompilerOptions(13, True, True, 10, ("x", "y"))
    (tmp_path / "pyproject.toml").write_text("[tool.tpulint.compiler]\nsearch-delegat = true\n")
    with pytest.raises(ConfigError, match=r"unknown setting 'compiler\.search-delegat'"):
        load_settings(start=tmp_path)


def test_runtime_key_and_min_runtime_version_are_one_setting(tmp_path: Path) -> None:
    (tmp_path / "tpulint.toml").write_text("runtime = 12\n")
    assert load_settings(start=tmp_path).compiler_options.min_runtime_version == 12
    overridden = load_settings(["compiler.min-runtime-version=13"], start=tmp_path)
    assert overridden.runtime == 13


def test_check_records_the_options_and_numbers_the_subgraphs(
        capsys: pytest.CaptureFixture[str]) -> None:
    _, doc, _ = _check(capsys)
    model = doc["models"][0]
    assert model["compiler_options"] == DEFAULTS
    assert model["summary"]["edgetpu_subgraphs"] == 1
    _, doc, _ = _check(capsys, "--enable-multiple-subgraphs", "--min-runtime-version", "14")
    model = doc["models"][0]
    assert model["compiler_options"] == {**DEFAULTS, "enable-multiple-subgraphs": True}
    assert model["summary"]["edgetpu_subgraphs"] == 3
    numbers = [op["edgetpu_subgraph"] for op in model["operators"]]
    assert numbers == [0, None, None, None, None, 1, 1, None, None, None, None, 2, 2, 2, 2, 2]


def test_runtime_stays_an_alias(capsys: pytest.CaptureFixture[str]) -> None:
    _, doc, _ = _check(capsys, "--runtime", "13", "--search-delegate",
                       "--delegate-search-step", "10")
    assert doc["models"][0]["compiler_options"] == {
        **DEFAULTS, "min-runtime-version": 13, "search-delegate": True,
        "delegate-search-step": 10}


def test_intermediate_tensors_on_check(capsys: pytest.CaptureFixture[str]) -> None:
    _, doc, _ = _check(capsys, "--intermediate-tensors", "MatMul1")  # op 0's output
    placements = [op["placement"] for op in doc["models"][0]["operators"]]
    assert placements[0] == "tpu" and placements[1] == "cpu"
    code, doc, err = _check(capsys, "--intermediate-tensors", "MatMul1,nope")
    assert code == 3
    assert "no tensor named 'nope'" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [["--delegate-search-step", "0"],
                                  ["--min-runtime-version", "9"],
                                  ["--intermediate-tensors", " , "]])
def test_bad_compiler_flags_exit_2(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    code, doc, err = _check(capsys, *args)
    assert code == 2 and not doc
    assert len(err.strip().splitlines()) == 1


def test_verify_hands_the_predicted_options_to_the_compiler(
        workdir: Path, verify: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TPULINT_REPLAY_ARGS", str(workdir / "args.json"))
    (workdir / "tpulint.toml").write_text("[compiler]\nsearch-delegate = true\n")
    model = model_copy(workdir, DATA.parent / "verify" / "models" / "hanchanghun-dummy.tflite")
    code, out, _ = verify(str(model), "--no-run", "--config", str(workdir / "tpulint.toml"),
                          "-a", "-k", "10", "-i", "StatefulPartitionedCall:01",
                          "--format", "json", recording="hanchanghun-dummy")
    args = json.loads((workdir / "args.json").read_text())
    assert " ".join(args[2:-1]) == "-s -t 180 -a -d -k 10 -i StatefulPartitionedCall:01"
    assert shutil.which("edgetpu_compiler") is not None  # the stand-in, on PATH
    assert code in (0, 1), out


def test_full_report_counts_the_subgraphs(capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", "--isolated", "--no-cache", "--format", "full", "--color", "never",
          "--enable-multiple-subgraphs", str(MODEL11)])
    out = " ".join(capsys.readouterr().out.replace("│", " ").split())
    assert "8 of 16 operators predicted on the Edge TPU in 3 Edge TPU subgraphs" in out
