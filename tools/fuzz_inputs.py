"""Fuzz tpulint with hostile repositories: configuration, file names and types, caches, compilers.

Each case is a scenario from tools/hostile_inputs.py or tools/hostile_tamper.py, built in a fresh
folder and run as `tpulint` would be, in a fresh process (forked from a worker that imported
tpulint once, so a case costs milliseconds instead of an interpreter start). Every case must:

- end within its time bound (the whole process group is killed past it) and within a memory
  bound (an address-space limit, and the peak RSS it adds is recorded);
- exit with a code of `tpulint.exitcodes`, the ones its scenario allows (so a hostile input never
  turns a failing run into a pass), with at most the scenario's number of stderr lines, none of
  them a traceback or an "internal error";
- change no file of the case folder but the output the scenario names and the cache (the user's
  files, the files links point at and the temporary folder are compared before and after);
- in a JSON report, list every failing model with its findings; after cache tampering, print
  the report the untampered run printed.

    python tools/fuzz_inputs.py --cases 100000 --jobs 3    # the long run
    python tools/fuzz_inputs.py --replay 17                # what case 17 is
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import random
import resource
import select
import shutil
import signal
import stat
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.util import Finalize
from pathlib import Path
from typing import Any

from hostile_inputs import Scenario, hostile_config, hostile_files
from hostile_tamper import fake_compiler, tampered_cache

GENERATORS = {"config": (hostile_config, 32), "files": (hostile_files, 38),
              "cache": (tampered_cache, 25), "compiler": (fake_compiler, 5)}
EXIT_CODES = frozenset({0, 1, 2, 3, 4})
MEMORY_MB = 1024  # address space a case may add to the worker
MEMORY_BOUND_MB = 300  # resident memory a forked case may add (its inputs are a few MB)
AREAS = ("project", "outside", "cache", "tmp", "home")


def make_scenario(number: int, campaign: int, kinds: list[str] | None = None) -> Scenario:
    """Case `number` of campaign `campaign`: the same numbers give the same scenario."""
    rng = random.Random(f"inputs:{campaign}:{number}")
    names = kinds or sorted(GENERATORS)
    weights = [GENERATORS[name][1] for name in names]
    return GENERATORS[rng.choices(names, weights)[0]][0](rng)


@dataclass
class Outcome:
    code: int | None  # None: killed at the time bound
    stdout: str
    stderr: str
    seconds: float
    added_rss_mb: float
    signal: int = 0


def run_forked(argv: list[str], case: Path, seconds: float, memory_mb: int = MEMORY_MB
               ) -> Outcome:
    """`tpulint ARGV` in a child process of this one, in `case/project`."""
    out, err = case.parent / f"{case.name}.out", case.parent / f"{case.name}.err"
    argv = [str(case) + "/" + a[1:] if a.startswith("@") else a for a in argv]
    before = _rss_mb()
    sys.stdout.flush()
    sys.stderr.flush()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        _child(argv, case, out, err, memory_mb)
    descriptor = os.pidfd_open(pid)
    try:
        ready, _w, _x = select.select([descriptor], [], [], seconds)
        if not ready:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        _pid, status, usage = os.wait4(pid, 0)
    finally:
        os.close(descriptor)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)  # what the run left behind (a compiler's children)
    elapsed = time.monotonic() - started
    stdout = _read_text(out)
    stderr = _read_text(err)
    out.unlink()
    err.unlink()
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    return Outcome(code if ready else None, stdout, stderr, elapsed,
                   max(0.0, usage.ru_maxrss / 1024 - before),
                   os.WTERMSIG(status) if os.WIFSIGNALED(status) and ready else 0)


class CaseTimeout(BaseException):
    """An inline case ran past its time bound (no `except Exception` may hide it)."""


def _on_alarm(signum: int, frame: object) -> None:
    raise CaseTimeout


def run_inline(argv: list[str], case: Path, seconds: float) -> Outcome:
    """`tpulint ARGV` in this process, in `case/project`: three times cheaper than a fork, for
    cases that start no process of their own. The worker's address space is bounded."""
    argv = [str(case) + "/" + a[1:] if a.startswith("@") else a for a in argv]
    saved_env, here = dict(os.environ), Path.cwd()
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    code: int | None = None
    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    try:
        os.chdir(case / "project")
        os.environ.update(_environment(case))
        os.environ.pop("TPULINT_EDGETPU_COMPILER", None)
        tempfile.tempdir = None
        from tpulint.cli import main

        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            signal.setitimer(signal.ITIMER_REAL, seconds)
            try:
                code = main(argv)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            out.flush()
            err.flush()
    except CaseTimeout:
        code = None
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 98
    except BaseException:
        import traceback

        err.write(traceback.format_exc())
        code = 99
    finally:
        signal.signal(signal.SIGALRM, previous)
        os.chdir(here)
        os.environ.clear()
        os.environ.update(saved_env)
        tempfile.tempdir = None
    return Outcome(code, _text(out), _text(err), time.monotonic() - started, 0.0)


