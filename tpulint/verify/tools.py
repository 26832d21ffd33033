"""Find the outside pieces `verify` uses, where users have them.

- `edgetpu_compiler`: `--compiler PATH`, else `TPULINT_EDGETPU_COMPILER`, else `compiler` in
  `[tool.tpulint.verify]`, else the PATH. Each may be a path (relative to the working folder) or
  a bare name looked up on PATH. Its version is the first line of every compilation's output,
  else `edgetpu_compiler --version`.
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
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import cast

from tpulint.verify import process

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
    path: str  # absolute: the compiler runs in a scratch folder


def find_compiler(explicit: str | None = None, configured: str | None = None) -> Compiler | Missing:
    """The compiler to run. Nothing is run here: its version comes with each compilation,
    inside that model's time limit (`ask_version`)."""
    sources = (("--compiler", explicit), (COMPILER_ENV, os.environ.get(COMPILER_ENV)),
               ("[tool.tpulint.verify] compiler", configured))
    for origin, candidate in sources:
        if candidate:
            return _named(candidate, origin)
    found = shutil.which(COMPILER_NAME)
    if found is None:
        return Missing("compiler", f"edgetpu_compiler not found: {INSTALL_COMPILER}")
    return Compiler(str(Path(found).absolute()))


def _named(candidate: str, origin: str) -> Compiler | Missing:
    """A compiler given by path (`bin/edgetpu_compiler`, `./c`, `~/c`) or by a name on PATH."""
    def missing(why: str) -> Missing:
        return Missing("compiler", f"edgetpu_compiler {why} (from {origin}): {INSTALL_COMPILER}")

    if os.sep not in candidate and "/" not in candidate and not candidate.startswith("~"):
        found = shutil.which(candidate)
        if found is not None:
            return Compiler(str(Path(found).absolute()))
        here = f" (for the one in this folder, pass ./{candidate})" \
            if Path(candidate).exists() else ""
        return missing(f"'{candidate}' not found on PATH{here}")
    path = Path(candidate).expanduser().absolute()
    if path.is_dir():
        return missing(f"'{candidate}' is a directory, not the compiler")
    if not path.is_file():
        return missing(f"not found at '{candidate}'")
    if not os.access(path, os.X_OK):
        return missing(f"'{candidate}' is not executable")
    return Compiler(str(path))


def cannot_run(path: str, why: str) -> Missing:
    """The compiler is there but does not start (typically "Exec format error": it is built
    for x86-64 Linux only)."""
    return Missing("compiler", f"edgetpu_compiler at {path} cannot run on this "
                               f"{platform.machine()} {platform.system()} machine ({why}): "
                               f"{INSTALL_COMPILER}")


def ask_version(path: str, seconds: float) -> str | None:
    """`edgetpu_compiler --version`, given at most `seconds` (None when it does not answer)."""
    done = process.run([path, "--version"], None, seconds)
    match = VERSION_LINE.search(done.stdout.text() + done.stderr.text())
    return match[1] if match else None


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
