"""Fresh processes timed in turn, round after round, in a scratch directory (tools/benchmark.py).

Interleaving the commands compared makes load from other work on the machine weigh on all of
them alike. The scratch directory and PYTHONSAFEPATH keep a checkout's `tpulint/` from
shadowing the installed package, whichever directory the benchmark is started from.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from pathlib import Path

from benchmark_scripts import IN_PROCESS

ROOT = Path(__file__).resolve().parents[1]
# ../shared beside the checkout, or beside the directory holding worktrees of it
CORPUS = next((base / "shared" / "corpus" / "models" for base in ROOT.parents[:2]
               if (base / "shared" / "corpus" / "models").is_dir()),
              ROOT.parent / "shared" / "corpus" / "models")


def child_env(cache_dir: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONDONTWRITEBYTECODE", "TPULINT_NO_CACHE", "TPULINT_CACHE_DIR")}
    env["PYTHONSAFEPATH"] = "1"  # the working directory never shadows installed packages
    env["OPENBLAS_NUM_THREADS"] = "1"
    if cache_dir is not None:
        env["TPULINT_CACHE_DIR"] = str(cache_dir)
    return env


class Runner:
    """Runs commands as fresh processes in a scratch directory, interleaved, and keeps medians."""

    def __init__(self, python: str, scratch: Path, cache: bool) -> None:
        self.python = python
        self.scratch = scratch
        self.cache = cache
        script = Path(python).with_name("tpulint")
        self.tpulint = [str(script)] if script.is_file() else [python, "-m", "tpulint"]
        self.env = child_env(scratch / "cache")

    def check(self, *paths: str | Path, cache: bool | None = None) -> list[str]:
        use_cache = self.cache if cache is None else cache
        return [*self.tpulint, "check", "--isolated", "--format", "json", "--time-budget", "3600",
                *([] if use_cache else ["--no-cache"]), *map(str, paths)]

    def script(self, code: str, *args: str | Path) -> list[str]:
        return [self.python, "-c", code, *map(str, args)]

    def once(self, command: list[str]) -> float:
        """Seconds the command took; it must succeed (`check` may exit 1: findings), or the
        figure would time a failure (a reference missing from the measured interpreter)."""
        started = time.perf_counter()
        done = subprocess.run(command, cwd=self.scratch, env=self.env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, check=False)
        elapsed = time.perf_counter() - started
        if done.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(command)[:200]} exited {done.returncode}:\n"
                             f"{done.stderr.decode(errors='replace')[-2000:]}")
        return elapsed

    def medians(self, commands: dict[str, list[str]], runs: int, warmup: int = 1
                ) -> dict[str, float]:
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for round_number in range(warmup + runs):
            for name, command in commands.items():
                elapsed = self.once(command)
                if round_number >= warmup:
                    samples[name].append(elapsed)
        return {name: statistics.median(values) for name, values in samples.items()}

    def printed(self, command: list[str]) -> float:
        """The last number the command prints (seconds measured inside it)."""
        done = subprocess.run(command, cwd=self.scratch, env=self.env, capture_output=True,
                              text=True, check=True)
        return float(done.stdout.split()[-1])

    def loop_medians(self, scripts: dict[str, list[str]], runs: int) -> dict[str, float]:
        """Medians of the seconds each script prints, run in turn, round after round."""
        samples: dict[str, list[float]] = {name: [] for name in scripts}
        for _round in range(runs):
            for name, command in scripts.items():
                samples[name].append(self.printed(command))
        return {name: statistics.median(values) for name, values in samples.items()}

    def in_process(self, path: Path, repeats: int) -> float:
        return self.printed(self.script(IN_PROCESS, path, str(repeats)))
