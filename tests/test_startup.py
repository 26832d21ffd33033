"""What each command imports: `check` nothing heavy, and the terminal library only when it
draws; `--version`, `rules` and `rule CODE` neither the analyses nor the check engine.

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


# What the check path leaves for the rare runs that need it: each costs milliseconds to import.
ONLY_WHEN_NEEDED = {"dataclasses", "inspect", "pickle", "tempfile", "concurrent.futures",
                    "json",  # the JSON report needs only the C string encoder (`_json`)
                    "typing"}  # annotations only (`TYPE_CHECKING = False`): 5 to 8 ms
WRITES_JSON_LINES = {"json"}  # one `json.dumps` a line
# What listing or showing rules must not load: the analyses and the engine that runs them.
CHECK_ONLY = {"tpulint.analysis.facts", "tpulint.analysis.placement", "tpulint.engine.check",
              "tpulint.reader", "tpulint.results", "tpulint.report", "pathlib", "dataclasses"}


def imported(*args: str, listed: str = "tpulint.engine.check") -> set[str]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "tpulint", *args],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    modules = _listed(done.stderr)
    assert listed in modules  # the listing is real
    return modules


def _listed(stderr: str) -> set[str]:
    return {line.rsplit("|", 1)[1].strip() for line in stderr.splitlines()
            if line.startswith("import time:") and "|" in line}


def _startup_modules() -> set[str]:
    """What the interpreter imports before any command (an editable install's hook included)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "pass"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, check=True)
    return _listed(done.stderr)


def _top(modules: set[str]) -> set[str]:
    return modules | {name.split(".")[0] for name in modules}


@pytest.mark.parametrize("output_format", ["concise", "json", "json-lines"])
def test_check_imports_nothing_heavy_and_no_terminal_library(output_format: str) -> None:
    modules = _top(imported("check", "--isolated", "--format", output_format, str(MODEL)))
    assert not modules & NEVER
    assert "rich" not in modules
    without_cache = _top(imported("check", "--isolated", "--no-cache", "--format", output_format,
                                  str(MODEL)))
    assert not without_cache & ONLY_WHEN_NEEDED - (
        WRITES_JSON_LINES if output_format == "json-lines" else set())


@pytest.mark.parametrize("command", [["rules"], ["rules", "--format", "json"],
                                     ["rule", "TPU201"], ["rule", "float-tensor"]])
def test_rules_and_rule_pages_load_no_analysis_nor_engine(command: list[str]) -> None:
    listing = command[0] == "rules"
    modules = imported(*command, listed="tpulint.engine.listing" if listing else
                       "tpulint.engine.registry") - _startup_modules()
    assert not modules & CHECK_ONLY
    assert not {m for m in modules if m.startswith("tpulint.analysis.")} - {
        "tpulint.analysis.recipe", "tpulint.analysis.limits"}  # constants some rules name
    if command == ["rules"]:  # answered without the parser, as `--version` is
        assert not modules & {"argparse", "typing", "re", "contextlib"}
    if listing:  # from the catalog: no rule module (each imports the rule API) nor registry
        assert not modules & {"tpulint.api", "tpulint.engine.registry"}


def test_the_full_report_loads_rich_to_draw() -> None:
    modules = _top(imported("check", "--isolated", "--format", "full", str(MODEL)))
    assert "rich" in modules
    assert not modules & NEVER


def test_version_imports_only_the_command_module() -> None:
    code = "import sys; from tpulint.cli import main; sys.exit(main(['--version']))"
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, check=True)
    assert done.stdout.startswith("tpulint ")
    added = _listed(done.stderr) - _startup_modules()  # an editable install's hook aside
    assert "tpulint.cli" in added  # the listing is real
    assert not added & {"argparse", "typing", "re", "pathlib", "tpulint.engine.options"}


COLLECTIONS = """
import gc, sys
from tpulint.engine import batch
collections = []
gc.callbacks.append(lambda phase, info: phase == "start" and collections.append(
    "checking" if checking else "starting"))
checking = False
check_path = batch.check_path

def first_model(*args, **kwargs):
    global checking
    checking = True
    return check_path(*args, **kwargs)

batch.check_path = first_model
from tpulint.cli import main
how, *argv = sys.argv[1:]
sys.argv[1:] = argv
code = main() if how == "program" else main(argv)
print(sorted(set(collections)), gc.get_freeze_count() > 0, gc.isenabled())
"""


def _collections(how: str) -> tuple[str, str]:
    """When collections ran (while starting, once checking), whether objects were frozen and
    whether collection is on, after `tpulint check` ran as the program or for a caller."""
    done = subprocess.run([sys.executable, "-c", COLLECTIONS, how, "check", "--isolated",
                           "--no-cache", "--format", "concise", str(MODEL)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, check=True)
    seen, _, rest = done.stdout.splitlines()[-1].rpartition("] ")
    return seen + "]", rest


def test_the_program_neither_collects_while_it_starts_nor_walks_its_start_up_again() -> None:
    seen, rest = _collections("program")
    assert "'starting'" not in seen, seen
    assert rest == "True True"  # start-up frozen out of reach, collection resumed
    # A caller running `main` in its own process keeps its collector as it was.
    seen, rest = _collections("caller")
    assert "'starting'" in seen  # the listing is real: collections do run while starting
    assert rest == "False True"
