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

This module numbers the cases and runs them over worker processes; tools/bounded_run.py runs
one command, tools/fuzz_inputs_check.py builds a case's folder and judges what it did.

    python tools/fuzz_inputs.py --cases 100000 --jobs 3    # the long run
    python tools/fuzz_inputs.py --replay 17                # what case 17 is
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.util import Finalize
from pathlib import Path
from typing import Any

from bounded_run import MEMORY_MB, address_space
from fuzz_inputs_check import remove, run_case
from hostile_inputs import Scenario, hostile_config, hostile_files
from hostile_tamper import fake_compiler, tampered_cache

GENERATORS = {"config": (hostile_config, 32), "files": (hostile_files, 38),
              "cache": (tampered_cache, 25), "compiler": (fake_compiler, 5)}


def make_scenario(number: int, campaign: int, kinds: list[str] | None = None) -> Scenario:
    """Case `number` of campaign `campaign`: the same numbers give the same scenario."""
    rng = random.Random(f"inputs:{campaign}:{number}")
    names = kinds or sorted(GENERATORS)
    weights = [GENERATORS[name][1] for name in names]
    return GENERATORS[rng.choices(names, weights)[0]][0](rng)


@dataclass
class Report:
    cases: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[int, str, list[str], list[str]]] = field(default_factory=list)
    slowest: float = 0.0
    peak_added_mb: float = 0.0


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
    limit = address_space() + (MEMORY_MB << 20)  # soft: forked cases set their own
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
    for exits, count in sorted(report.codes.items()):
        print(f"  {count:7d}  {exits}")
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
