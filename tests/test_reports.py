"""What people see first: reports lead with the cause, fold its consequences, shorten names, end
with a summary line; and the run's conveniences (`--statistics`, `--show-*`, hints)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import BAD, DATA, FIXTURES, GOOD, ROOT, Outcome
from irbuild import GraphBuilder

from tpulint.engine.check import check_model
from tpulint.engine.config import Settings
from tpulint.engine.registry import load_registry
from tpulint.ir import EDGETPU_CUSTOM_CODE
from tpulint.report.triage import groups, ordered, shorten

Cli = Callable[..., Outcome]
GEMM = DATA / "corpus" / "redax-gemm_model_16_4_2_1.tflite"
DEEPLAB = DATA / "corpus" / "td-deeplabv3_mnv2_dm05_pascal_quant.tflite"
FLOAT16 = FIXTURES / "TPU103" / "bad_float16.tflite"
DYNAMIC_RANGE = FIXTURES / "TPU104" / "bad_dynamic_range.tflite"
CONTROL_FLOW = FIXTURES / "TPU002" / "bad_control_flow.tflite"
COMPILED = DATA / "corpus" / "kapibara-model_edgetpu.tflite"
# A fused TensorFlow name of 170 characters, of sixteen matrix products in the GEMM model.
LONG_NAME = ";".join(f"MatMul_{n}" for n in range(110, 126))


@pytest.fixture
def at80(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")


def full(cli: Cli, *args: str) -> list[str]:
    outcome = cli("check", "--isolated", "--format", "full", "--color", "never", *args)
    return outcome.out.splitlines()


# The full report ---------------------------------------------------------------------------

def test_full_report_leads_with_the_summary_and_the_region_end(cli: Cli, at80: None) -> None:
    lines = full(cli, str(DEEPLAB))
    assert "64 of 72 operators predicted on the Edge TPU" in lines[1]
    head = "\n".join(lines[:12])
    assert "Edge TPU region ends at" in head
    assert re.search(r"op64 RESIZE_BILINEAR '[^']+'  strands 5 op\(s\)", head)
    findings = next(n for n, line in enumerate(lines) if "code    where" in line)
    region = next(n for n, line in enumerate(lines) if "Edge TPU region ends at" in line)
    assert region < findings < 20


def test_findings_are_ordered_by_impact() -> None:
    result = check_model_file(DEEPLAB)
    # By location: TPU203 op64, TPU401 op64, TPU305 op70, TPU201 op71. The operator stranding
    # five comes first; of the two that strand nothing, the error before the warning.
    assert [(f.code, f.location.operator) for f in ordered(result)] == \
        [("TPU203", 64), ("TPU401", 64), ("TPU201", 71), ("TPU305", 70)]


def test_consequences_fold_under_their_cause(cli: Cli, at80: None) -> None:
    result = check_model_file(DYNAMIC_RANGE)  # nothing reaches the Edge TPU
    [group] = groups(result)
    assert group.lead.code == "TPU104"
    assert group.fold_text() == "+2 more from the same cause (TPU202 x2)"
    text = "\n".join(full(cli, str(DYNAMIC_RANGE)))
    assert "+2 more from the same cause" in text and "TPU202  sg0" not in text
    expanded = "\n".join(full(cli, str(DYNAMIC_RANGE), "--show-all"))
    assert expanded.count("TPU202  sg0") == 2 and "more from the same cause" not in expanded


def test_float16_weights_are_not_blamed_for_their_shape_or_constness(cli: Cli) -> None:
    # Before: TPU303 on each weights DEQUANTIZE and TPU304 on each CONV_2D reading one.
    assert [f.code for f in check_model_file(FLOAT16).findings] == ["TPU103"]


def test_repeats_of_a_code_fold_past_three() -> None:
    result = check_model_file(CONTROL_FLOW)
    assert sum(f.code == "TPU201" for f in result.findings) == 4
    shown = [g for g in groups(result) if g.lead.code == "TPU201"]
    assert len(shown) == 3 and shown[-1].fold_text() == "+1 more TPU201 [unsupported-op]"
    assert sum(g.lead.code == "TPU201" for g in groups(result, show_all=True)) == 4


def test_operators_by_type_in_the_terminal(cli: Cli, at80: None) -> None:
    lines = full(cli, str(DEEPLAB))
    start = next(n for n, line in enumerate(lines) if "operators by type" in line)
    assert re.search(r"operator\s+count\s+TPU\s+CPU\s+status", lines[start + 1])
    assert re.search(r"RESIZE_BILINEAR\s+3\s+0\s+3\s+unspecified limitation",
                     lines[start + 2])


def test_long_names_are_shortened_in_human_formats_only(cli: Cli, at80: None) -> None:
    assert len(LONG_NAME) > 150
    for fmt in ("full", "markdown", "html"):
        out = cli("check", "--isolated", "--format", fmt, "--color", "never", str(GEMM)).out
        assert LONG_NAME not in out, fmt
        assert shorten(LONG_NAME) in out.replace("\\_", "_"), fmt  # markdown escapes `_`
    for fmt in ("json", "sarif"):
        out = cli("check", "--isolated", "--format", fmt, str(GEMM)).out
        assert LONG_NAME in out, fmt
    short = shorten(LONG_NAME)
    assert len(short) == 48 and short.endswith("MatMul_124;MatMul_125")


def test_only_names_are_shortened_never_the_prose_between_them() -> None:
    from tpulint.report.triage import shorten_names

    name = "a" * 60
    message = (f"ADD 'x/Add' runs on the CPU: it is version 4, which came with TensorFlow 2.6 "
               f"after the set 'b' was made; reads '{name}'")
    assert shorten_names(message) == message.replace(name, shorten(name))


def test_full_report_lines_fit_80_columns_with_a_hanging_indent(cli: Cli, at80: None) -> None:
    lines = full(cli, str(DEEPLAB))
    assert all(len(line) <= 80 for line in lines)
    table = [line for line in lines if line.startswith("│ TPU") or line.startswith("│      ")]
    assert table and all(not line.startswith("│ ") or line[2:4] in ("TP", "  ") for line in table)


def test_markdown_stays_under_the_step_summary_limit(tmp_path: Path, cli: Cli) -> None:
    for number in range(100):  # a hundred models of 72 operators
        (tmp_path / f"model{number:03}.tflite").symlink_to(DEEPLAB)
    outcome = cli("check", "--isolated", "--format", "markdown", str(tmp_path))
    assert outcome.code == 1
    assert len(outcome.out.encode()) < 1024 * 1024 // 4  # GitHub's limit is 1 MiB


def test_constraint_messages_say_what_they_need_and_what_they_have(cli: Cli) -> None:
    out = cli("check", "--isolated", "--format", "concise", "--select", "TPU203",
              str(DEEPLAB), str(FIXTURES / "TPU203" / "bad_strided_slice.tflite")).out
    assert "runs on the CPU: needs: the source is larger than 1x1; has: resizes a 1x1 " \
        "source" in out
    assert "runs on the CPU: needs: all strides are 1 (a plain slice); has: strides " \
        "[1, 2, 2, 1]" in out


# Summary lines -----------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["concise", "github", "full", "markdown"])
def test_every_text_format_ends_with_a_summary(cli: Cli, fmt: str) -> None:
    bad = cli("check", "--isolated", "--format", fmt, "--color", "never", str(BAD))
    assert "1 error, 1 warning in 1 model; 1 of 7 operators on the Edge TPU" in bad.out
    clean = cli("check", "--isolated", "--format", fmt, "--color", "never", str(GOOD))
    assert "All checks passed (1 model); 9 of 9 operators on the Edge TPU" in clean.out
    quiet = cli("check", "--isolated", "--format", fmt, "--color", "never", "--quiet", str(GOOD))
    assert "All checks passed" not in quiet.out


# Compiled models ---------------------------------------------------------------------------

def test_compiled_model_names_an_unrecorded_compiler_and_gives_no_a_advice(cli: Cli) -> None:
    concise = cli("check", "--isolated", "--format", "concise", str(COMPILED)).out
    assert "(compiler not recorded)" in concise and "cl/" not in concise
    outcome = cli("check", "--isolated", "--format", "full", "--color", "never", str(COMPILED))
    assert "compiled model: 1 Edge TPU operator(s)" in outcome.out
    assert "-a (experimental)" not in outcome.out
    assert outcome.code == 0


def test_cpu_by_design_operators_of_a_compiled_model_do_not_fail() -> None:
    graph = GraphBuilder()
    source = graph.input((1, 8, 8, 3))
    boxes = graph.tensor((1, 10, 4), dtype="float32")
    graph.op("CUSTOM", [source], [boxes], custom_code=EDGETPU_CUSTOM_CODE)
    detections = graph.tensor((1, 10, 4), dtype="float32")
    graph.op("CUSTOM", [boxes], [detections], custom_code="TFLite_Detection_PostProcess")
    model = graph.model()
    rules = [r for r in load_registry(plugins=False) if r.code == "TPU204"]
    result = check_model(model, "memory.tflite", rules, Settings())
    [finding] = result.findings
    assert finding.severity.value == "info" and "in the compiled model" in finding.message
    # The same custom operator in a model to compile is a warning.
    graph = GraphBuilder()
    source = graph.input((1, 10, 4), dtype="float32")
    out = graph.tensor((1, 10, 4), dtype="float32")
    graph.op("CUSTOM", [source], [out], custom_code="TFLite_Detection_PostProcess")
    [finding] = check_model(graph.model(), "memory.tflite", rules, Settings()).findings
    assert finding.severity.value == "warning"


# Paths and configuration -------------------------------------------------------------------

def test_configuration_is_found_from_the_checked_files(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    shutil.copy(BAD, project / "models" / "bad.tflite")
    (project / "pyproject.toml").write_text('[tool.tpulint]\nignore = ["TPU201", "TPU401"]\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for cwd in (project, elsewhere):
        done = run_cli(cwd, "check", "--format", "concise", str(project / "models"))
        assert done.returncode == 0, (cwd, done.stdout, done.stderr)


def test_an_explicit_directory_without_models_is_bad_input(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "empty").mkdir()
    outcome = cli("check", "--isolated", str(tmp_path / "empty"))
    assert outcome.code == 3
    assert outcome.err == f"tpulint: {tmp_path / 'empty'}: no models found (looked for *.tflite)\n"


def test_write_baseline_says_how_to_configure_it(project: Path, cli: Cli) -> None:
    outcome = cli("check", "--write-baseline", "--format", "concise", "models")
    assert outcome.code == 0
    assert "add `baseline = \".tpulint-baseline.json\"` under [tool.tpulint]" in outcome.err
    (project / "pyproject.toml").write_text('[tool.tpulint]\nbaseline = ".tpulint-baseline.json"\n')
    again = cli("check", "--write-baseline", "--format", "concise", "models")
    assert "takes effect once configured" not in again.err


# Conveniences ------------------------------------------------------------------------------

def test_statistics(cli: Cli) -> None:
    outcome = cli("check", "--isolated", "--statistics", str(CONTROL_FLOW))
    assert outcome.out.splitlines() == [
        "    4  TPU201  unsupported-op             error",
        "    3  TPU101  float-tensor               error",
        "    1  TPU002  multiple-subgraphs         warning",
        "    1  TPU203  op-constraint-violated     error",
        "    1  TPU401  cpu-fallback-partition     warning"]
    assert outcome.code == 1


def test_show_settings_and_files(project: Path, cli: Cli) -> None:
    (project / "pyproject.toml").write_text('[tool.tpulint]\nignore = ["TPU305"]\n')
    settings = cli("check", "--show-settings", "models")
    assert settings.code == 0
    assert f"# configuration: {project / 'pyproject.toml'}" in settings.out
    assert 'ignore = ["TPU305"]' in settings.out.splitlines()
    files = cli("check", "--show-files", "models")
    assert files.out.splitlines()[:2] == ["models/bad.tflite", "models/good.tflite"]


@pytest.mark.parametrize(("args", "hint"), [
    (("check", "--formt", "full"), "(did you mean '--format'?)"),
    (("check", "--select", "TPU2O1", str(GOOD)), "(did you mean 'TPU201'?)"),
    (("check", "--ignore", "unsuported-op", str(GOOD)), "(did you mean 'unsupported-op'?)"),
    (("rule", "TPU2011"), "(did you mean 'TPU201'?)"),
])
def test_did_you_mean(cli: Cli, args: tuple[str, ...], hint: str) -> None:
    outcome = cli(*args)
    assert outcome.code == 2 and hint in outcome.err


# pre-commit and test isolation -------------------------------------------------------------

def test_both_hooks_skip_compiled_models() -> None:
    clientlib = pytest.importorskip("pre_commit.clientlib")
    hooks = clientlib.load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))
    assert {hook["id"] for hook in hooks} == {"tpulint", "tpulint-verify"}
    for hook in hooks:
        def runs_on(name: str, hook: dict[str, str] = hook) -> bool:
            return bool(re.search(hook["files"], name)) and not re.search(hook["exclude"], name)

        assert runs_on("models/detector.tflite"), hook["id"]
        assert not runs_on("models/detector_edgetpu.tflite"), hook["id"]


@pytest.fixture(scope="module")
def module_cache() -> str | None:
    return os.environ.get("TPULINT_CACHE_DIR")


def test_module_fixtures_see_an_isolated_cache(module_cache: str | None,
                                               tmp_path_factory: pytest.TempPathFactory) -> None:
    assert module_cache is not None
    assert Path(module_cache).is_relative_to(tmp_path_factory.getbasetemp())


# Helpers -----------------------------------------------------------------------------------

def check_model_file(path: Path):  # type: ignore[no-untyped-def]
    from tpulint.engine.check import check_file

    return check_file(str(path), list(load_registry(plugins=False)), Settings())


def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    return subprocess.run([sys.executable, "-m", "tpulint", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_json_keeps_every_finding(cli: Cli) -> None:
    document = json.loads(cli("check", "--isolated", "--format", "json", str(CONTROL_FLOW)).out)
    assert len(document["models"][0]["findings"]) == 10  # nothing folded in machine formats
