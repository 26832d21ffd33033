"""Fuzz `tpulint check` with mutated real models: it must end in a result or one error line.

Seeds are the project's fixtures (real converter outputs, one compiled by the Edge TPU compiler).
Each case applies one to three mutations to a seed. Most are structure-aware: the seed is walked
with the reader's own schema to find where its tables, vtables, offsets, vector lengths and
scalars are, and those are corrupted (vector lengths of 0xFFFFFFF0, offsets outside the file, to
themselves or back to their parent table, odd or huge vtables, truncation at each boundary); the
rest flip bits, splice seeds, change the file identifier or replace the file by a Git LFS pointer.

Every case runs the in-process path (read the file, all analyses, every rule including preview
ones, every registered output format) under a time bound per case, in worker processes whose
address space is bounded; it must end in a result or a `ModelReadError` and warn nothing. One
case in `--cli-every` also runs the real CLI in a fresh process, which must exit 0, 1 or 3 with
at most one line on stderr and no traceback. Failing inputs are saved in tests/fuzz_regressions/,
which the test suite replays.

    python tools/fuzz.py --cases 100000 --jobs 2     # the long run
    python tools/fuzz.py --replay 4711 --write case.tflite   # one case again, as a file
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import random
import resource
import signal
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from tpulint._schema import tflite as schema
from tpulint.reader.wire import Schema, Table, Wire, WireError

ROOT = Path(__file__).resolve().parents[1]
REGRESSIONS = ROOT / "tests" / "fuzz_regressions"
MASK32 = 0xFFFFFFFF
LFS_POINTER = (b"version https://git-lfs.github.com/spec/v1\n"
               b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
               b"size 3295240\n")
_UNIONS = {"BuiltinOptions": schema.BUILTIN_OPTIONS, "BuiltinOptions2": schema.BUILTIN_OPTIONS2}
_TABLES: Schema = schema.TABLES  # type: ignore[assignment]
_MAX_TABLES = 20_000


# Where a seed's structures are -----------------------------------------------------------------


@dataclass
class Layout:
    """Byte positions of one flatbuffer's structures, found by walking it with the schema."""

    size: int
    tables: list[tuple[int, int]] = field(default_factory=list)  # (table, its vtable)
    offsets: list[tuple[int, int, int]] = field(default_factory=list)  # (offset, target, parent)
    lengths: list[int] = field(default_factory=list)  # positions of vector lengths
    scalars: list[tuple[int, int]] = field(default_factory=list)  # (position, size)

    @property
    def boundaries(self) -> list[int]:
        """Where a structure starts or ends: the places to truncate at."""
        points = {0, 4, 8, self.size}
        for table, vtable in self.tables:
            points.update((table, vtable))
        for offset, target, _parent in self.offsets:
            points.update((offset, target))
        points.update(self.lengths)
        points.update(pos + size for pos, size in self.scalars)
        return sorted(p for p in points if 0 <= p <= self.size)


def layout(data: bytes) -> Layout:
    """The structures of a valid TensorFlow Lite flatbuffer (what cannot be read is skipped)."""
    wire = Wire(data)
    found = Layout(len(data))
    root = wire.root("Model")
    found.offsets.append((0, root.pos, 0))
    stack = [root]
    seen: set[int] = set()
    while stack and len(seen) < _MAX_TABLES:
        table = stack.pop()
        if table.pos in seen:
            continue
        seen.add(table.pos)
        found.tables.append((table.pos, table.pos - wire.i32(table.pos)))
        for name, (slot, kind, detail, _default) in table.fields.items():
            try:
                stack.extend(_field(found, wire, table, name, slot, kind, detail))
            except WireError:
                continue
    return found


def _field(found: Layout, wire: Wire, table: Table, name: str, slot: int, kind: str,
           detail: str) -> Iterator[Table]:
    """Record one field's positions; yield the tables it leads to."""
    index = slot // 2
    offset = table.offsets[index] if index < len(table.offsets) else 0
    if not offset:
        return
    pos = table.pos + offset
    if kind in ("scalar", "enum"):
        found.scalars.append((pos, struct.calcsize("<" + detail[0])))
        return
    target = pos + wire.u32(pos)
    found.offsets.append((pos, target, table.pos))
    if kind == "table" and detail in _TABLES:
        yield Table(wire, target, detail)
    elif kind == "union":
        type_name = _UNIONS.get(detail, {}).get(table.get(name + "_type"))
        if type_name in _TABLES:
            yield Table(wire, target, type_name)
    elif kind in ("string", "vector", "tables", "strings"):
        found.lengths.append(target)
    if kind in ("tables", "strings"):
        for element in range(target + 4, target + 4 + 4 * wire.u32(target), 4):
            element_target = element + wire.u32(element)
            found.offsets.append((element, element_target, table.pos))
            if kind == "strings":
                found.lengths.append(element_target)
            elif detail in _TABLES:
                yield Table(wire, element_target, detail)


