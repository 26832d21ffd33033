"""Repositories built to hurt `tpulint check`: hostile configuration, file names and file types.

Each generator draws one scenario from a seeded random generator: what to put in a fresh case
folder, the command to run there and what its outcome may be. The fuzz runner
(tools/fuzz_inputs.py) builds the folder, runs the command in a fresh process and checks the
invariants every scenario shares (time and memory bounds, a documented exit code with clean
error lines, no file changed outside the output and the cache); a scenario adds what its own
outcome must be, so a hostile input can never turn a failing run into a clean pass.

A case folder holds `project/` (the working directory: the user's files), `outside/` (files a
hostile link points at, which must never change), `cache/` (the cache folder) and `tmp/`.
"""

from __future__ import annotations

import os
import random
import socket
import stat
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOOD = (ROOT / "fixtures" / "TPU102" / "good_int8.tflite").read_bytes()  # exit 0
FAILING = (ROOT / "fixtures" / "TPU101" / "bad_float_op_inside.tflite").read_bytes()  # exit 1

Setup = Callable[[Path], None]


@dataclass
class Scenario:
    """One hostile case: build it with `setup(case)`, run `argv` in `case/project`."""

    kind: str
    steps: list[str]
    argv: list[str]
    allowed: frozenset[int]  # the exit codes this case may end with
    setup: list[Setup] = field(default_factory=list)
    changes: tuple[str, ...] = ()  # case-relative paths the run may write
    failing: tuple[str, ...] = ()  # models a JSON report must list with findings
    stderr_lines: int = 1  # at most this many lines on stderr
    prime: list[str] | None = None  # a run before `argv` (to fill the cache)
    tamper: Setup | None = None  # applied between `prime` and `argv`
    same_report: bool = False  # `argv` must print what `prime` printed
    env: dict[str, str] = field(default_factory=dict)
    seconds: float = 20.0

    def build(self, case: Path) -> None:
        for step in self.setup:
            step(case)


# Special files -------------------------------------------------------------------------------


def write(relative: str, data: bytes) -> Setup:
    def make(case: Path) -> None:
        target = case / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return make


def special(relative: str, kind: str) -> Setup:
    """A file of `kind` at `relative`: fifo, device, socket, directory, a link to a device,
    a dangling link, a link loop, a link to a model outside the project."""
    def make(case: Path) -> None:
        target = case / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if kind == "fifo":
            os.mkfifo(target)
        elif kind == "device":  # a private copy of /dev/zero (root only), else a link to it
            try:
                os.mknod(target, 0o600 | stat.S_IFCHR, os.makedev(1, 5))
            except PermissionError:
                target.symlink_to("/dev/zero")
        elif kind == "socket":
            here = Path.cwd()
            os.chdir(target.parent)
            try:  # a socket path may hold only 108 bytes: bind a short name, rename it
                with socket.socket(socket.AF_UNIX) as server:
                    server.bind(".socket")
                Path(".socket").rename(target.name)
            finally:
                os.chdir(here)
        elif kind == "directory":
            target.mkdir()
            (target / "inner.tflite").write_bytes(GOOD)
        elif kind.startswith("/dev/"):
            target.symlink_to(kind)
        elif kind == "dangling":
            target.symlink_to(case / "missing" / "nothing.tflite")
        elif kind == "loop":  # the partner's name is short: the target's may be 255 bytes
            partner = f".loop{zlib.crc32(os.fsencode(target.name))}"
            target.symlink_to(partner)
            (target.parent / partner).symlink_to(target.name)
        elif kind == "outside model":
            (case / "outside" / "linked.tflite").write_bytes(FAILING)
            target.symlink_to(case / "outside" / "linked.tflite")
        else:
            raise ValueError(kind)
    return make


SPECIAL_KINDS = ("fifo", "device", "socket", "directory", "/dev/zero", "/dev/urandom",
                 "/dev/null", "dangling", "loop", "outside model")


# Hostile configuration -----------------------------------------------------------------------

