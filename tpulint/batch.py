"""Check many models: answers from the cache first, the rest in worker processes with `--jobs`.

`check_file` is the unit of work and `ModelResult` plain data, so a result computed in another
process, or read back from the cache, is the one the sequential run computes. Results come back
in the order of the paths given, whatever order the workers finish in.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from tpulint.engine import ModelResult, Progress, check_file

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tpulint.api import Rule
    from tpulint.cache import Cache
    from tpulint.config import Settings


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
    if progress:
        progress(len(results), len(paths))
    workers = min(_workers(jobs), len(todo))
    fresh = _parallel(paths, todo, rules, settings, workers) if workers > 1 else \
        ((number, check_file(paths[number], rules, settings)) for number in todo)
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
    from tpulint.cache import Cache

    return Cache.open(rules, settings)


def _workers(jobs: int) -> int:
    return jobs if jobs > 0 else (os.cpu_count() or 1)


def _parallel(paths: list[str], todo: list[int], rules: list[Rule], settings: Settings,
              workers: int) -> Iterator[tuple[int, ModelResult]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # forkserver: fork() in a process that may have threads (a progress bar) is unsafe.
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method)) as pool:
        futures = {pool.submit(check_file, paths[number], rules, settings): number
                   for number in todo}
        for future in as_completed(futures):
            yield futures[future], future.result()