# Mutations -------------------------------------------------------------------------------------


@dataclass
class Seed:
    name: str
    data: bytes
    layout: Layout


Mutation = Callable[[bytearray, Seed, random.Random, list[Seed]], tuple[bytearray, str]]


def _put32(data: bytearray, pos: int, value: int) -> None:
    if 0 <= pos <= len(data) - 4:
        struct.pack_into("<I", data, pos, value & MASK32)


def _put16(data: bytearray, pos: int, value: int) -> None:
    if 0 <= pos <= len(data) - 2:
        struct.pack_into("<H", data, pos, value & 0xFFFF)


def flip_bits(data: bytearray, seed: Seed, rng: random.Random,
              others: list[Seed]) -> tuple[bytearray, str]:
    flips = rng.choice((1, 1, 2, 4, 16))
    for _ in range(flips):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return data, f"flip {flips} bits"


def flip_structure(data: bytearray, seed: Seed, rng: random.Random,
                   others: list[Seed]) -> tuple[bytearray, str]:
    lay = seed.layout
    places = ([pos for pos, _t, _p in lay.offsets] + lay.lengths
              + [vtable for _t, vtable in lay.tables] + [pos for pos, _s in lay.scalars])
    pos = rng.choice(places) + rng.randrange(4)
    if pos < len(data):
        data[pos] ^= 1 << rng.randrange(8)
    return data, f"flip a bit at structure byte {pos}"


def truncate(data: bytearray, seed: Seed, rng: random.Random,
             others: list[Seed]) -> tuple[bytearray, str]:
    cut = max(0, rng.choice(seed.layout.boundaries) + rng.choice((-1, 0, 0, 1, 2, 4)))
    return data[:cut], f"truncate at {cut}"