def _text(stream: io.TextIOWrapper) -> str:
    with contextlib.suppress(ValueError, UnicodeError):
        stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue()[: 4 << 20].decode("utf-8", "replace")


def _environment(case: Path) -> dict[str, str]:
    return {"TPULINT_CACHE_DIR": str(case / "cache"), "TMPDIR": str(case / "tmp"),
            "HOME": str(case / "home"), "XDG_CACHE_HOME": str(case / "home" / ".cache")}


def _read_text(path: Path) -> str:
    with path.open("rb") as stream:
        data = stream.read(4 << 20)
    return data.decode("utf-8", "replace")


def _child(argv: list[str], case: Path, out: Path, err: Path, memory_mb: int) -> None:
    code = 99
    try:
        os.setsid()
        for fd, path, flags in ((0, os.devnull, os.O_RDONLY),
                                (1, out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                                (2, err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
            opened = os.open(path, flags, 0o600)
            os.dup2(opened, fd)
            os.close(opened)
        os.chdir(case / "project")
        os.environ.update(_environment(case))
        os.environ.pop("TPULINT_EDGETPU_COMPILER", None)
        tempfile.tempdir = None
        limit = _address_space() + (memory_mb << 20)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        from tpulint.cli import main

        code = main(argv)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 98
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _address_space() -> int:
    return int(Path("/proc/self/statm").read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE")


# The invariants --------------------------------------------------------------------------------


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


# Running cases -----------------------------------------------------------------------------------


@dataclass
class Report:
    cases: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[int, str, list[str], list[str]]] = field(default_factory=list)
    slowest: float = 0.0
    peak_added_mb: float = 0.0


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


_workdir: list[Path] = []


def _start_worker() -> None:
    """Import tpulint, build its parser and load its rules once: each forked case gets its own
    copy of them instead of spending most of its time building them again."""
    import functools

    import tpulint.cli
    import tpulint.engine.registry
    import tpulint.engine.run
    import tpulint.verify.command
    import tpulint.verify.settings

    parser = tpulint.cli.build_parser()
    tpulint.cli.build_parser = lambda command=None: parser
    registry = functools.cache(tpulint.engine.registry.load_registry)
    tpulint.engine.registry.load_registry = registry
    tpulint.verify.settings.load_registry = registry  # type: ignore[attr-defined]
    registry(True)
    registry(False)
    _same_code_stamp()
    # A memory file system where there is one: cases create and remove thousands of files.
    shm = Path("/dev/shm")
    base = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
    _workdir.append(Path(tempfile.mkdtemp(prefix="tpulint-fuzz-inputs-", dir=base)))
    # Removed when the worker ends (multiprocessing runs these finalizers, not atexit's).
    Finalize(None, shutil.rmtree, args=(str(_workdir[0]), True), exitpriority=10)
    _warm_up(_workdir[0])
    limit = _address_space() + (MEMORY_MB << 20)  # soft: forked cases set their own
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY))
    gc.freeze()  # the children's collections need not walk (and copy) all of this


def _same_code_stamp() -> None:
    """The cache salt stamps every tpulint source file (a stat each): the same all campaign
    long, so it is computed once per set of rules instead of twice a case."""
    from tpulint.engine import cache

    stamp = cache._code_stamp
    stamps: dict[tuple[str, ...], list[tuple[str, int, int]]] = {}

    def remembered(rules: list[Any]) -> list[tuple[str, int, int]]:
        codes = tuple(rule.code for rule in rules)
        if codes not in stamps:
            stamps[codes] = stamp(rules)
        return stamps[codes]

    cache._code_stamp = remembered


def _warm_up(workdir: Path) -> None:
    """Run every format once here: what a first run imports and caches, each child inherits."""
    from hostile_inputs import FAILING, GOOD

    from tpulint.cli import main
    from tpulint.report import FORMATS

    folder = workdir / "warm-up"
    folder.mkdir()
    (folder / "bad.tflite").write_bytes(FAILING)
    (folder / "good.tflite").write_bytes(GOOD)
    here, cache = Path.cwd(), os.environ.get("TPULINT_CACHE_DIR")
    os.environ["TPULINT_CACHE_DIR"] = str(folder / "cache")
    os.chdir(folder)
    try:
        with Path(os.devnull).open("w") as sink, contextlib.redirect_stdout(sink), \
                contextlib.redirect_stderr(sink):
            for name in FORMATS:
                main(["check", "--isolated", "--format", name, "bad.tflite", "good.tflite"])
            main(["check", "--isolated", "--format", "json", "bad.tflite", "good.tflite"])
    finally:
        os.chdir(here)
        # Put back the caller's cache folder (a test suite's isolated one).
        if cache is None:
            del os.environ["TPULINT_CACHE_DIR"]
        else:
            os.environ["TPULINT_CACHE_DIR"] = cache
        remove(folder)


def run_cases(numbers: range, campaign: int, kinds: list[str] | None, fork_every: int
              ) -> Report:
    report = Report()
    for number in numbers:
        scenario = make_scenario(number, campaign, kinds)
        report.cases += 1
        report.kinds[scenario.kind] += 1
        try:
            found, outcome = run_case(scenario, _workdir[0],
                                      fork=bool(fork_every) and number % fork_every == 0)
        except Exception as error:  # the harness itself: a bug to see, not to hide
            found, outcome = [f"harness: {type(error).__name__}: {error}"], None
        if outcome is not None:
            report.codes[f"{scenario.kind} exit {outcome.code}"] += 1
            report.slowest = max(report.slowest, outcome.seconds)
            report.peak_added_mb = max(report.peak_added_mb, outcome.added_rss_mb)
        if found:
            stderr = outcome.stderr[-600:] if outcome else ""
            report.failures.append((number, scenario.kind, scenario.steps, [*found, stderr]))
    return report


def campaign(cases: int, campaign_seed: int, jobs: int, kinds: list[str] | None = None,
             progress: bool = False, start: int = 0, fork_every: int = 10) -> Report:
    total = Report()
    chunk = 50
    with ProcessPoolExecutor(jobs, initializer=_start_worker) as pool:
        futures = [pool.submit(run_cases, range(first, min(first + chunk, start + cases)),
                               campaign_seed, kinds, fork_every)
                   for first in range(start, start + cases, chunk)]
        started = time.monotonic()
        for future in futures:
            part = future.result()
            total.cases += part.cases
            total.kinds.update(part.kinds)
            total.codes.update(part.codes)
            total.failures.extend(part.failures)
            total.slowest = max(total.slowest, part.slowest)
            total.peak_added_mb = max(total.peak_added_mb, part.peak_added_mb)
            if progress:
                rate = total.cases / max(time.monotonic() - started, 1e-9)
                print(f"{total.cases}/{cases} cases, {len(total.failures)} failures, "
                      f"{rate:.1f}/s", file=sys.stderr, flush=True)
                show_failures(part)  # as they come: a long run stopped early keeps them
    return total


def show_failures(report: Report) -> None:
    for number, kind, steps, found in report.failures:
        print(f"FAIL case {number} ({kind}: {'; '.join(steps)[:300]})")
        for problem in found:
            print(f"    {problem}")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000)
    parser.add_argument("--start", type=int, default=0, help="number of the first case")
    parser.add_argument("--seed", type=int, default=0, help="campaign seed")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--kind", action="append", choices=sorted(GENERATORS),
                        help="only these generators (default: all)")
    parser.add_argument("--progress", action="store_true", help="a line per 50 cases")
    parser.add_argument("--fork-every", type=int, default=10,
                        help="run one case in N in a fresh (forked) process, the others in the "
                             "worker itself (0: never; compiler cases always fork)")
    parser.add_argument("--replay", type=int, metavar="CASE", help="run one case and show it")
    args = parser.parse_args(argv)
    if args.replay is not None:
        scenario = make_scenario(args.replay, args.seed, args.kind)
        print(f"case {args.replay} ({scenario.kind}): {'; '.join(scenario.steps)}")
        print("argv:", scenario.argv)
        _start_worker()
        found, outcome = run_case(scenario, _workdir[0])
        print(f"exit {outcome.code} in {outcome.seconds:.2f} s, +{outcome.added_rss_mb:.0f} MB")
        print("stderr:", outcome.stderr[-2000:])
        print("problems:", found or "none")
        return 1 if found else 0
    started = time.monotonic()
    report = campaign(args.cases, args.seed, args.jobs, args.kind, args.progress, args.start,
                      args.fork_every)
    elapsed = time.monotonic() - started
    print(f"{report.cases} cases in {elapsed:.0f} s, seed {args.seed}, from case {args.start}; "
          f"slowest {report.slowest:.1f} s; peak RSS added {report.peak_added_mb:.0f} MB")
    for kind, count in sorted(report.kinds.items()):
        print(f"  {count:7d}  {kind}")
    for outcome, count in sorted(report.codes.items()):
        print(f"  {count:7d}  {outcome}")
    if not args.progress:
        show_failures(report)
    kinds_of_failure = Counter(f"{kind}: {found[0][:90]}" for _n, kind, _s, found in
                               report.failures)
    for signature, count in kinds_of_failure.most_common():
        print(f"  {count:7d}  {signature}")
    print(f"{len(report.failures)} failures")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
