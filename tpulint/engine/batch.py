"""Check many models: answers from the cache first, the rest in worker processes with `--jobs`.

`check_file` is the unit of work and `ModelResult` plain data, so a result computed in another
process, or read back from the cache, is the one the sequential run computes. Results come back
in the order of the paths given, whatever order the workers finish in.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from tpulint.engine.check import check_file
from tpulint.results import ModelResult

Progress = Callable[[int, int], None]  # (models done, models to check)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from concurrent.futures import ProcessPoolExecutor

    from tpulint.api import Rule
    from tpulint.engine.cache import Cache
    from tpulint.engine.config import Settings


def check_files(paths: list[str], rules: list[Rule], settings: Settings, *, jobs: int = 1,
                progress: Progress | None = None) -> list[ModelResult]:
    cache = _open_cache(rules, settings)
    results: dict[int, ModelResult] = {}
    keys: dict[int, str] = {}
    for number, path in enumerate(paths):
        key = cache.key(path) if cache else None
        cached = cache.get(key, path) if cache and key else None
        if cached is not None:
            results[number] = cached
        elif key:
            keys[number] = key
    todo = [number for number in range(len(paths)) if number not in results]
    workers = min(jobs if jobs > 0 else (os.cpu_count() or 1), len(todo))
    with contextlib.ExitStack() as stack:
        # Workers start before the progress bar's thread does: see _pool.
        fresh = _parallel(stack, paths, todo, rules, settings, workers) if workers > 1 else \
            ((number, check_file(paths[number], rules, settings)) for number in todo)
        if progress:
            progress(len(results), len(paths))
        for number, result in fresh:
            results[number] = result
            if cache and number in keys and not result.error:
                cache.put(keys[number], result)
            if progress:
                progress(len(results), len(paths))
    return [results[number] for number in range(len(paths))]


def _open_cache(rules: list[Rule], settings: Settings) -> Cache | None:
    if not settings.cache or os.environ.get("TPULINT_NO_CACHE"):
        return None
    from tpulint.engine.cache import Cache

    return Cache.open(rules, settings)


def _parallel(stack: contextlib.ExitStack, paths: list[str], todo: list[int], rules: list[Rule],
              settings: Settings, workers: int) -> Iterator[tuple[int, ModelResult]]:
    from concurrent.futures import as_completed

    pool = _pool(workers, rules)
    stack.callback(pool.shutdown, wait=True, cancel_futures=True)
    futures = {pool.submit(check_file, paths[number], rules, settings): number
               for number in todo}
    return ((futures[future], future.result()) for future in as_completed(futures))


def _pool(workers: int, rules: list[Rule]) -> ProcessPoolExecutor:
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
    return ProcessPoolExecutor(workers, mp_context=context)
