"""The hostile-repository fuzzer (tools/fuzz_inputs.py): its invariants, a short campaign of each
generator, and every failure it found, as a fixed case.

The long run is `python tools/fuzz_inputs.py --cases 100000`; here each generator runs a short,
seeded budget, and the cases below replay what the campaigns found (each names its case).
"""

from __future__ import annotations

import importlib.util
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import fuzz_inputs
import hostile_inputs
import hostile_tamper
import pytest
from bounded_run import Outcome
from fuzz_inputs_check import run_case
from hostile_inputs import FAILING, Scenario, special, write

ROOT = Path(__file__).resolve().parents[1]
# About a dozen seconds on two cores; seeded, so CI is repeatable.
SHORT = {"config": 40, "cache": 20, "files": 40, "compiler": 6}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """This process prepared as a fuzz worker is, and put back afterwards: the worker's memory
    limit, cached parser and registry must not reach the tests that run after these."""
    import gc
    import resource

    import tpulint.cli
    import tpulint.engine.registry
    import tpulint.verify.settings

    saved = (resource.getrlimit(resource.RLIMIT_AS), tpulint.cli.build_parser,
             tpulint.engine.registry.load_registry, tpulint.verify.settings.load_registry)
    if not fuzz_inputs._workdir:
        fuzz_inputs._start_worker()
    yield tmp_path_factory.mktemp("inputs")
    limit, tpulint.cli.build_parser, tpulint.engine.registry.load_registry, \
        tpulint.verify.settings.load_registry = saved
    resource.setrlimit(resource.RLIMIT_AS, limit)
    gc.unfreeze()


def check(scenario: Scenario, workdir: Path, fork: bool = False) -> Outcome:
    problems, outcome = run_case(scenario, workdir, fork=fork)
    assert problems == [], (problems, outcome.stderr)
    return outcome


def failing_model(argv: list[str], allowed: set[int], *setup: hostile_inputs.Setup,
                  **extra: object) -> Scenario:
    return Scenario("test", ["test"], argv, frozenset(allowed),
                    [write("project/m.tflite", FAILING), *setup], **extra)  # type: ignore[arg-type]


# Two generators find what other parts of tpulint fix: names that are not UTF-8 in every report
# format and link loops in walked trees; compilers that hang, flood or lie to `verify`.
NEEDS = {"files": "tpulint.stdout", "compiler": "tpulint.verify.process"}


@pytest.mark.parametrize("kind", sorted(SHORT))
def test_short_campaign_finds_nothing(kind: str) -> None:
    if kind in NEEDS and importlib.util.find_spec(NEEDS[kind]) is None:
        pytest.skip(f"the {kind} generator's failures are fixed with {NEEDS[kind]}")
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "fuzz_inputs.py"), "--cases",
                           str(SHORT[kind]), "--seed", "7", "--jobs", "2", "--kind", kind],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert f"{SHORT[kind]} cases in" in done.stdout and "\n0 failures" in done.stdout


def test_scenarios_are_reproducible() -> None:
    first = [fuzz_inputs.make_scenario(n, 3) for n in range(100)]
    again = [fuzz_inputs.make_scenario(n, 3) for n in range(100)]
    assert [(s.kind, s.steps, s.argv) for s in first] == [(s.kind, s.steps, s.argv)
                                                          for s in again]
    assert {s.kind for s in first} == set(fuzz_inputs.GENERATORS)


# The invariants can fail -----------------------------------------------------------------------


def test_a_clean_pass_where_a_finding_is_due_is_caught(workdir: Path) -> None:
    scenario = failing_model(["check", "--format", "json", "--exit-zero", "m.tflite"], {0, 1},
                             failing=("m.tflite",))
    problems, _outcome = run_case(scenario, workdir, fork=False)
    assert problems == []
    scenario.allowed = frozenset({0})
    scenario.argv = ["check", "--format", "json", "--select", "TPU305", "m.tflite"]
    problems, _outcome = run_case(scenario, workdir, fork=False)
    assert "'m.tflite' is not reported with its findings" in problems, problems


def test_a_changed_user_file_is_caught(workdir: Path) -> None:
    scenario = failing_model(["check", "--format", "json", "-o", "m.tflite", "m.tflite"], {1})
    problems, _outcome = run_case(scenario, workdir, fork=False)
    assert any(p.startswith("changed 'project/m.tflite'") for p in problems), problems


