"""Which settings each checked file gets: the closest configuration above it, like Ruff.

Each model is checked with the configuration file found from its own directory upwards (its
baseline, ignores, excludes, compiler options, board, fail-on), with the command line's
options on top. A file with no configuration above it gets the working directory's. An explicit
`--config FILE` or `--isolated` gives every file the same settings. Settings are built once per
configuration file and directories are looked up once, so a large tree costs a few `stat`s per
directory.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tpulint.engine.config import ConfigError, Settings
from tpulint.engine.config_files import config_here

# Distinct configuration files one run may read: each is at most `MAX_CONFIG_BYTES`, and a
# tree planted with a configuration in every folder must not make a run read gigabytes.
MAX_CONFIGURATIONS = 1000


class Projects:
    """Settings by directory. `make(directory)` builds the settings whose configuration is
    found from `directory` upwards; `fixed`: every file gets the same (`--config FILE`,
    `--isolated`)."""

    def __init__(self, make: Callable[[Path], Settings], *, fixed: bool) -> None:
        self._make = make
        self._fixed = make(Path.cwd()) if fixed else None
        self._by_config: dict[Path | None, Settings] = {}
        self._config_of: dict[Path, Path | None] = {}
        self._at: dict[Path, Settings] = {}

    def at(self, directory: Path) -> Settings:
        """The settings for the files in `directory`."""
        if self._fixed is not None:
            return self._fixed
        known = self._at.get(directory)  # as named: no path resolution for each file
        if known is None:
            known = self._at[directory] = self._settings(directory)
        return known

    def _settings(self, directory: Path) -> Settings:
        config = self._closest(directory) or self._closest(Path.cwd())
        settings = self._by_config.get(config)
        if settings is None:
            if len(self._by_config) >= MAX_CONFIGURATIONS:
                raise ConfigError(f"more than {MAX_CONFIGURATIONS} configuration files apply "
                                  "to this run; check fewer folders at once")
            settings = self._make(config.parent if config is not None else Path.cwd())
            self._by_config[config] = settings
        return settings

    def _closest(self, directory: Path) -> Path | None:
        """The configuration file that applies in `directory`: its own, else the closest
        above it. Every directory on the way is remembered."""
        start = directory.resolve()
        walked: list[Path] = []
        found: Path | None = None
        for current in (start, *start.parents):
            if current in self._config_of:
                found = self._config_of[current]
                break
            walked.append(current)
            found = config_here(current)
            if found is not None:
                break
        for current in walked:
            self._config_of[current] = found
        return found


def by_settings(files: list[str], settings_at: Callable[[Path], Settings],
                first: Settings | None = None) -> list[tuple[Settings, list[str]]]:
    """`files` grouped by the settings that apply to them, in order of first appearance
    (`first` leads, with no file if none of them is its)."""
    groups: dict[int, tuple[Settings, list[str]]] = {}
    if first is not None:
        groups[id(first)] = (first, [])
    for path in files:
        own = settings_at(Path(path).parent)
        groups.setdefault(id(own), (own, []))[1].append(path)
    return list(groups.values())
