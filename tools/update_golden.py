"""Rewrite tests/golden/: the locked predictions and findings for every fixture.

usage: python tools/update_golden.py

Run it after an intended change of the placement engine or a rule, and review the diff: each
file lists a fixture's operators with placement and compiler status, and its findings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tpulint.engine.check import check_file
from tpulint.engine.config import Settings
from tpulint.engine.registry import load_registry

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"


def snapshot(path: Path) -> dict[str, Any]:
    result = check_file(str(path), list(load_registry(plugins=False)), Settings())
    return {
        "summary": result.summary.as_dict(),
        "fatal": [f.message for f in result.fatal],
        "operators": [f"sg{r.subgraph}/op{r.index} {r.opcode} v{r.version}: {r.placement} "
                      f"({r.reason})" for r in result.operators],
        "findings": [f"{f.location.anchor or 'model'} {f.code} {f.severity.value}"
                     for f in result.findings],
    }


def golden_name(path: Path) -> str:
    return "_".join(path.relative_to(ROOT / "fixtures").with_suffix(".json").parts)


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for old in GOLDEN.glob("*.json"):
        old.unlink()
    for path in sorted((ROOT / "fixtures").glob("*/*.tflite")):
        target = GOLDEN / golden_name(path)
        target.write_text(json.dumps(snapshot(path), indent=1) + "\n")
        print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
