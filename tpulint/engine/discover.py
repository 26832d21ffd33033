"""Which files a run checks: walk the given paths with `include` and `exclude` globs.

Paths are named relative to the configuration's root (`relative`), which is what globs match and
what reports and fingerprints print.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

from tpulint.engine.config import Settings


def discover(paths: Iterable[str], settings: Settings,
             force_exclude: bool = False) -> list[str]:
    """Model files under `paths`, in a stable order; explicit files are kept unless excluded
    with `force_exclude`, missing ones are kept so they are reported."""
    found: list[str] = []
    root = Path(settings.root)
    for raw in paths:
        path = Path(raw)
        if is_directory(path):
            found.extend(sorted(_walk(path, settings, root)))
        elif not (force_exclude and is_excluded(path, settings, root)):
            found.append(raw)
    return list(dict.fromkeys(found))


def is_directory(path: Path) -> bool:
    """`path.is_dir()`, false where the name itself cannot be looked up (too long, a link
    loop): the check then reports the name as unreadable."""
    try:
        return path.is_dir()
    except OSError:
        return False


def _walk(directory: Path, settings: Settings, root: Path) -> Iterator[str]:
    for current, dirs, files in os.walk(directory):
        base = Path(current)
        dirs[:] = sorted(d for d in dirs if not is_excluded(base / d, settings, root))
        for name in files:
            candidate = base / name
            if is_included(candidate, settings, root) and \
                    not is_excluded(candidate, settings, root):
                yield str(candidate)


def is_included(path: Path, settings: Settings, root: Path) -> bool:
    """`include` globs: one without `/` matches the file name, others the root-relative path."""
    return any(fnmatch(path.name, pattern) if "/" not in pattern
               else glob_match(relative(path, root), pattern) for pattern in settings.include)


def relative(path: Path, root: Path) -> str:
    """The stable name of a file, which globs in the configuration match and reports and
    fingerprints use: relative to the configuration's root, else to the working directory,
    else as given."""
    resolved = path.resolve()
    for base in (root.resolve(), Path.cwd()):
        if resolved.is_relative_to(base):
            return resolved.relative_to(base).as_posix()
    return path.as_posix()


def is_excluded(path: Path, settings: Settings, root: Path) -> bool:
    rel = relative(path, root)
    return any(glob_match(rel, pattern) for pattern in settings.excluded)


def glob_match(path: str, pattern: str) -> bool:
    """Ruff-style globs: a pattern without `/` matches any path component or the file name;
    `**/` matches any number of leading directories."""
    pure = PurePosixPath(path)
    if "/" not in pattern.rstrip("/"):
        return any(fnmatch(part, pattern.rstrip("/")) for part in pure.parts)
    if pattern.startswith("**/"):
        rest = pattern[3:]
        parts = pure.parts
        return any(glob_match("/".join(parts[i:]), rest) for i in range(len(parts)))
    return fnmatch(path, pattern) or fnmatch(path, pattern.rstrip("*").rstrip("/") + "/*")
