"""TPU091: suppressions that suppress nothing are findings about the configuration file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from helpers import write_config

PER_FILE = '[tool.tpulint.per-file-ignores]\n"models/bad.tflite" = ["TPU201", "TPU3"]\n'
OPS = ('[[tool.tpulint.ignore-ops]]\nop = "LEAKY_RELU"\ncodes = ["TPU401"]\nreason = "by design"\n'
       '[[tool.tpulint.ignore-ops]]\npath = "models/gone.tflite"\nop = "CONV_2D"\n'
       'reason = "renamed since"\n')


def config_findings(cli: Any, *args: str) -> list[dict[str, Any]]:
    document = json.loads(cli("check", *args, "--format", "json").out)
    return list(document["config_findings"])


def test_unused_entries_are_reported_on_the_config_file(project: Path, cli: Any) -> None:
    write_config(project, PER_FILE + OPS)
    found = config_findings(cli, ".")
    assert {f["code"] for f in found} == {"TPU091"}
    assert {f["location"] for f in found} == {"pyproject.toml"}
    messages = " | ".join(f["message"] for f in found)
    assert "'models/bad.tflite' = TPU3" in messages  # TPU201 did suppress: not reported
    assert "= TPU201" not in messages
    assert "entry 2" in messages and "matches no model" in messages  # the stale path
    assert "entry 1" not in messages  # LEAKY_RELU's TPU401 was suppressed
    assert len(found) == 2


def test_a_partial_run_does_not_judge_ignores_for_unchecked_models(project: Path,
                                                                   cli: Any) -> None:
    write_config(project, PER_FILE + OPS.replace('"models/gone.tflite"', '"models/*.tflite"'))
    # Checking only the good model: the ignores for bad.tflite cannot be judged.
    assert config_findings(cli, "models/good.tflite") == []


def test_unused_ignore_fails_the_gate_and_can_be_ignored(project: Path, cli: Any) -> None:
    write_config(project, 'ignore = ["TPU2", "TPU4"]\n'
                 '[tool.tpulint.per-file-ignores]\n"models/*.tflite" = ["TPU3"]\n')
    outcome = cli("check", ".", "--format", "concise")
    assert outcome.code == 1
    assert outcome.out.startswith("pyproject.toml: TPU091 [unused-ignore]")
    write_config(project, 'ignore = ["TPU2", "TPU4", "TPU091"]\n'
                 '[tool.tpulint.per-file-ignores]\n"models/*.tflite" = ["TPU3"]\n')
    assert cli("check", ".").code == 0


def test_severity_override_applies_to_config_findings(project: Path, cli: Any) -> None:
    write_config(project, 'ignore = ["TPU2", "TPU4"]\n[tool.tpulint.severity]\nTPU091 = "info"\n'
                 '[tool.tpulint.per-file-ignores]\n"models/*.tflite" = ["TPU3"]\n')
    found = config_findings(cli, ".")
    assert [f["severity"] for f in found] == ["info"]


def test_rule_page_documents_tpu091(cli: Any) -> None:
    outcome = cli("rule", "TPU091")
    assert outcome.code == 0
    assert outcome.out.startswith("# TPU091 unused-ignore")
    assert "### How to fix" in outcome.out
    assert "TPU091" in cli("rules").out
