"""Start the conversion worker in its own process and read its result.

Only the worker imports TensorFlow, ai-edge-quantizer and ai-edge-litert. Its output (TensorFlow's
logs, warnings, a crash) is captured, never shown unless `--debug`; a worker that dies becomes
one line naming the last thing it printed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

INSTALL_HINT = "pip install 'tpulint[fix]'"


def missing_modules(modules: list[str]) -> list[str]:
    """Which of `modules` cannot be imported, without importing them."""
    missing = []
    for name in modules:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    return missing


def run_worker(request: dict[str, Any], debug: bool = False,
               timeout: float | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tpulint-fix-") as scratch:
        request_path = Path(scratch) / "request.json"
        result_path = Path(scratch) / "result.json"
        request_path.write_text(json.dumps(request), encoding="utf-8")
        env = dict(os.environ)
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        env["PYTHONWARNINGS"] = "ignore"
        command = [sys.executable, "-m", "tpulint.fix.worker", str(request_path),
                   str(result_path)]
        try:
            completed = subprocess.run(command, env=env, capture_output=True, text=True,
                                       timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return {"status": "failed", "message": f"the conversion took longer than "
                                                   f"{timeout:.0f} s"}
        if debug and completed.stderr:
            sys.stderr.write(completed.stderr)
        if result_path.is_file():
            result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
            return result
        return {"status": "failed", "message": _crash(completed)}


def _crash(completed: subprocess.CompletedProcess[str]) -> str:
    code = completed.returncode
    how = f"signal {-code}" if code < 0 else f"exit status {code}"
    lines = [line.strip() for line in (completed.stderr or "").splitlines() if line.strip()]
    last = f": {lines[-1][:300]}" if lines else ""
    return f"the converter process died ({how}){last}"
