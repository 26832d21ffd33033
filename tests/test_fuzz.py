"""The fuzz harness (tools/fuzz.py): its mutations, a short campaign, and every crash it found.

The long run is `python tools/fuzz.py --cases 100000`; this suite runs a short budget of the
same cases and replays tests/fuzz_regressions/, which holds every input that ever failed.
"""

from __future__ import annotations

import random
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import tflite
from flatbuffer_layout import layout
from fuzz_check import CaseTimeout, Checker, run_cli
from model_mutations import LFS_POINTER, MUTATIONS, Mutation, Seed, load_seeds, make_case

ROOT = Path(__file__).resolve().parents[1]
REGRESSIONS = sorted((ROOT / "tests" / "fuzz_regressions").glob("*.tflite"))
GOOD = ROOT / "fixtures" / "TPU102" / "good_int8.tflite"
COMPILED = ROOT / "fixtures" / "TPU001" / "bad_compiled.tflite"
# A budget of about ten seconds on two cores; the campaign seed is fixed so CI is repeatable.
SHORT_CAMPAIGN = ["--cases", "2000", "--seed", "20240", "--jobs", "2", "--cli-every", "50"]


@pytest.fixture(scope="module")
def seeds() -> list[Seed]:
    return load_seeds([ROOT / "fixtures"])


@pytest.fixture(scope="module")
def checker(tmp_path_factory: pytest.TempPathFactory) -> Checker:
    return Checker(tmp_path_factory.mktemp("fuzz"), timeout=5.0)


def test_layout_finds_every_table_of_a_real_model() -> None:
    data = GOOD.read_bytes()
    reference = tflite.Model.GetRootAs(data, 0)
    subgraph = reference.Subgraphs(0)
    found = layout(data)
    # Model, its subgraph, operator codes, buffers, tensors with their quantization, operators
    # with their options: at least one table each.
    least = (2 + reference.OperatorCodesLength() + reference.BuffersLength()
             + subgraph.TensorsLength() + subgraph.OperatorsLength())
    assert len(found.tables) >= least
    assert found.offsets[0][:2] == (0, struct.unpack_from("<I", data)[0])
    for pos, target, _parent in found.offsets:
        assert 0 <= pos < target < len(data)
    for pos in found.lengths:
        count = struct.unpack_from("<I", data, pos)[0]
        assert pos + 4 + count <= len(data)
    assert found.boundaries[0] == 0 and found.boundaries[-1] == len(data)


@pytest.mark.parametrize("mutation", [m for m, _weight in MUTATIONS],
                         ids=lambda m: m.__name__)
def test_each_mutation_changes_the_seed(mutation: Mutation, seeds: list[Seed]) -> None:
    seed = next(s for s in seeds if s.data == GOOD.read_bytes())
    rng = random.Random(mutation.__name__)
    changed = 0
    for _ in range(20):
        data, step = mutation(bytearray(seed.data), seed, rng, seeds)
        assert step
        changed += bytes(data) != seed.data
    assert changed >= 15


def test_cases_are_reproducible(seeds: list[Seed]) -> None:
    first = [make_case(number, 7, seeds) for number in range(50)]
    again = [make_case(number, 7, seeds) for number in range(50)]
    assert [c.data for c in first] == [c.data for c in again]
    assert len({c.data for c in first}) > 45
    assert {c.data for c in first} != {make_case(n, 8, seeds).data for n in range(50)}


def test_short_campaign_finds_nothing() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "fuzz.py"), *SHORT_CAMPAIGN,
                           "--no-save"], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "2000 cases (40 through the CLI)" in done.stdout
    assert "\n0 failures" in done.stdout


@pytest.mark.parametrize("path", REGRESSIONS, ids=lambda p: p.stem)
def test_regression_case_in_process(path: Path, checker: Checker) -> None:
    outcome = checker.run(path.read_bytes())
    assert outcome == "result" or outcome.startswith("bad input: ")


@pytest.mark.parametrize("path", REGRESSIONS, ids=lambda p: p.stem)
def test_regression_case_through_the_cli(path: Path, tmp_path: Path) -> None:
    assert run_cli(path.read_bytes(), tmp_path, "concise", memory_mb=2048) is None


def test_every_regression_case_says_how_it_was_found() -> None:
    assert REGRESSIONS
    for path in REGRESSIONS:
        note = path.with_suffix(".txt").read_text(encoding="utf-8")
        assert "Fixed in" in note, path


@pytest.mark.parametrize(("data", "says"), [
    (b"", "the file is empty"),
    (LFS_POINTER, "Git LFS pointer"),
    (b"PK\x03\x04" + bytes(60), "zip archive"),
    (b"\x89HDF\r\n\x1a\n" + bytes(60), "HDF5"),
    (GOOD.read_bytes()[:7], "too short"),
    (GOOD.read_bytes()[:4] + b"TFL2" + GOOD.read_bytes()[8:], "no 'TFL3' identifier"),
    (GOOD.read_bytes()[:1000], "truncated or corrupt"),
], ids=["empty", "lfs", "zip", "hdf5", "seven-bytes", "identifier", "truncated"])
def test_bad_input_is_one_line_and_exit_3(data: bytes, says: str, tmp_path: Path) -> None:
    path = tmp_path / "model.tflite"
    path.write_bytes(data)
    done = subprocess.run([sys.executable, "-m", "tpulint", "check", "--isolated", str(path)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path, check=False)
    assert done.returncode == 3
    assert done.stdout == "No models checked; 1 file could not be read\n"  # the summary line
    assert done.stderr.count("\n") == 1 and says in done.stderr, done.stderr


def test_case_time_bound_stops_a_hang(checker: Checker, monkeypatch: pytest.MonkeyPatch
                                      ) -> None:
    def hang(path: object) -> None:
        while True:
            pass

    monkeypatch.setattr("tpulint.reader.read_model", hang)
    monkeypatch.setattr(checker, "timeout", 0.2)
    with pytest.raises(CaseTimeout):
        checker.run(GOOD.read_bytes())


def test_compiled_seed_is_read_with_its_package(checker: Checker) -> None:
    # The compiled fixture must reach the FlexBuffer decoder, or fuzzing would miss it.
    assert checker.run(COMPILED.read_bytes()) == "result"
    from tpulint.reader import read_model

    model = read_model(COMPILED)
    assert any(op.compiled is not None for op in model.main.operators)
