"""Which files a run checks: walk the given paths with `include` and `exclude` globs.

Paths are named relative to the configuration's root (`relative`), which is what globs match and
what reports and fingerprints print.

Links to directories are not followed, so a link loop or a link to a parent cannot make the
walk endless; a link that cannot be resolved keeps its spelled path, and the check reports it as
unreadable. A folder that cannot be listed is a problem of its own (`problems`), which the run
reports as bad input: a model never goes unchecked without a word.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

from tpulint.engine.config import Settings


def discover(paths: Iterable[str], settings: Settings, force_exclude: bool = False, *,
             settings_at: Callable[[Path], Settings] | None = None,
             problems: list[tuple[str, str]] | None = None) -> list[str]:
    """Model files under `paths`, in a stable order; explicit files are kept unless excluded
    with `force_exclude`, missing ones are kept so they are reported. `settings_at(directory)`
    gives the settings (include, exclude, root) that judge the entries of a directory;
    without it, `settings` judges them all. Folders that cannot be listed are added to
    `problems` as (path, reason)."""
    at = settings_at or (lambda _directory: settings)
    found: list[str] = []
    for raw in paths:
        path = Path(raw)
        if is_directory(path):
            found.extend(sorted(_walk(path, at, problems)))
        else:
            own = at(path.parent)
            if not (force_exclude and is_excluded(path, own, Path(own.root))):
                found.append(raw)
    return list(dict.fromkeys(found))


def is_directory(path: Path) -> bool:
    """`path.is_dir()`, false where the name itself cannot be looked up (too long, a link
    loop): the check then reports the name as unreadable."""
    try:
        return path.is_dir()
    except OSError:
        return False


def _walk(directory: Path, at: Callable[[Path], Settings],
          problems: list[tuple[str, str]] | None) -> Iterator[str]:
    def unlisted(error: OSError) -> None:
        if problems is not None:
            where = error.filename if error.filename is not None else str(directory)
            problems.append((os.fsdecode(where),
                             f"cannot list the folder: {error.strerror or error}"))

    for current, dirs, files in os.walk(directory, onerror=unlisted):
        base = Path(current)
        settings = at(base)
        root = Path(settings.root)
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
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):  # a link loop: keep the name as spelled
        resolved = Path(os.path.abspath(path))  # noqa: PTH100 (resolve() is what failed)
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