def test_a_hang_in_the_worker_is_stopped_and_caught(workdir: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def hang(args: object) -> int:
        while True:
            pass

    monkeypatch.setattr("tpulint.check_command.run", hang)
    scenario = failing_model(["check", "m.tflite"], {1}, seconds=1.0)
    problems, outcome = run_case(scenario, workdir, fork=False)
    assert outcome.code is None and outcome.seconds < 5
    assert problems[0] == "still running after 1 s (killed)"


def test_a_hung_compiler_is_killed_with_its_process_group(workdir: Path) -> None:
    def install(case: Path) -> None:
        (case / "bin").mkdir()
        (case / "bin" / "edgetpu_compiler").write_bytes(b"#!/bin/sh\nsleep 600\n")
        (case / "bin" / "edgetpu_compiler").chmod(0o755)

    scenario = failing_model(["verify", "--isolated", "--no-run", "-t", "60", "--compiler",
                              "@bin/edgetpu_compiler", "m.tflite"], {1}, install, seconds=1.0)
    scenario.kind = "compiler"  # always in a fork of its own
    problems, outcome = run_case(scenario, workdir)
    assert outcome.code is None and outcome.seconds < 5
    assert problems[0] == "still running after 1 s (killed)"


# What the campaigns found, fixed ---------------------------------------------------------------


@pytest.mark.parametrize("length", [2, 32, 33, 1000])
def test_an_extend_chain_is_followed_or_refused_in_one_line(length: int, workdir: Path
                                                            ) -> None:
    # Campaign 0, case 136: a chain of 3,000 files exhausted the stack ("internal error").
    files = [write(f"project/c{i}.toml", f'extend = "c{i + 1}.toml"\n'.encode() if i + 1 <
                   length else b'fail-on = "error"\n') for i in range(1, length)]
    scenario = failing_model(["check", "--format", "json", "m.tflite"],
                             {1} if length <= 32 else {2},
                             write("project/tpulint.toml", b'extend = "c1.toml"\n'), *files)
    outcome = check(scenario, workdir)
    if length > 32:
        assert "more than 32 files chained by `extend`" in outcome.stderr


def test_extend_through_a_link_loop_is_a_configuration_error(workdir: Path) -> None:
    # Campaign 1, case 27: `extend` naming a link loop raised RuntimeError ("internal error").
    scenario = failing_model(["check", "m.tflite"], {2}, special("project/target", "loop"),
                             write("project/tpulint.toml", b'extend = "target"\n'))
    assert "symbolic link" in check(scenario, workdir).stderr


def test_a_name_too_long_for_the_file_system_is_a_read_error(workdir: Path) -> None:
    # Campaign 0, case 169: "File name too long" from is_dir() was an internal error.
    name = "x" * 300 + ".tflite"
    scenario = failing_model(["check", "--format", "json", "--", "m.tflite", name], {3},
                             stderr_lines=1)
    outcome = check(scenario, workdir)
    assert "File name too long" in outcome.stderr


@pytest.mark.parametrize("target", ["fifo", "device", "/dev/null", "directory"])
def test_write_baseline_never_writes_into_a_special_file(target: str, workdir: Path) -> None:
    # Campaign 9, case 33: --write-baseline with `baseline` naming a FIFO blocked for ever.
    path = target if target.startswith("/dev/") else "target"
    setup = [] if target.startswith("/dev/") else [special("project/target", target)]
    scenario = failing_model(["check", "--write-baseline=", "m.tflite"], {2}, *setup,
                             write("project/tpulint.toml", f'baseline = "{path}"\n'.encode()),
                             seconds=10.0)
    check(scenario, workdir)


@pytest.mark.parametrize("how", ["no findings", "no operators", "other severity"])
def test_a_cache_entry_edited_by_hand_is_not_believed(how: str, workdir: Path) -> None:
    # Campaign 0, case 186: an entry whose findings were removed turned exit 1 into exit 0.
    scenario = hostile_tamper.tampered_cache(random.Random(0))
    scenario.tamper = hostile_tamper.tamper_entry(how, random.Random(0))
    check(scenario, workdir)


def test_a_link_planted_as_a_cache_shard_is_not_followed(workdir: Path) -> None:
    # Campaign 9, case 1: reading an entry through it touched the file it points at.
    scenario = hostile_tamper.tampered_cache(random.Random(0))
    scenario.tamper = hostile_tamper.tamper_folder("shard is a link")
    check(scenario, workdir)


def test_a_cache_entry_over_the_cap_is_never_built_whole() -> None:
    # tools/hostile_memory.py, many-findings-worst: 30,000 findings naming one 16 KiB tensor
    # made an entry of gigabytes in memory before the size cap refused it (killed at 120 s).
    from tpulint.engine import cache_entry

    name = "n" * (16 << 10)
    assert cache_entry.entry_text({"findings": [name] * 100_000}) is None  # 1.6 GB whole
    assert cache_entry.entry_text({"findings": [name]}) == '{"findings":["' + name + '"]}'


@pytest.mark.parametrize(("line", "says"), [
    ('"select\\nignore" = 1', "unknown setting 'select\\nignore'"),
    ("host = []", "host must be one of"),
    ("board = {a = 1}", "board must be one of"),
])
def test_a_wrongly_typed_or_named_key_is_one_line(line: str, says: str, workdir: Path) -> None:
    # Seed 14, cases 2786 (a key holding a line break: two stderr lines) and 6340 (a list as
    # the host: "internal error: unhashable type").
    scenario = failing_model(["check", "m.tflite"], {2},
                             write("project/tpulint.toml", line.encode() + b"\n"))
    assert says in check(scenario, workdir).stderr
