"""What `tpulint check` imports: nothing heavy, and the terminal library only when it draws.

Each run is a fresh interpreter under `-X importtime`, which lists every module imported.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "fixtures" / "TPU201" / "bad_unsupported_mid.tflite"
NEVER = {"tensorflow", "ai_edge_litert", "ai_edge_quantizer", "tflite_runtime", "numpy",
         # entry-point discovery reads entry_points.txt itself: importlib.metadata is slower to
         # import than the rest of the check path.
         "importlib.metadata"}


def imported(*args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "tpulint", *args],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    modules = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            modules.add(line.rsplit("|", 1)[1].strip())
    assert "tpulint.engine.check" in modules  # the listing is real
    return modules


def _top(modules: set[str]) -> set[str]:
    return modules | {name.split(".")[0] for name in modules}


@pytest.mark.parametrize("output_format", ["concise", "json", "json-lines"])
def test_check_imports_nothing_heavy_and_no_terminal_library(output_format: str) -> None:
    modules = _top(imported("check", "--isolated", "--format", output_format, str(MODEL)))
    assert not modules & NEVER
    assert "rich" not in modules


def test_the_full_report_loads_rich_to_draw() -> None:
    modules = _top(imported("check", "--isolated", "--format", "full", str(MODEL)))
    assert "rich" in modules
    assert not modules & NEVER


def test_version_imports_only_the_command_module() -> None:
    code = "import sys; from tpulint.cli import main; sys.exit(main(['--version']))"
    before = subprocess.run([sys.executable, "-X", "importtime", "-c", "pass"],
                            capture_output=True, text=True, timeout=120, cwd=ROOT, check=True)
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, check=True)
    assert done.stdout.startswith("tpulint ")

    def listed(stderr: str) -> set[str]:
        return {line.rsplit("|", 1)[1].strip() for line in stderr.splitlines()
                if line.startswith("import time:") and "|" in line}

    added = listed(done.stderr) - listed(before.stderr)  # an editable install's hook aside
    assert "tpulint.cli" in added  # the listing is real
    assert not added & {"argparse", "typing", "re", "pathlib", "tpulint.engine.options"}
