"""What the format tests share: a project of every fixture with an unreadable model and a
TPU091 finding (`zoo`), a run whose names try to break every format, and SARIF's schema.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from helpers import DATA, FIXTURES, write_config

from tpulint.api import Finding, Severity
from tpulint.engine.config import Settings
from tpulint.engine.registry import load_registry
from tpulint.ir import Location
from tpulint.report import renderer
from tpulint.results import ModelResult, OperatorRow, RunResult

HOSTILE = "evil<script>alert(1)</script> | *x* _y_ `z` %0A 100% a:b,c\r\nnext\x1b[31m"


@pytest.fixture
def zoo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with the fixtures, an unreadable model and a TPU091 finding."""
    shutil.copytree(FIXTURES, tmp_path / "models", ignore=shutil.ignore_patterns("*.py", "*.md"))
    (tmp_path / "models" / "broken.tflite").write_bytes(b"\0" * 12)
    write_config(tmp_path, '[tool.tpulint.per-file-ignores]\n"models/TPU305/*" = ["TPU2"]\n')
    monkeypatch.chdir(tmp_path)
    return tmp_path


def produce(cli: Any, fmt: str, *args: str) -> str:
    outcome = cli("check", "models", "--format", fmt, *args)
    assert outcome.code == 3  # the broken model; every other model is still reported
    return str(outcome.out)


def hostile_run() -> RunResult:
    """A run whose operator and tensor names try to break every format."""
    path = "models/evil model.tflite"
    label = f"GATHER '{HOSTILE}'"
    rows = [OperatorRow(0, 0, "CONV_2D", "CONV_2D 'ok'", 1, "tpu", "Mapped to Edge TPU"),
            OperatorRow(0, 1, "GATHER", label, 1, "cpu", "Operation not supported",
                        output=HOSTILE),
            OperatorRow(0, 2, "ADD", "ADD 'after'", 1, "cpu",
                        "More than one subgraph is not supported", cause=1, kind="stranded")]
    findings = [
        Finding("TPU201", "unsupported-op", Severity.ERROR, f"GATHER {HOSTILE} runs on the CPU",
                Location(path, 0, operator=1), operator=label),
        Finding("TPU101", "float-tensor", Severity.INFO, f"tensor '{HOSTILE}' is float32",
                Location(path, 0, tensor=4), tensor=HOSTILE),
        Finding("TPU002", "multiple-subgraphs", Severity.WARNING, "2 subgraphs", Location(path)),
    ]
    model = ModelResult(path, subgraphs=1, operators=rows, findings=findings, cpu_segments=1,
                        relpath=path)
    return RunResult([model], Settings(), {r.code: r for r in load_registry(plugins=False)})


def render(fmt: str, run: RunResult) -> str:
    stream = io.StringIO()
    renderer(fmt)(run, stream, "never")
    return stream.getvalue()


SARIF_SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def sarif_valid(text: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(text)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(document)
    return document
