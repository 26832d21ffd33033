"""`tpulint verify` with unusable compiler paths and other mistakes a user can make: each is one
line and a distinct exit code (stand-in compilers from tests/stand_in_compiler.py).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from stand_in_compiler import stand_in, verify
from stand_in_compiler import workdir as workdir  # the fixture

from tpulint.cli import main
from tpulint.verify import tools

# 1. where the compiler is ---------------------------------------------------------------------


@pytest.mark.parametrize("given", ["./bin/edgetpu_compiler", "bin/edgetpu_compiler",
                                   "edgetpu_compiler", "~/bin/edgetpu_compiler"])
def test_relative_compiler_paths_and_names_on_path(
        workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        given: str) -> None:
    compiler = stand_in(workdir / "bin", "")
    monkeypatch.setenv("PATH", f"bin:{os.environ['PATH']}")  # a relative PATH entry too
    monkeypatch.setenv("HOME", str(workdir))
    code, report, err = verify(capsys, "--compiler", given, "model.tflite")
    assert (code, err) == (0, "")
    assert report["models"][0]["compiler"]["path"] == str(compiler)
    monkeypatch.setenv(tools.COMPILER_ENV, given)
    code, report, _ = verify(capsys, "model.tflite")
    assert code == 0
    assert report["models"][0]["compiler"]["path"] == str(compiler)


@pytest.mark.parametrize(("given", "says"), [
    ("./bin", "edgetpu_compiler './bin' is a directory, not the compiler (from --compiler)"),
    ("bin", "edgetpu_compiler 'bin' not found on PATH (for the one in this folder, pass ./bin) "
            "(from --compiler)"),
    ("bin/plain", "edgetpu_compiler 'bin/plain' is not executable (from --compiler)"),
    ("bin/missing", "edgetpu_compiler not found at 'bin/missing' (from --compiler)"),
    ("coral", "edgetpu_compiler 'coral' not found on PATH (from --compiler)"),
    ("plain", "edgetpu_compiler 'plain' not found on PATH (for the one in this folder, pass "
              "./plain) (from --compiler)"),
    ("bin/no-interpreter", "edgetpu_compiler at {workdir}/bin/no-interpreter cannot run on "
                           "this "),
    ("bin/not-a-program", "edgetpu_compiler at {workdir}/bin/not-a-program cannot run on this "),
])
def test_unusable_compilers_get_one_line(workdir: Path, capsys: pytest.CaptureFixture[str],
                                         given: str, says: str) -> None:
    (workdir / "bin").mkdir()
    (workdir / "bin" / "plain").write_text("#!/bin/sh\n")
    (workdir / "plain").write_text("#!/bin/sh\n")
    for name, text in (("no-interpreter", "#!/nowhere/sh\n"), ("not-a-program", "\x7fELF\0")):
        (workdir / "bin" / name).write_text(text)
        (workdir / "bin" / name).chmod(0o755)
    code, report, err = verify(capsys, "--compiler", given, "model.tflite")
    assert code == 4
    [line] = err.splitlines()
    assert line.startswith("tpulint: " + says.format(workdir=workdir))
    assert report["models"][0]["verified"] is False
    code, _, _ = verify(capsys, "--compiler", given, "--allow-missing", "model.tflite")
    assert code == 0


# 2. other mistakes a user can make -------------------------------------------------------------


def test_other_mistakes_get_one_line(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    compiler = str(stand_in(workdir / "bin", ""))
    (workdir / "a-file").write_text("")
    code, _, err = verify(capsys, "--compiler", compiler, "-o", "a-file", "model.tflite")
    assert (code, err) == (2, "tpulint: error: -o a-file: not a directory\n")
    code, _, err = verify(capsys, "--log", "/dev/null", "model.tflite")
    assert (code, err) == (3, "tpulint: /dev/null: not a regular file\n")
    long_name = workdir / ("m" * 245 + ".tflite")  # too long once "_edgetpu.tflite" is added
    shutil.copyfile(workdir / "model.tflite", long_name)
    code, report, err = verify(capsys, "--compiler", compiler, str(long_name))
    assert (code, err) == (0, "")
    assert report["models"][0]["summary"]["confirmed"] == 3


def test_no_compiler_still_runs_the_cpu_reference(workdir: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("ai_edge_litert")
    code = main(["verify", "--isolated", "--format", "json", "--runs", "1", "model.tflite"])
    out, err = capsys.readouterr()
    assert code == 4
    assert err.splitlines()[0] == ("tpulint: edgetpu_compiler not found: install the "
                                   "edgetpu-compiler package from Coral's apt repository "
                                   "(x86-64 Linux only), or pass --compiler")
    [entry] = json.loads(out)["models"]
    assert entry["run"]["reference"]["runs"] == 1
    assert entry["verified"] is False
