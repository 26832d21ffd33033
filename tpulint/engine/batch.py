"""Check many models: answers from the cache first, the rest in worker processes with `--jobs`.

`check_path` is the unit of work and `ModelResult` plain data, so a result computed in another
process, or read back from the cache, is the one the sequential run computes. Results come back
in the order of the paths given, whatever order the workers finish in.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator

from tpulint.engine.budget import OverBudget, time_budget
from tpulint.engine.budget import message as budget_message
from tpulint.engine.collector import collector_paused
from tpulint.engine.portable import RulesByCode, shippable, unshippable
from tpulint.reader import ModelReadError, read_model_bytes, read_source
from tpulint.results import ModelResult

Progress = Callable[[int, int], None]  # (models done, models to check)

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from tpulint.api import Rule
    from tpulint.engine.cache import Cache
    from tpulint.engine.config import Settings


def check_files(paths: list[str], rules: list[Rule], settings: Settings, *, jobs: int = 1,
                progress: Progress | None = None) -> list[ModelResult]:
    cache = _open_cache(rules, settings)
    results: dict[int, ModelResult] = {}
    workers = min(jobs if jobs > 0 else (os.cpu_count() or 1), len(paths))
    shipment = _shipment(rules) if workers > 1 else None
    with contextlib.ExitStack() as stack:
        # Workers start before the progress bar's thread does: see _pool.
        fresh: Iterator[tuple[int, tuple[str | None, ModelResult]]] = \
            _parallel(stack, paths, rules, shipment, settings, cache, workers) if shipment else \
            ((number, check_path(paths[number], rules, settings, cache))
             for number in range(len(paths)))
        if progress:
            progress(0, len(paths))
        for number, (key, result) in fresh:
            results[number] = result
            if cache and key and not result.error:
                cache.put(key, result)
            if progress:
                progress(len(results), len(paths))
    return [results[number] for number in range(len(paths))]


def check_path(path: str, rules: list[Rule], settings: Settings, cache: Cache | None
               ) -> tuple[str | None, ModelResult]:
    """The model's result, from the cache when it holds it, and the key to store a fresh
    result under (None for a cached one). The file is read once: the bytes hashed for the key
    are the bytes checked, so a file changed meanwhile never stores one content's result under
    another's key; a result that needed bytes read later (`FileBytes.filled`) is not stored."""
    try:
        data = read_source(path)
    except ModelReadError as error:
        return None, ModelResult(path=path, error=str(error))
    key = cache.key_of(data) if cache else None
    cached = cache.get(key, path) if cache and key else None
    if cached is not None:
        return None, cached
    # the analyses: only for a file not cached
    from tpulint.engine.check import check_model

    try:
        with time_budget(settings.time_budget), collector_paused():
            result = check_model(read_model_bytes(data, path), path, rules, settings)
    except ModelReadError as error:
        result = ModelResult(path=path, error=str(error))
    except OverBudget:
        return None, ModelResult(path=path, error=budget_message(path, settings.time_budget))
    return (None if data.filled else key), result


def _open_cache(rules: list[Rule], settings: Settings) -> Cache | None:
    if not settings.cache or os.environ.get("TPULINT_NO_CACHE"):
        return None
    from tpulint.engine.cache import Cache

    return Cache.open(rules, settings)


def _shipment(rules: list[Rule]) -> list[Rule] | RulesByCode | None:
    """The rules as workers can receive them; None (with a warning) to check in one process."""
    shipment = shippable(rules)
    if shipment is None:
        print(f"tpulint: warning: rule {unshippable(rules)} cannot be sent to worker processes; "
              "checking in one process", file=sys.stderr)
    return shipment


def _parallel(stack: contextlib.ExitStack, paths: list[str], rules: list[Rule],
              shipment: list[Rule] | RulesByCode, settings: Settings, cache: Cache | None,
              workers: int) -> Iterator[tuple[int, tuple[str | None, ModelResult]]]:
    """Results as workers finish. A worker that dies (killed, out of memory) breaks the pool;
    the models whose results were not back yet are then checked here, one by one."""
    from concurrent.futures import as_completed
    from concurrent.futures.process import BrokenProcessPool

    pool = _pool(workers, rules, shipment)
    stack.callback(pool.shutdown, wait=True, cancel_futures=True)
    futures = {pool.submit(_check_in_worker, paths[number], settings, cache): number
               for number in range(len(paths))}
    left = set(futures.values())
    try:
        for future in as_completed(futures):
            number = futures[future]
            outcome = future.result()
            left.discard(number)
            yield number, outcome
    except BrokenProcessPool:
        for number in sorted(left):
            yield number, check_path(paths[number], rules, settings, cache)


_worker_rules: list[Rule] = []


def _adopt(shipment: list[Rule] | RulesByCode) -> None:
    """A worker's initializer: the rules it checks with, once for all its models."""
    _worker_rules[:] = shipment.load() if isinstance(shipment, RulesByCode) else shipment


def _check_in_worker(path: str, settings: Settings, cache: Cache | None
                     ) -> tuple[str | None, ModelResult]:
    return check_path(path, _worker_rules, settings, cache)


def _pool(workers: int, rules: list[Rule], shipment: list[Rule] | RulesByCode
          ) -> ProcessPoolExecutor:
    """Worker processes, forked on Linux while this process has a single thread (they start
    with everything imported, and all of them start at the first submit, before any progress
    bar thread exists); otherwise from a fork server that has imported the rules once."""
    import multiprocessing
    import threading
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    context: multiprocessing.context.BaseContext
    if sys.platform == "linux" and "fork" in methods and threading.active_count() == 1:
        context = multiprocessing.get_context("fork")
    elif "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(sorted({"tpulint.engine.check",
                                               *(rule.check.__module__ for rule in rules)}))
    else:
        context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_adopt,
                               initargs=(shipment,))