def vector_length(data: bytearray, seed: Seed, rng: random.Random,
                  others: list[Seed]) -> tuple[bytearray, str]:
    pos = rng.choice(seed.layout.lengths)
    value = rng.choice((0xFFFFFFF0, MASK32, 0x7FFFFFFF, 0x40000000, 0x3FFFFFFF,
                        (len(data) - pos) // 4 + 1, len(data) - pos, 0, (1 << 20) + 1))
    _put32(data, pos, value)
    return data, f"vector length at {pos} = {value:#x}"


def vector_bytes(data: bytearray, seed: Seed, rng: random.Random,
                 others: list[Seed]) -> tuple[bytearray, str]:
    """Corrupt a vector's contents: custom options (the compiled package's FlexBuffer), names."""
    pos = rng.choice(seed.layout.lengths)
    count = min(struct.unpack_from("<I", seed.data, pos)[0], len(data) - pos - 4)
    if count <= 0:
        return data, "no vector bytes to change"
    for _ in range(rng.choice((1, 2, 8))):
        at = pos + 4 + rng.randrange(count)
        data[at] = rng.choice((0, 0xFF, 0x80, rng.randrange(256), data[at] ^ 1 << rng.randrange(8)))
    return data, f"change bytes of the vector at {pos}"


def bad_offset(data: bytearray, seed: Seed, rng: random.Random,
               others: list[Seed]) -> tuple[bytearray, str]:
    lay = seed.layout
    pos, target, parent = rng.choice(lay.offsets)
    choices = {
        "outside": len(data) - pos + rng.randrange(1, 1 << 16),
        "self": 0,
        "parent": parent - pos,
        "root": lay.offsets[0][1] - pos,
        "other table": rng.choice(lay.tables)[0] - pos,
        "other target": rng.choice(lay.offsets)[1] - pos,
        "nearby": target - pos + rng.choice((-8, -4, -2, -1, 1, 2, 4, 8)),
        "huge": rng.choice((0x7FFFFFFF, 0x80000000, MASK32)),
    }
    how = rng.choice(sorted(choices))
    _put32(data, pos, choices[how])
    return data, f"offset at {pos} -> {how}"


def bad_vtable(data: bytearray, seed: Seed, rng: random.Random,
               others: list[Seed]) -> tuple[bytearray, str]:
    table, vtable = rng.choice(seed.layout.tables)
    how = rng.choice(("soffset", "vtable size", "table size", "field offset"))
    if how == "soffset":
        other = rng.choice(seed.layout.tables)[1]
        value = rng.choice((0, table - other, 0x7FFFFFFF, -0x80000000, -len(data), 4, -4))
        _put32(data, table, value)
    elif how == "vtable size":
        _put16(data, vtable, rng.choice((0, 1, 2, 3, 5, 0xFFFF, 0xFFFE, 0x8000)))
    elif how == "table size":
        _put16(data, vtable + 2, rng.choice((0, 1, 3, 0xFFFF, 0xFFFE)))
    else:
        size = struct.unpack_from("<H", data, vtable)[0] if vtable + 2 <= len(data) else 4
        slot = 4 + 2 * rng.randrange(max(1, (size - 4) // 2))
        _put16(data, vtable + slot, rng.choice((0xFFFF, 0xFFFE, 1, 2, 3, 4, 0x8000)))
    return data, f"{how} of the table at {table}"


def scalar_value(data: bytearray, seed: Seed, rng: random.Random,
                 others: list[Seed]) -> tuple[bytearray, str]:
    pos, size = rng.choice(seed.layout.scalars)
    value = rng.choice((b"\xff" * size, b"\x00" * size, b"\x7f" + b"\xff" * (size - 1),
                        b"\xff" * (size - 1) + b"\x7f", b"\x80" * size, rng.randbytes(size)))
    data[pos : pos + size] = value[: len(data[pos : pos + size])]
    return data, f"scalar at {pos} = {value.hex()}"


def identifier(data: bytearray, seed: Seed, rng: random.Random,
               others: list[Seed]) -> tuple[bytearray, str]:
    magic = rng.choice((b"TFL2", b"\x00\x00\x00\x00", b"DWN1", b"tfl3", rng.randbytes(4)))
    if rng.random() < 0.3:
        header = rng.choice((b"PK\x03\x04", b"\x89HDF\r\n\x1a\n", b"\x08\x03\x12", b"\x7fELF"))
        return bytearray(header) + data[len(header) :], f"file starts {header!r}"
    data[4:8] = magic
    return data, f"identifier {magic!r}"


def lfs_pointer(data: bytearray, seed: Seed, rng: random.Random,
                others: list[Seed]) -> tuple[bytearray, str]:
    tail = data[: rng.randrange(64)] if rng.random() < 0.3 else b""
    return bytearray(LFS_POINTER) + tail, "Git LFS pointer"


def splice(data: bytearray, seed: Seed, rng: random.Random,
           others: list[Seed]) -> tuple[bytearray, str]:
    donor = rng.choice(others).data
    length = rng.randrange(1, 256)
    start = rng.randrange(max(1, len(donor) - length))
    at = rng.randrange(max(1, len(data)))
    data[at : at + length] = donor[start : start + length]
    return data, f"splice {length} bytes at {at}"


def insert_delete(data: bytearray, seed: Seed, rng: random.Random,
                  others: list[Seed]) -> tuple[bytearray, str]:
    at = min(rng.choice(seed.layout.boundaries), len(data))
    length = rng.choice((1, 2, 4, 8, 64))
    if rng.random() < 0.5:
        data[at:at] = rng.randbytes(length)
        return data, f"insert {length} bytes at {at}"
    del data[at : at + length]
    return data, f"delete {length} bytes at {at}"


def grow(data: bytearray, seed: Seed, rng: random.Random,
         others: list[Seed]) -> tuple[bytearray, str]:
    """Past 1 MiB, so the reader maps the file instead of reading it."""
    extra = (1 << 20) + rng.randrange(4096)
    return data + bytes(extra), f"append {extra} zero bytes"


MUTATIONS: list[tuple[Mutation, int]] = [
    (flip_bits, 6), (flip_structure, 8), (truncate, 6), (vector_length, 6), (bad_offset, 10),
    (bad_vtable, 8), (scalar_value, 10), (vector_bytes, 6), (identifier, 1), (lfs_pointer, 1),
    (splice, 3), (insert_delete, 3), (grow, 1),
]


@dataclass
class Case:
    number: int
    seed: str
    steps: list[str]
    data: bytes


def make_case(number: int, campaign: int, seeds: list[Seed]) -> Case:
    """Case `number` of campaign `campaign`: the same numbers give the same bytes."""
    rng = random.Random(f"{campaign}:{number}")
    seed = rng.choice(seeds)
    data = bytearray(seed.data)
    steps = []
    functions = [m for m, _w in MUTATIONS]
    weights = [w for _m, w in MUTATIONS]
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        mutation = rng.choices(functions, weights)[0]
        if not data:
            break
        data, step = mutation(data, seed, rng, seeds)
        steps.append(step)
    return Case(number, seed.name, steps, bytes(data))


def load_seeds(paths: list[Path]) -> list[Seed]:
    """Distinct `.tflite` files under `paths`, with their layouts."""
    seeds: dict[bytes, Seed] = {}
    for base in paths:
        for path in sorted(base.rglob("*.tflite")) if base.is_dir() else [base]:
            data = path.read_bytes()
            key = hashlib.sha1(data).digest()
            if key not in seeds:
                seeds[key] = Seed(path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT)
                                  else str(path), data, layout(data))
    return list(seeds.values())


# Running a case --------------------------------------------------------------------------------


class CaseTimeout(BaseException):
    """A case ran past its time bound (a BaseException, so no `except Exception` hides it)."""


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise CaseTimeout


class Checker:
    """Read, analyse, run every rule and render every format, as `tpulint check` does."""

    def __init__(self, workdir: Path, timeout: float) -> None:
        from tpulint.engine.config import load_settings
        from tpulint.engine.registry import load_registry
        from tpulint.engine.selection import Selection

        self.settings = load_settings(None, isolated=True)
        self.settings.preview = True
        self.registry = load_registry(plugins=False)
        self.rules = Selection(self.registry, self.settings).enabled
        self.workdir = workdir
        self.timeout = timeout
        signal.signal(signal.SIGALRM, _on_alarm)

    def run(self, data: bytes) -> str:
        """The outcome ('result' or 'bad input: STEP'); raises when tpulint fails."""
        signal.setitimer(signal.ITIMER_REAL, self.timeout)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                return self._run(data)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)

    def _run(self, data: bytes) -> str:
        from tpulint.engine.check import check_model
        from tpulint.reader import ModelReadError, read_model
        from tpulint.report import FORMATS, renderer
        from tpulint.results import ModelResult, RunResult

        path = self.workdir / "case.tflite"
        path.write_bytes(data)
        try:
            model = read_model(path)
        except ModelReadError as error:
            if "\n" in str(error) or "\r" in str(error):
                raise AssertionError(f"error message spans lines: {error!s:.200}") from None
            result = ModelResult(str(path), error=str(error))
            outcome = f"bad input: {error.step.split()[0]}"
        else:
            result = check_model(model, str(path), self.rules, self.settings)
            outcome = "result"
        run = RunResult([result], self.settings, {rule.code: rule for rule in self.registry})
        for name in FORMATS:
            renderer(name)(run, io.StringIO(), "never")
        return outcome


def run_cli(data: bytes, workdir: Path, output_format: str, memory_mb: int) -> str | None:
    """Why the real CLI's handling of `data` is wrong, or None."""
    path = workdir / "cli-case.tflite"
    path.write_bytes(data)
    limit = memory_mb << 20

    def bound() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tpulint", "check", "--isolated", "--preview",
             "--format", output_format, str(path)],
            capture_output=True, text=True, errors="replace", timeout=60, cwd=workdir,
            preexec_fn=bound, env=env, check=False)
    except subprocess.TimeoutExpired:
        return "the CLI ran for more than 60 s"
    lines = done.stderr.splitlines()
    if done.returncode not in (0, 1, 3):
        return f"CLI exit {done.returncode}: {done.stderr[-500:]}"
    if "Traceback" in done.stderr or len(lines) > 1:
        return f"CLI wrote {len(lines)} stderr lines: {done.stderr[-500:]}"
    if done.returncode == 3 and not lines:
        return "CLI exit 3 without an error line"
    return None


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
