"""Predictions and findings for every fixture are locked in tests/golden/.

After an intended change, run `python tools/update_golden.py` and review the diff.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from update_golden import GOLDEN, golden_name, snapshot  # noqa: E402

FIXTURES = sorted((ROOT / "fixtures").glob("*/*.tflite"))


@pytest.mark.parametrize("path", FIXTURES, ids=[golden_name(p) for p in FIXTURES])
def test_fixture_matches_its_golden_snapshot(path: Path) -> None:
    expected = json.loads((GOLDEN / golden_name(path)).read_text())
    assert snapshot(path) == expected


def test_no_stale_golden_files() -> None:
    assert {p.name for p in GOLDEN.glob("*.json")} == {golden_name(p) for p in FIXTURES}
