"""Helpers the tests share: the fixture models and a project to check."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
DATA = Path(__file__).resolve().parent / "data"
BAD = FIXTURES / "TPU201" / "bad_unsupported_mid.tflite"  # LEAKY_RELU: TPU201 + TPU401
GOOD = FIXTURES / "TPU102" / "good_int8.tflite"


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def write_config(project: Path, text: str) -> None:
    (project / "pyproject.toml").write_text("[tool.tpulint]\n" + text, encoding="utf-8")
