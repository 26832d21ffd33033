"""How tools/fuzz_inputs.py runs one case and judges it against the invariants its docstring
lists: the case folder built, the command run (tools/bounded_run.py), what changed, what exit
code and how many stderr lines, what the report holds; then the folder removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path

from bounded_run import Outcome, run_forked, run_inline
from hostile_inputs import Scenario

EXIT_CODES = frozenset({0, 1, 2, 3, 4})
MEMORY_BOUND_MB = 300  # resident memory a forked case may add (its inputs are a few MB)
AREAS = ("project", "outside", "cache", "tmp", "home")


def run_case(scenario: Scenario, workdir: Path, fork: bool = True
             ) -> tuple[list[str], Outcome]:
    """Build the case folder, run it, check it and remove it; its problems and outcome.
    Cases that start processes (the compiler's) always run in a fork."""
    fork = fork or scenario.kind == "compiler"

    def execute(argv: list[str]) -> Outcome:
        if fork:
            return run_forked(argv, case, scenario.seconds)
        return run_inline(argv, case, scenario.seconds)

    case = Path(tempfile.mkdtemp(prefix="case-", dir=workdir))
    try:
        for area in AREAS:
            (case / area).mkdir(mode=0o700)
        scenario.build(case)
        first = None
        if scenario.prime is not None:
            first = execute(scenario.prime)
            if scenario.tamper is not None:
                scenario.tamper(case)
        before = snapshot(case)
        outcome = execute(scenario.argv)
        after = snapshot(case)
        return problems(scenario, outcome, before, after, first), outcome
    finally:
        remove(case)


def remove(case: Path) -> None:
    def retry(function: object, path: str, _info: object) -> None:
        with contextlib.suppress(OSError):
            Path(path).chmod(0o700, follow_symlinks=False)
            Path(path).unlink() if not Path(path).is_dir() else shutil.rmtree(path)

    if case.is_dir():
        case.chmod(0o700)
        shutil.rmtree(case, onerror=retry)


def snapshot(case: Path) -> dict[str, tuple[object, ...]]:
    """Every entry of the case folder but the cache: kind, mode, owner, size, modification
    time (nanoseconds, so any write shows) and inode (a rename over it shows)."""
    found: dict[str, tuple[object, ...]] = {}
    base = len(str(case)) + 1
    for area in AREAS:
        if area == "cache":
            continue
        for current, dirs, files in os.walk(case / area):
            for name in dirs + files:
                path = os.path.join(current, name)  # noqa: PTH118  (strings: faster)
                info = os.lstat(path)
                entry: tuple[object, ...] = (info.st_mode, info.st_uid, info.st_size,
                                             info.st_mtime_ns, info.st_ino)
                if stat.S_ISLNK(info.st_mode):
                    entry += (os.readlink(path),)  # noqa: PTH115
                found[path[base:]] = entry
    return found


def problems(scenario: Scenario, outcome: Outcome, before: dict[str, tuple[object, ...]],
             after: dict[str, tuple[object, ...]], first: Outcome | None) -> list[str]:
    """What this case did wrong (an empty list: nothing)."""
    found = []
    if outcome.code is None:
        found.append(f"still running after {scenario.seconds:.0f} s (killed)")
    elif outcome.signal:
        found.append(f"killed by signal {outcome.signal}")
    elif outcome.code not in EXIT_CODES:
        found.append(f"exit {outcome.code}, not a documented exit code")
    elif outcome.code not in scenario.allowed:
        found.append(f"exit {outcome.code}, expected one of {sorted(scenario.allowed)}")
    if outcome.added_rss_mb > MEMORY_BOUND_MB:
        found.append(f"added {outcome.added_rss_mb:.0f} MB of resident memory")
    lines = outcome.stderr.splitlines()
    if "Traceback" in outcome.stderr or "internal error" in outcome.stderr:
        found.append("a traceback or an internal error")
    elif len(lines) > scenario.stderr_lines:
        found.append(f"{len(lines)} stderr lines (at most {scenario.stderr_lines})")
    if outcome.code in (2, 3, 4) and not lines and scenario.kind != "compiler":
        found.append(f"exit {outcome.code} without an error line")
    changed = sorted(k for k in before.keys() | after.keys()
                     if before.get(k) != after.get(k) and k not in scenario.changes)
    if changed:
        found.append(f"changed {', '.join(repr(c) for c in changed[:5])}")
    if scenario.failing and outcome.code in (0, 1):
        found += _unreported(scenario.failing, outcome.stdout)
    if first is not None and scenario.same_report and outcome.stdout != first.stdout:
        found.append("the report differs from the untampered run's")
    if first is not None and first.code not in scenario.allowed:
        found.append(f"the first run exited {first.code}")
    return found


def _unreported(failing: tuple[str, ...], stdout: str) -> list[str]:
    try:
        models = json.loads(stdout)["models"]
    except (ValueError, KeyError, TypeError):
        return [f"the JSON report does not parse: {stdout[:200]!r}"]
    listed = {m["path"]: m for m in models if isinstance(m, dict)}
    missing = []
    for path in failing:
        # A name that is not UTF-8 may be reported with its bytes shown as \xNN.
        shown = "".join(f"\\x{ord(c) - 0xDC00:02x}" if 0xDC80 <= ord(c) <= 0xDCFF else c
                        for c in path)
        model = next((listed[p] for p in (path, "./" + path, shown, "./" + shown)
                      if p in listed), None)
        if model is None or not model.get("findings"):
            missing.append(f"{path!r} is not reported with its findings")
    return missing
