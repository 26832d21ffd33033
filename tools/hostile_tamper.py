"""Scenarios that tamper with what tpulint trusts: its cache and the compiler `verify` runs.

Cache: a first run stores the result of a failing model; the entry (or the folder around it) is
then truncated, retyped, emptied of findings, linked to a device, blown up, given another
version, owner or mode; the second run must print the first run's report and fail as it did.

Compilers: a stand-in `edgetpu_compiler` that hangs (alone or through a child holding its
output), floods its output, dies of a signal, prints garbage or writes garbage files. `verify`
must end within its time limit plus a margin, with bounded memory, never claiming a model was
verified when nothing was compared.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

from hostile_inputs import FAILING, GOOD, Scenario, write

# Cache tampering -----------------------------------------------------------------------------

ENTRY_TAMPERS = ("truncate", "retype", "no findings", "no operators", "other severity",
                 "/dev/zero", "/dev/urandom", "fifo", "directory", "oversized", "huge valid",
                 "other version", "other key", "world writable", "other owner", "deep",
                 "garbage", "empty", "swap with the good model's entry", "big number")
FOLDER_TAMPERS = ("shared folder", "shard is a link", "tag is a link", "stamp is a fifo",
                  "folder is a file")


def _entries(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("*.json") if p.parent != cache and p.is_file())


def _retype(node: Any, rng: random.Random) -> Any:
    """`node` with one value somewhere inside replaced by one of another type."""
    if isinstance(node, dict) and node and rng.random() < 0.8:
        key = rng.choice(sorted(node))
        return {**node, key: _retype(node[key], rng)}
    if isinstance(node, list) and node and rng.random() < 0.8:
        index = rng.randrange(len(node))
        return [*node[:index], _retype(node[index], rng), *node[index + 1:]]
    return rng.choice([None, 5, -1, 2.5, "x", "", [], {}, True, [None], {"a": 1},
                       10 ** 30, "\udcff" * 0 + "\u0000"])


def tamper_entry(how: str, rng: random.Random) -> Any:
    def tamper(case: Path) -> None:
        cache = case / "cache"
        entries = _entries(cache)
        failing = [e for e in entries if '"findings":[]' not in e.read_text()]
        entry = failing[0] if failing else entries[0]
        text = entry.read_text()
        data = json.loads(text)
        if how in ("/dev/zero", "/dev/urandom", "fifo", "directory"):
            entry.unlink()
            if how == "fifo":
                os.mkfifo(entry, 0o600)
            elif how == "directory":
                entry.mkdir(0o700)
            else:
                entry.symlink_to(how)
            return
        if how == "other owner":
            os.chown(entry, 12345, 12345)
            return
        if how == "world writable":
            entry.chmod(0o666)
            return
        if how == "swap with the good model's entry":
            other = [e for e in entries if e != entry]
            if other:
                entry.write_bytes(other[0].read_bytes())
            return
        replaced = {
            "truncate": lambda: text[: rng.randrange(len(text))],
            "retype": lambda: json.dumps(_retype(data, rng)),
            "no findings": lambda: json.dumps({**data, "findings": []}),
            "no operators": lambda: json.dumps({**data, "operators": [], "findings": []}),
            "other severity": lambda: json.dumps(
                {**data, "findings": [{**f, "severity": "info"} for f in data["findings"]]}),
            "oversized": lambda: text[:-1] + " " * (9 << 20) + "}",
            "huge valid": lambda: json.dumps({**data, "findings": data["findings"] * 20_000}),
            "other version": lambda: json.dumps({**data, "tool": ["tpulint", "0.0.0",
                                                                  *data["tool"][2:]]}),
            "other key": lambda: json.dumps({**data, "tool": [*data["tool"][:3], "0" * 64]}),
            "deep": lambda: "[" * 100_000 + "]" * 100_000,
            "garbage": lambda: rng.randbytes(rng.randrange(1, 4096)).decode("latin-1"),
            "empty": lambda: "",
            "big number": lambda: text.replace('"operators":',
                                               '"x":' + "9" * 5000 + ',"operators":', 1),
        }[how]()
        entry.write_bytes(replaced.encode("utf-8", "surrogatepass"))
    return tamper


def tamper_folder(how: str) -> Any:
    def tamper(case: Path) -> None:
        cache = case / "cache"
        if how == "shared folder":
            cache.chmod(0o777)
        elif how == "shard is a link":
            for shard in [p for p in cache.iterdir() if p.is_dir() and len(p.name) == 2]:
                target = case / "outside" / shard.name
                shard.rename(target)
                shard.symlink_to(target)
        elif how == "tag is a link":
            for name in ("CACHEDIR.TAG", ".gitignore"):
                (cache / name).unlink(missing_ok=True)
                (cache / name).symlink_to(case / "outside" / "victim.txt")
        elif how == "stamp is a fifo":
            (cache / "last-pruned").unlink(missing_ok=True)
            os.mkfifo(cache / "last-pruned")
            os.utime(cache / "last-pruned", (1, 1), follow_symlinks=False)
        elif how == "folder is a file":
            for path in sorted(cache.rglob("*"), reverse=True):
                path.unlink() if not path.is_dir() or path.is_symlink() else path.rmdir()
            cache.rmdir()
            cache.write_text("not a folder\n")
    return tamper


def tampered_cache(rng: random.Random) -> Scenario:
    """Fill the cache with a failing model's result, tamper with it, check again."""
    setup = [write("project/m.tflite", FAILING), write("outside/victim.txt", b"keep me\n")]
    models = ["m.tflite"]
    if rng.random() < 0.5:
        setup.append(write("project/good.tflite", GOOD))
        models.append("good.tflite")
    if rng.random() < 0.3:
        how = rng.choice(FOLDER_TAMPERS)
        tamper = tamper_folder(how)
    else:
        how = rng.choice(ENTRY_TAMPERS)
        tamper = tamper_entry(how, rng)
    argv = ["check", "--isolated", "--format", "json", *models]
    return Scenario("cache", [f"cache: {how}", f"models {models}"], argv, frozenset({1}),
                    setup, failing=("m.tflite",), prime=argv, tamper=tamper, same_report=True)