WRONG_TYPES = [
    "select = 5", "select = [1, 2]", "ignore = {a = 1}", "fail-on = [\"error\"]",
    "fail-on = \"never\"", "per-file-ignores = 5", "per-file-ignores = {\"*\" = 5}",
    "ignore-ops = 5", "ignore-ops = [{op = \"ADD\"}]", "ignore-ops = [{op = 5, reason = \"r\"}]",
    "ignore-ops = [{tensor = \"(\", reason = \"r\"}]", "severity = \"error\"",
    "severity = {TPU101 = \"fatal\"}", "rules = 5", "compiler = 5",
    "compiler = {search-delegate = \"yes\"}", "compiler = {min-runtime-version = \"x\"}",
    "runtime = \"14\"", "runtime = 99", "board = 7", "board = \"nano\"", "host = []",
    "cache = \"yes\"", "preview = 1", "include = [1]", "exclude = 3.5", "baseline = 5",
    "baseline = [\"a\"]", "output-format = 1", "require-plugins = [{}]", "fix = 1",
    "verify = \"x\"", "extend = 5", "extend = [\"a.toml\"]", "nonsense = 1",
    "\"select\\nignore\" = 1", "\"\\u001b[31mred\" = 1", "\"\\u202eevil\" = 1",
    "[tool]", "tool = 5", "tool = {tpulint = 5}", "tool = {tpulint = [1]}",
    "select = [\"" + "A" * 100_000 + "\"]", "fail-on = \"\\u0000\"",
]
FILE_TARGETS = ("/dev/zero", "/dev/urandom", "/dev/null", "fifo", "device", "socket",
                "directory", "loop", "dangling", "huge", "latin1", "deep", "missing")


