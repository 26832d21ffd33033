"""Fuzz `tpulint check` with mutated real models: it must end in a result or one error line.

Seeds are the project's fixtures (real converter outputs, one compiled by the Edge TPU compiler).
Each case applies one to three mutations to a seed (tools/model_mutations.py). Most are
structure-aware: the seed is walked with the reader's own schema to find where its tables,
vtables, offsets, vector lengths and scalars are (tools/flatbuffer_layout.py), and those are
corrupted (vector lengths of 0xFFFFFFF0, offsets outside the file, to themselves or back to their
parent table, odd or huge vtables, truncation at each boundary); the rest flip bits, splice seeds,
change the file identifier or replace the file by a Git LFS pointer.

Every case runs the in-process path (tools/fuzz_check.py: read the file, all analyses, every rule
including preview ones, every registered output format) under a time bound per case, in worker
processes whose address space is bounded; it must end in a result or a `ModelReadError` and warn
nothing. One case in `--cli-every` also runs the real CLI in a fresh process, which must exit 0,
1 or 3 with at most one line on stderr and no traceback. Failing inputs are saved in
tests/fuzz_regressions/, which the test suite replays.

    python tools/fuzz.py --cases 100000 --jobs 2     # the long run
    python tools/fuzz.py --replay 4711 --write case.tflite   # one case again, as a file
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import sys
import tempfile
import time
import traceback
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from fuzz_check import CaseTimeout, Checker, run_cli
from model_mutations import Case, Seed, load_seeds, make_case

ROOT = Path(__file__).resolve().parents[1]
REGRESSIONS = ROOT / "tests" / "fuzz_regressions"


def _innermost(error: BaseException) -> str:
    """The last frames of the exception that started it all, and the outermost message."""
    root = error
    while root.__cause__ is not None:
        root = root.__cause__
    frames = "".join(traceback.format_exception(root)[-7:])
    return frames if root is error else f"{type(error).__name__}: {error}\n{frames}"


@dataclass
class Failure:
    case: Case
    problem: str


@dataclass
class Report:
    cases: int = 0
    cli_cases: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    peak_rss_mb: float = 0.0


@dataclass
class Worker:
    seeds: list[Seed]
    checker: Checker
    workdir: Path
    memory_mb: int


_worker: list[Worker] = []  # this process's, once `_start_worker` ran


def _start_worker(seed_paths: list[str], timeout: float, memory_mb: int) -> None:
    seeds = load_seeds([Path(p) for p in seed_paths])
    workdir = Path(tempfile.mkdtemp(prefix="tpulint-fuzz-"))
    checker = Checker(workdir, timeout)
    for seed in seeds:  # import everything a case can need before bounding memory
        checker.run(seed.data)
    # A soft limit only, so the CLI processes this worker starts can set their own.
    limit = _address_space() + (memory_mb << 20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY))
    _worker.append(Worker(seeds, checker, workdir, memory_mb))


def _address_space() -> int:
    pages = Path("/proc/self/statm").read_text().split()[0]
    return int(pages) * os.sysconf("SC_PAGE_SIZE")


def run_cases(numbers: range, campaign: int, cli_every: int) -> Report:
    """Run cases `numbers` in this worker (set up by `_start_worker`)."""
    from tpulint.report import FORMATS

    worker = _worker[0]
    checker = worker.checker
    report = Report()
    formats = sorted(FORMATS)
    for number in numbers:
        case = make_case(number, campaign, worker.seeds)
        report.cases += 1
        try:
            report.outcomes[checker.run(case.data)] += 1
        except CaseTimeout:
            report.failures.append(Failure(case, f"timeout after {checker.timeout} s"))
        except MemoryError:
            report.failures.append(Failure(case, "memory bound exceeded"))
        except Exception as error:
            report.failures.append(Failure(case, _innermost(error)))
        if cli_every and number % cli_every == 0:
            report.cli_cases += 1
            output_format = formats[number // cli_every % len(formats)]
            problem = run_cli(case.data, worker.workdir, output_format, worker.memory_mb + 1024)
            if problem:
                report.failures.append(Failure(case, problem))
    report.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return report


def campaign(cases: int, seed_paths: list[Path], campaign_seed: int = 0, jobs: int = 1,
             cli_every: int = 100, timeout: float = 10.0, memory_mb: int = 512,
             progress: bool = False) -> Report:
    """Run `cases` cases over `jobs` worker processes and merge their reports."""
    chunk = 250
    total = Report()
    paths = [str(p) for p in seed_paths]
    with ProcessPoolExecutor(jobs, initializer=_start_worker,
                             initargs=(paths, timeout, memory_mb)) as pool:
        futures = [pool.submit(run_cases, range(start, min(start + chunk, cases)),
                               campaign_seed, cli_every)
                   for start in range(0, cases, chunk)]
        started = time.monotonic()
        for future in futures:
            part = future.result()
            total.cases += part.cases
            total.cli_cases += part.cli_cases
            total.outcomes.update(part.outcomes)
            total.failures.extend(part.failures)
            total.peak_rss_mb = max(total.peak_rss_mb, part.peak_rss_mb)
            if progress:
                rate = total.cases / max(time.monotonic() - started, 1e-9)
                print(f"\r{total.cases}/{cases} cases, {len(total.failures)} failures, "
                      f"{rate:.0f}/s", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    return total


def save(failure: Failure, directory: Path = REGRESSIONS) -> Path:
    """Keep a failing input as a regression case, with a note of how it was made."""
    directory.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha1(failure.case.data).hexdigest()[:16]
    path = directory / f"{name}.tflite"
    path.write_bytes(failure.case.data)
    note = (f"case {failure.case.number} from {failure.case.seed}: "
            f"{'; '.join(failure.case.steps)}\n\n{failure.problem}\n")
    path.with_suffix(".txt").write_text(note, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0, help="campaign seed")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--cli-every", type=int, default=100,
                        help="run one case in N through the CLI too (0: never)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per case")
    parser.add_argument("--memory-mb", type=int, default=512,
                        help="address space a case may add to a worker")
    parser.add_argument("--seeds", type=Path, action="append",
                        help="seed files or directories (default: fixtures/)")
    parser.add_argument("--no-save", action="store_true",
                        help=f"do not save failing inputs in {REGRESSIONS.relative_to(ROOT)}")
    parser.add_argument("--replay", type=int, metavar="CASE", help="show one case and stop")
    parser.add_argument("--write", type=Path, help="with --replay: write the case's bytes here")
    args = parser.parse_args(argv)
    seed_paths = args.seeds or [ROOT / "fixtures"]
    if args.replay is not None:
        case = make_case(args.replay, args.seed, load_seeds(seed_paths))
        print(f"case {case.number} from {case.seed}: {'; '.join(case.steps)}")
        if args.write:
            args.write.write_bytes(case.data)
        return 0
    started = time.monotonic()
    report = campaign(args.cases, seed_paths, args.seed, args.jobs, args.cli_every,
                      args.timeout, args.memory_mb, progress=sys.stderr.isatty())
    elapsed = time.monotonic() - started
    print(f"{report.cases} cases ({report.cli_cases} through the CLI) in {elapsed:.0f} s, "
          f"seed {args.seed}; worker peak RSS {report.peak_rss_mb:.0f} MB")
    for outcome, count in report.outcomes.most_common():
        print(f"  {count:7d}  {outcome}")
    for failure in report.failures:
        where = "" if args.no_save else f" -> {save(failure).relative_to(ROOT)}"
        print(f"FAIL case {failure.case.number} ({failure.case.seed}: "
              f"{'; '.join(failure.case.steps)}){where}\n{failure.problem}")
    print(f"{len(report.failures)} failures")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
