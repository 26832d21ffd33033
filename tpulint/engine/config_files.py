"""Which configuration file applies, and the tables it and the files its `extend` names hold.

The closest configuration file above a checked file applies to it (`tpulint.toml` and
`.tpulint.toml` take precedence over `pyproject.toml` in the same directory, which counts only
with a `[tool.tpulint]` section). A file read is a few kilobytes: a larger one, a link loop, an
`extend` that loops back or chains more than `MAX_EXTEND_DEPTH` files is refused in one line.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tpulint.record import Record
from tpulint.safeio import read_text

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from typing import Any

# A configuration file is a few kilobytes; a larger one (or `/dev/zero`) is refused, not read.
MAX_CONFIG_BYTES = 1 << 20
MAX_EXTEND_DEPTH = 32  # files one configuration may chain through `extend`
CONFIG_FILES = ("tpulint.toml", ".tpulint.toml", "pyproject.toml")


class ConfigError(Exception):
    """Invalid configuration: the CLI reports it in one line and exits 2."""


class ConfigTable(Record):
    """The tpulint settings of one configuration file, as written (`extend` left out)."""

    path: Path  # as found or named
    resolved: Path
    table: dict[str, Any]


def find_config(start: Path) -> Path | None:
    try:
        resolved = start.resolve()
    except (OSError, RuntimeError):  # a link loop: no configuration is found through it
        return None
    for directory in (resolved, *resolved.parents):
        found = config_here(directory)
        if found is not None:
            return found
    return None


def config_here(directory: Path) -> Path | None:
    """The configuration file in `directory` itself, if any."""
    for name in CONFIG_FILES:
        candidate = directory / name
        if is_file(candidate) and (name != "pyproject.toml" or _has_section(candidate)):
            return candidate
    return None


def is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a name too long to look up is no configuration file
        return False


def _has_section(pyproject: Path) -> bool:
    # A cheap text test first: parsing TOML on every run costs start-up time.
    try:
        return "[tool.tpulint" in pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def read_chain(path: Path) -> list[ConfigTable]:
    """The tables of `path` and of the files its `extend` chain names, the furthest first."""
    chain: list[ConfigTable] = []
    _read(path, seen=set(), chain=chain)
    return chain


def _read(path: Path, seen: set[Path], chain: list[ConfigTable]) -> None:
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a link loop (Python before 3.13)
        raise ConfigError(f"{path}: cannot read: Too many levels of symbolic links") from None
    if resolved in seen:
        raise ConfigError(f"{path}: `extend` loops back to this file")
    if len(seen) >= MAX_EXTEND_DEPTH:
        raise ConfigError(f"{path}: more than {MAX_EXTEND_DEPTH} files chained by `extend`")
    seen.add(resolved)
    try:
        text = read_text(resolved, MAX_CONFIG_BYTES)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not UTF-8 text (byte {error.start})") from None
    document = parse_toml(text, str(path))
    table = document.get("tool", {}).get("tpulint", {}) if path.name == "pyproject.toml" \
        else document
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.tpulint] must be a table")
    parent = table.get("extend")
    if parent is not None:
        _read(resolved.parent / str(parent), seen, chain)
    chain.append(ConfigTable(path, resolved, {k: v for k, v in table.items() if k != "extend"}))


def parse_toml(text: str, origin: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{origin}: invalid TOML: {error}") from None
    except RecursionError:
        raise ConfigError(f"{origin}: invalid TOML: nested too deeply") from None
