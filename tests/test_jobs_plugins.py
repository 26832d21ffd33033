"""`--jobs` with rules that cannot be pickled: a plugin whose check is a closure still runs in
every worker, and rules no installed package declares are checked in one process with a warning.

Each run is a subprocess with a timeout, so a pool that never returns fails the test instead of
hanging the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = [str(ROOT / "fixtures" / "TPU201"), str(ROOT / "fixtures" / "TPU305")]
PLUGIN = '''
from tpulint.api import Severity, rule


def _closure(word):
    def check(ctx):
        yield ctx.finding(f"{word}: {len(ctx.model.main.operators)} operators")
    return rule(code="ACME001", name="acme-count", severity=Severity.WARNING, scope="model",
                summary="Counts operators")(check)


def load():
    return [_closure("counted")]
'''


def plugin_dir(tmp_path: Path) -> Path:
    """A rule package installed by a `.dist-info` on the path, as pip leaves one."""
    (tmp_path / "acme_closure_rules").mkdir(exist_ok=True)
    (tmp_path / "acme_closure_rules" / "__init__.py").write_text(PLUGIN)
    info = tmp_path / "acme_closure_rules-0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-closure-rules\n"
                                   "Version: 0.1\n")
    (info / "entry_points.txt").write_text("[tpulint.rules]\nACME = acme_closure_rules\n")
    return tmp_path


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(plugin_dir(tmp_path)), "TPULINT_NO_CACHE": "1"}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=180, check=False)


def test_a_closure_plugin_rule_runs_in_every_worker(tmp_path: Path) -> None:
    check = ["-m", "tpulint", "check", "--format", "concise", *MODELS]
    parallel = run(tmp_path, *check, "--jobs", "2")
    sequential = run(tmp_path, *check, "--jobs", "1")
    assert parallel.returncode == 1, parallel.stderr
    assert parallel.stdout == sequential.stdout
    counted = [line for line in parallel.stdout.splitlines() if "ACME001" in line]
    assert len(counted) == len(list((ROOT / "fixtures").glob("TPU201/*.tflite"))) + \
        len(list((ROOT / "fixtures").glob("TPU305/*.tflite")))
    assert all("counted: " in line for line in counted)
    assert parallel.stderr == ""


LOCAL_RULE = """
from tpulint.api import Severity, rule
from tpulint.engine.batch import check_files
from tpulint.engine.config import Settings
from tpulint.engine.registry import load_registry

def local(ctx):
    yield ctx.finding("local rule")

extra = rule(code="LOCL001", name="local-rule", severity=Severity.INFO, scope="model",
             summary="Declared by no package")(lambda ctx: local(ctx))
rules = [*load_registry(plugins=False), extra.__tpulint_rule__]
for jobs in (2, 1):
    results = check_files(PATHS, rules, Settings(), jobs=jobs)
    print(sorted(f.code for r in results for f in r.findings))
"""


def test_rules_no_package_declares_are_checked_in_one_process(tmp_path: Path) -> None:
    paths = [str(path) for path in sorted(Path(MODELS[0]).glob("*.tflite"))]
    done = run(tmp_path, "-c", f"PATHS = {paths!r}\n{LOCAL_RULE}")
    assert done.returncode == 0, done.stderr
    parallel, sequential = done.stdout.splitlines()
    assert parallel == sequential
    assert parallel.count("LOCL001") == len(paths)
    (warning,) = done.stderr.splitlines()
    assert warning == ("tpulint: warning: rule LOCL001 cannot be sent to worker processes; "
                       "checking in one process")
