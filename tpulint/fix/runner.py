"""Start the conversion worker in its own process and read its result.

Only the worker imports TensorFlow, ai-edge-quantizer and ai-edge-litert. Its output (TensorFlow's
logs, warnings, a crash) is captured, never shown unless `--debug`; a worker that dies becomes
one line naming the last thing it printed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
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
               timeout: float | None = None) -> tuple[dict[str, Any], bytes | None]:
    """The worker's result and the converted model (None when it failed).

    Everything the worker writes goes to one scratch folder (it is also the worker's TMPDIR, so
    TensorFlow's and Keras's temporary exports land there) that is removed on every path: here
    when the worker returns, fails or is interrupted, and by the worker itself when tpulint dies
    first (it asks the kernel for SIGTERM when its parent exits).
    """
    with tempfile.TemporaryDirectory(prefix="tpulint-fix-") as scratch:
        request_path = Path(scratch) / "request.json"
        result_path = Path(scratch) / "result.json"
        request = {**request, "output": str(Path(scratch) / "converted.tflite"), "debug": debug}
        request_path.write_text(json.dumps(request), encoding="utf-8")
        env = dict(os.environ)
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        env["PYTHONWARNINGS"] = "ignore"
        env["TMPDIR"] = scratch
        command = [sys.executable, "-m", "tpulint.fix.worker", str(request_path),
                   str(result_path)]
        try:
            completed = subprocess.run(command, env=env, capture_output=True, text=True,
                                       timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return {"status": "failed", "message": f"the conversion took longer than "
                                                   f"{timeout:.0f} s"}, None
        if debug and completed.stderr:
            sys.stderr.write(completed.stderr)
        if not result_path.is_file():
            return {"status": "failed", "message": crash(completed.returncode,
                                                         completed.stderr or "")}, None
        result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
        converted = Path(request["output"])
        model = converted.read_bytes() if result.get("status") == "ok" and \
            converted.is_file() else None
        return result, model


# Lines a dying converter prints that say nothing about why: progress bars, log prefixes only,
# Python's fault handler and the interpreter's own banners.
_NOISE = re.compile(r"(\d+%\|)|(it/s\])|^(Fatal Python error|Current thread|Thread 0x|"
                    r"Extension modules|  File |Aborted|Segmentation fault|INFO:|WARNING:)")
_CAUSES = {
    6: "the converter aborted: usually an operator or shape it does not support; run with "
       "--debug to see its log",
    9: "killed from outside, often for lack of memory: try fewer samples (--max-samples)",
    11: "the converter crashed (segmentation fault): usually an operator or shape it does not "
        "support; run with --debug to see its log",
}


# The interpreter prefixes why a model fails to load with every node XNNPACK did not take
# ("failed to delegate CONCATENATION node #20"): noise before the reason.
_DELEGATE_NOISE = re.compile(r"failed to delegate \w+ node #\d+")


# TensorFlow's converter puts a source location before each error it reports:
# "<unknown>:0: error: loc(fused["MatrixInverse:", ...]): 'tf.MatrixInverse' op is ...".
_LOCATION_NOISE = re.compile(r"(?:<unknown>|(?<!\S)[\w./-]+):\d+(?::\d+)?: error: "
                             r"(?:loc\([^)]*\): )?")
_CONVERTER_CAUSES = {
    "neither a custom op nor a flex op": "TensorFlow Lite has no builtin operator for it and the "
                                         "Edge TPU runs builtins only: replace it in the source",
}


def error_line(error: BaseException) -> str:
    """One line for an exception a converter raised: its type and first meaningful line, and
    the likely cause when the message is one the converter is known to give."""
    text = _DELEGATE_NOISE.sub("", str(error)).strip()
    first = " ".join(_LOCATION_NOISE.sub(" ", (text.splitlines() or [""])[0]).split())
    causes = [cause for words, cause in _CONVERTER_CAUSES.items() if words in first]
    return f"{type(error).__name__}: {first}" + "".join(f" ({cause})" for cause in causes)


def die_with_parent(signum: int | None = None) -> bool:
    """Ask the kernel to send this process `signum` (default SIGKILL) when its parent dies
    (Linux `PR_SET_PDEATHSIG`); exits at once if the parent is gone already. False where the
    kernel cannot do it."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None).prctl(1, int(signum or signal.SIGKILL))  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return False
    if os.getppid() == 1:  # the parent died before the request was read
        os.kill(os.getpid(), int(signum or signal.SIGKILL))
    return True


def exit_now(code: int) -> None:
    """End this process with `code` once its results are written and closed, without the
    interpreter's teardown: TensorFlow's takes 0.8 s and LiteRT's 0.3 s, which the process
    waiting for this one would spend idle."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def crash(code: int, stderr: str) -> str:
    """One line for a worker that died: how, its last meaningful line, the likely cause."""
    how = f"signal {-code}" if code < 0 else f"exit status {code}"
    lines = [line.strip() for line in stderr.splitlines()
             if line.strip() and not _NOISE.search(line)]
    last = f": {lines[-1][:300]}" if lines else ""
    cause = _CAUSES.get(-code, "run with --debug to see the converter's log")
    return f"the converter process died ({how}){last} ({cause})"