def config_text(rng: random.Random) -> tuple[str, bytes, bool]:
    """Hostile configuration: (what it is, its bytes, whether tpulint must refuse it)."""
    how = rng.choice(("huge", "deep array", "deep table", "invalid utf-8", "wrong type",
                      "nul byte", "many keys", "valid"))
    if how == "huge":
        return how, b"# padding\n" * rng.randrange(105_000, 400_000), True
    if how == "deep array":
        depth = rng.choice((100, 999, 1_000, 5_000, 100_000))
        return f"{how} {depth}", b"a = " + b"[" * depth + b"]" * depth + b"\n", True
    if how == "deep table":
        depth = rng.choice((100, 999, 5_000, 50_000))
        return (f"{how} {depth}", b"a = " + b"{x = " * depth + b"1" + b"}" * depth + b"\n",
                True)
    if how == "invalid utf-8":
        junk = rng.choice((b"\xff", b"\xe9", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80"))
        return how, b'select = ["' + junk + b'"]\n', True
    if how == "wrong type":
        line = rng.choice(WRONG_TYPES)
        return f"{how} {line[:40]}", line.encode() + b"\n", True
    if how == "nul byte":
        return how, b'select = ["ALL"]\x00\n', True
    if how == "many keys":
        return how, b"".join(b"k%d = 1\n" % i for i in range(rng.randrange(1, 5_000))), True
    return how, b'select = ["ALL"]\nfail-on = "warning"\n', False


def hostile_config(rng: random.Random) -> Scenario:
    """A repository's own configuration: huge, deeply nested, not UTF-8, of wrong types, an
    `extend` chain or loop, `extend`, `baseline` or `--config` naming a special file."""
    model, code = rng.choice(((GOOD, 0), (FAILING, 1)))
    setup = [write("project/m.tflite", model)]
    name = rng.choice(("tpulint.toml", ".tpulint.toml", "pyproject.toml"))
    how = rng.choice(("text", "text", "chain", "loop", "setting", "setting", "option"))
    steps = [f"{name}: {how}"]
    argv = ["check", "--format", "json", "m.tflite"]
    written: tuple[str, ...] = ()
    refuse = True
    body: bytes
    if how == "text":
        what, body, refuse = config_text(rng)
        steps.append(what)
    elif how == "chain":
        length = rng.choice((2, 5, 31, 32, 33, 100, 100, 1_000))
        for index in range(1, length):
            following = f'extend = "c{index + 1}.toml"\n' if index + 1 < length else ""
            setup.append(write(f"project/c{index}.toml", following.encode()))
        body, refuse = b'extend = "c1.toml"\n' if length > 1 else b"", False
        steps.append(f"extend chain of {length}")
    elif how == "loop":
        loop = rng.choice(("self", "pair", "link"))
        target = {"self": name, "pair": "other.toml", "link": "alias.toml"}[loop]
        body = f'extend = "{target}"\n'.encode()
        if loop == "pair":
            setup.append(write("project/other.toml", f'extend = "{name}"\n'.encode()))
        elif loop == "link":
            setup.append(lambda case: (case / "project" / "alias.toml").symlink_to(name))
        steps.append(f"extend loop: {loop}")
    else:
        target = rng.choice(FILE_TARGETS)
        path = _target(target, "project/target", setup, rng)
        steps.append(f"points at {target}")
        if how == "option":
            argv = ["check", "--format", "json", "--config", path, "m.tflite"]
            body = b""
        else:
            key = rng.choice(("extend", "baseline"))
            body = f'{key} = "{path}"\n'.encode()
            steps.append(key)
            if key == "baseline" and target == "missing":
                refuse = False  # no baseline yet
            if key == "baseline" and rng.random() < 0.3:
                argv = ["check", "--format", "json", "--write-baseline=", "m.tflite"]
                steps.append("--write-baseline")
                if target in ("huge", "latin1", "deep", "missing", "dangling"):
                    written = ("project/target",)  # a file (or a link) the baseline replaces
    if name == "pyproject.toml" and b"[tool" not in body and b"tool =" not in body:
        body = b"[tool.tpulint]\n" + body
    elif name == "pyproject.toml" and b"[tool.tpulint" not in body:
        refuse = False  # no [tool.tpulint] table: not a tpulint configuration at all
    setup.append(write(f"project/{name}", body))
    allowed = {2} if refuse else {code, 2}
    if written:  # a new baseline accepts every finding
        allowed = {0, 2}
    return Scenario("config", steps, argv, frozenset(allowed), setup, changes=written,
                    failing=("m.tflite",) if code and not written else ())


def _target(target: str, relative: str, setup: list[Setup], rng: random.Random) -> str:
    """Add a setup making `target` at `relative`; the path to give tpulint."""
    if target.startswith("/dev/"):
        return target
    if target in ("fifo", "device", "socket", "directory", "loop", "dangling"):
        setup.append(special(relative, target))
    elif target == "huge":
        setup.append(write(relative, b"# x\n" * (1 << 19)))
    elif target == "latin1":
        setup.append(write(relative, b'select = ["\xe9"]\n'))
    elif target == "deep":
        setup.append(write(relative, b"a = " + b"[" * 60_000 + b"\n"))
    return relative.removeprefix("project/")


# Hostile names and file types ----------------------------------------------------------------

NAMES = [
    "m.tflite", "-m.tflite", "--output-file=a.tflite", "--format=json.tflite", "-",
    "a b.tflite", "*.tflite", "[x].tflite", "back\\slash.tflite", "new\nline.tflite",
    "tab\t.tflite", "\x1b[31mred.tflite", "\u202eetilft.exe.tflite", "émoji😀.tflite",
    "quote\"'.tflite", "<tag>&amp;.tflite", "%s%n.tflite", "CON.tflite", ".hidden.tflite",
    "x" * 248 + ".tflite", "zero\u200b.tflite",
]


def hostile_name(rng: random.Random) -> str:
    pick = rng.random()
    if pick < 0.25:  # bytes that are not UTF-8, as the file system hands them to Python
        raw = rng.choice((b"\xff\xfe", b"caf\xe9", b"\x80", b"\xed\xa0\x80", b"a\xc3"))
        return os.fsdecode(raw + rng.choice((b"", b"\n", b"-")) + b".tflite")
    return rng.choice(NAMES)


def hostile_files(rng: random.Random) -> Scenario:
    """Models with hostile names beside special files with model names, checked by walking the
    project or by naming them (after `--`, as the pre-commit hook does)."""
    setup: list[Setup] = []
    entries: list[tuple[str, str]] = []
    used: set[str] = set()
    for _ in range(rng.randrange(1, 6)):
        name = hostile_name(rng)
        if name in used or name in ("-",):
            continue
        used.add(name)
        kind = rng.choice(("good", "failing", "failing", *SPECIAL_KINDS))
        folder = rng.choice(("", "", "sub/", "-d/", "x" * 200 + "/"))
        relative = folder + name
        entries.append((relative, kind))
        if kind in ("good", "failing"):
            setup.append(write(f"project/{relative}", GOOD if kind == "good" else FAILING))
        else:
            setup.append(special(f"project/{relative}", kind))
    output = rng.choice(("concise", "full", "json", "json", "json-lines", "sarif", "gitlab",
                         "junit", "github", "markdown", "html"))
    walk = rng.random() < 0.4
    argv = ["check", "--format", output]
    if rng.random() < 0.3:
        argv.append("--no-cache")
    argv += ["."] if walk else ["--", *(r for r, _k in entries)]
    if rng.random() < 0.1 and not walk:
        argv.append("x" * 300 + ".tflite")  # a name too long for the file system
        entries.append(("x" * 300 + ".tflite", "too long"))
    failing = tuple(r for r, k in entries
                    if k == "failing" or (k == "outside model" and not walk))
    unreadable = [r for r, k in entries if k not in ("good", "failing", "directory",
                                                     "outside model")]
    allowed = {0, 1, 3}
    if failing:
        allowed -= {0}
    if unreadable and not walk:
        allowed &= {3}
    steps = [f"{'walk' if walk else 'named'} --format {output}",
             *(f"{k}: {r[:60]!r}" for r, k in entries)]
    report_checked = output == "json" and not walk
    return Scenario("files", steps, argv, frozenset(allowed), setup,
                    failing=failing if report_checked else (),
                    stderr_lines=len(entries) + 2)