# Fake compilers ------------------------------------------------------------------------------

VERSION = ('case "$1" in --version|-v) echo "Edge TPU Compiler version 16.0.384591198"; '
           'exit 0;; esac\n')
OUTPUTS = ('out=""; prev=""; for a in "$@"; do [ "$prev" = "-o" ] && out="$a"; prev="$a"; '
           'last="$a"; done\nname=$(basename "$last" .tflite)\n')
BEHAVIOURS = {
    "hang": VERSION + "sleep 600\n",
    "version hangs": "sleep 600\n",
    "child holds stdout": VERSION + "(sleep 600) &\necho started\nexit 0\n",
    "child holds stdout after version": "(sleep 600) &\necho started\nexit 0\n",
    "flood stdout": VERSION + "yes 'Edge TPU Compiler version 16.0 garbage'\n",
    "flood stderr": VERSION + "yes garbage >&2\n",
    "flood one line": VERSION + "tr '\\0' x < /dev/zero\n",
    "segfault": VERSION + "kill -SEGV $$\n",
    "killed": VERSION + "kill -KILL $$\n",
    "version dies": "kill -ABRT $$\n",
    "garbage log": VERSION + "head -c 65536 /dev/urandom\nexit 0\n",
    "garbage version": "head -c 4096 /dev/urandom\nexit 0\n",
    "garbage outputs": VERSION + OUTPUTS
    + 'head -c 100000 /dev/urandom > "$out/${name}_edgetpu.tflite"\n'
    'head -c 100000 /dev/urandom > "$out/${name}_edgetpu.log"\nexit 0\n',
    "model copied as output": VERSION + OUTPUTS + 'cp "$last" "$out/${name}_edgetpu.tflite"\n'
    'echo "Operator Count Status" > "$out/${name}_edgetpu.log"\nexit 0\n',
    "huge sparse log": VERSION + OUTPUTS + 'truncate -s 20G "$out/${name}_edgetpu.log"\n'
    'cp "$last" "$out/${name}_edgetpu.tflite"\nexit 0\n',
    "outputs are links": VERSION + OUTPUTS + 'ln -s /dev/zero "$out/${name}_edgetpu.tflite"\n'
    'ln -s /dev/zero "$out/${name}_edgetpu.log"\nexit 0\n',
    "output is a fifo": VERSION + OUTPUTS + 'mkfifo "$out/${name}_edgetpu.tflite" '
    '"$out/${name}_edgetpu.log"\nexit 0\n',
    "exit 0, nothing": VERSION + "exit 0\n",
    "exit 255": VERSION + "echo 'Internal compiler error. Aborting!'\nexit 255\n",
}


def fake_compiler(rng: random.Random) -> Scenario:
    """`verify` with a stand-in compiler that misbehaves."""
    how = rng.choice(sorted(BEHAVIOURS))
    script = b"#!/bin/sh\n" + BEHAVIOURS[how].encode()
    model = rng.choice((GOOD, FAILING))

    def install(case: Path) -> None:
        path = case / "bin" / "edgetpu_compiler"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(script)
        path.chmod(0o755)

    setup = [write("project/m.tflite", model), install]
    timeout = rng.choice((1, 2))
    argv = ["verify", "--isolated", "--no-run", "-t", str(timeout), "--compiler",
            "@bin/edgetpu_compiler", "m.tflite"]
    if rng.random() < 0.3:
        argv[1:1] = ["--format", rng.choice(("json", "concise", "sarif"))]
    return Scenario("compiler", [f"compiler: {how}", f"-t {timeout}"], argv,
                    frozenset({1, 2, 3, 4}), setup, stderr_lines=2, seconds=timeout + 12.0)
