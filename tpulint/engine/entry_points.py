"""Which rule packages are installed: the `tpulint.rules` entry points of the distributions on
`sys.path`, read without importing `importlib.metadata` (or any rule)."""

from __future__ import annotations

import os
import sys

BUILTIN_PREFIX = "TPU"  # the entry point of tpulint's own rules
ENTRY_POINT_GROUP = "tpulint.rules"


def entry_points() -> list[tuple[str, str]]:
    """(name, module) of each `tpulint.rules` entry point of the installed distributions.

    Reads the `entry_points.txt` of each distribution on `sys.path` directly, as
    `importlib.metadata.entry_points(group=...)` does (the first distribution of a name wins):
    importing `importlib.metadata` takes longer than the rest of `tpulint check`'s start-up.
    """
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for directory in sys.path:
        try:
            entries = sorted((entry.name, entry.path) for entry in os.scandir(directory or ".")
                             if entry.name.endswith((".dist-info", ".egg-info")))
        except OSError:  # not a directory: a zip file, a path hook's name, a missing entry
            continue
        for file_name, path in entries:
            name = _normalize(file_name.rpartition(".")[0].partition("-")[0])
            if name in seen:
                continue
            seen.add(name)
            # (os.path, not pathlib: `tpulint rules` does not import pathlib otherwise)
            found.extend(_group_entries(os.path.join(path, "entry_points.txt")))  # noqa: PTH118
    return found


def _normalize(name: str) -> str:
    """A distribution's name as importlib.metadata compares them (PEP 503, with underscores)."""
    return "_".join(part for part in name.lower().replace("-", "_").replace(".", "_").split("_")
                    if part)


def _group_entries(path: str) -> list[tuple[str, str]]:
    """The `tpulint.rules` section of an `entry_points.txt` (an INI file)."""
    try:
        with open(path, encoding="utf-8") as file:  # noqa: PTH123 (as above)
            text = file.read()
    except (OSError, UnicodeDecodeError):
        return []
    if f"[{ENTRY_POINT_GROUP}]" not in text:
        return []
    entries = []
    section = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif section == ENTRY_POINT_GROUP and "=" in line:
            name, _, value = line.partition("=")
            entries.append((name.strip(), value.strip()))
    return entries
