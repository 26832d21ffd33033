"""Find the outside pieces `verify` uses, where users have them.

- `edgetpu_compiler`: `--compiler PATH`, else `TPULINT_EDGETPU_COMPILER`, else `compiler` in
  `[tool.tpulint.verify]`, else the PATH. Its version comes from `edgetpu_compiler --version`.
- The TensorFlow Lite interpreter: `ai_edge_litert` (the `tpu` extra), else `tflite_runtime`.
- The Edge TPU runtime: libedgetpu, loaded as a TensorFlow Lite delegate, or Google's `pycoral`
  when it is importable (it is not on PyPI; the PyPI project of that name is another one).

Nothing here raises for a missing piece: each lookup returns what it found or a `Missing` with
the one line to print.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import cast

COMPILER_NAME = "edgetpu_compiler"
COMPILER_ENV = "TPULINT_EDGETPU_COMPILER"
VERSION_LINE = re.compile(r"Edge TPU Compiler version (\S+)")
INSTALL_COMPILER = ("install the edgetpu-compiler package from Coral's apt repository "
                    "(x86-64 Linux only), or pass --compiler")
INSTALL_RUNTIME = ("install the libedgetpu1-std package from Coral's apt repository, "
                   "and plug in the Edge TPU")
EDGETPU_LIBRARIES = {"Linux": "libedgetpu.so.1", "Darwin": "libedgetpu.1.dylib",
                     "Windows": "edgetpu.dll"}


@dataclass(frozen=True, slots=True)
class Missing:
    """An outside piece that is not there, and what to do about it (one line)."""

    piece: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class Compiler:
    path: str
    version: str | None


def find_compiler(explicit: str | None = None, configured: str | None = None,
                  timeout: float = 30.0) -> Compiler | Missing:
    """The compiler to run and its version."""
    sources = (("--compiler", explicit), (COMPILER_ENV, os.environ.get(COMPILER_ENV)),
               ("[tool.tpulint.verify] compiler", configured))
    for origin, candidate in sources:
        if candidate:
            path = _executable(candidate)
            if path is None:
                return Missing("compiler", f"edgetpu_compiler not found at '{candidate}' "
                                           f"(from {origin}): {INSTALL_COMPILER}")
            return _with_version(path, timeout)
    found = shutil.which(COMPILER_NAME)
    if found is None:
        return Missing("compiler", f"edgetpu_compiler not found: {INSTALL_COMPILER}")
    return _with_version(found, timeout)


def _executable(candidate: str) -> str | None:
    path = Path(candidate).expanduser()
    if path.is_file() and os.access(path, os.X_OK):
        return str(path)
    return shutil.which(candidate)


def _with_version(path: str, timeout: float) -> Compiler | Missing:
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True,
                              errors="replace", timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return Compiler(path, None)
    except OSError as error:
        # Typically "Exec format error": the compiler is built for x86-64 Linux only.
        return Missing("compiler", f"edgetpu_compiler at {path} cannot run on this "
                                   f"{platform.machine()} {platform.system()} machine "
                                   f"({error.strerror or error}): {INSTALL_COMPILER}")
    match = VERSION_LINE.search(done.stdout + done.stderr)
    return Compiler(path, match[1] if match else None)


def compiler_major(version: str | None) -> int | None:
    """16 for `16.0.384591198`; None when unknown."""
    if not version:
        return None
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def interpreter_module() -> ModuleType | Missing:
    """`ai_edge_litert.interpreter`, else `tflite_runtime.interpreter`."""
    try:
        from ai_edge_litert import interpreter

        return cast(ModuleType, interpreter)
    except ImportError:
        pass
    try:
        from tflite_runtime import interpreter as legacy

        return cast(ModuleType, legacy)
    except ImportError:
        return Missing("interpreter", "no TensorFlow Lite interpreter: install tpulint's tpu "
                                      "extra (pip install 'tpulint[tpu]', i.e. ai-edge-litert)")


def edgetpu_library() -> str:
    """The libedgetpu file name on this system."""
    return EDGETPU_LIBRARIES.get(platform.system(), EDGETPU_LIBRARIES["Linux"])


def library_loadable(name: str) -> str | None:
    """None when the dynamic loader finds `name`, else why not.

    Checked before handing it to `load_delegate`, whose failure leaves a half-built object that
    prints a traceback when collected.
    """
    import ctypes

    try:
        ctypes.CDLL(name)
    except OSError as error:
        return str(error)
    return None


def pycoral_edgetpu() -> ModuleType | None:
    """Google's `pycoral.utils.edgetpu`, when installed from Coral's repositories."""
    try:
        from pycoral.utils import edgetpu
    except ImportError:
        return None
    return cast(ModuleType, edgetpu) if hasattr(edgetpu, "make_interpreter") else None
