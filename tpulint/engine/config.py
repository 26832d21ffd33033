"""Settings from `[tool.tpulint]` in pyproject.toml, `tpulint.toml`, and the command line.

The closest configuration file above a checked file applies to it (`tpulint.engine.projects`;
which file that is, and its `extend` chain: `tpulint.engine.config_files`); `extend` inherits
another file first. Command-line options override files. Unknown keys are errors, so a typo never
silently disables a setting.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from tpulint.analysis import limits
from tpulint.analysis.boards import BOARDS, DEFAULT_BOARD, HOSTS
from tpulint.analysis.compiler_options import CompilerOptions, updated
from tpulint.engine.budget import DEFAULT_SECONDS as DEFAULT_TIME_BUDGET
from tpulint.engine.budget import valid as budget_valid
from tpulint.engine.config_files import ConfigError as ConfigError  # its importers name it here
from tpulint.engine.config_files import find_config, is_file, parse_toml, read_chain
from tpulint.record import Record, field

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from typing import Any

FAIL_LEVELS = ("info", "warning", "error", "none")
SEVERITIES = ("info", "warning", "error")
DEFAULT_EXCLUDE = (".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__",
                   ".tox", ".nox", "build", "dist", "site-packages")


class IgnoreOp(Record):
    """Suppress codes on matching operators: `[[tool.tpulint.ignore-ops]]`."""

    codes: tuple[str, ...]
    reason: str
    path: str = "**"
    op: str | None = None  # operator type (CONV_2D) or custom code
    tensor: str | None = None  # regular expression on the operator's first output name


class Settings(Record, frozen=False):
    select: list[str] = field(default_factory=lambda: ["ALL"])
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    extend_ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    ignore_ops: list[IgnoreOp] = field(default_factory=list)
    fail_on: str = "warning"
    severity: dict[str, str] = field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    include: list[str] = field(default_factory=lambda: ["*.tflite"])
    exclude: list[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDE))
    extend_exclude: list[str] = field(default_factory=list)
    output_format: str = "auto"
    preview: bool = False
    baseline: str | None = None
    runtime: int = limits.DEFAULT_RUNTIME
    board: str = DEFAULT_BOARD  # for the latency estimate
    host: str | None = None  # host CPU class; None: the board's own
    cache: bool = True
    time_budget: float = DEFAULT_TIME_BUDGET  # seconds one model may take to check
    require_plugins: list[str] = field(default_factory=list)
    fix: dict[str, Any] = field(default_factory=dict)
    verify: dict[str, Any] = field(default_factory=dict)
    compiler: dict[str, Any] = field(default_factory=dict)  # [tool.tpulint.compiler], but -m
    source: str | None = None  # the file these settings came from
    root: str = "."  # the directory paths in the configuration are relative to

    @property
    def excluded(self) -> list[str]:
        return [*self.exclude, *self.extend_exclude]

    @property
    def compiler_options(self) -> CompilerOptions:
        """The compiler options the prediction assumes (`runtime` is `min-runtime-version`)."""
        return updated(CompilerOptions(min_runtime_version=self.runtime), self.compiler)


_KEYS = {name.replace("_", "-"): name for name in Settings._fields
         if name not in ("source", "root")}
_LISTS = {"select", "extend-select", "ignore", "extend-ignore", "include", "exclude",
          "extend-exclude", "require-plugins"}
_TABLES = {"per-file-ignores", "severity", "rules", "fix", "verify", "compiler"}


def load_settings(config: list[str] | None = None, isolated: bool = False,
                  start: Path | None = None) -> Settings:
    """Settings from the closest configuration file, then `--config` files and KEY=VALUE pairs."""
    files, overrides = split_config_arguments(config)
    if len(files) > 1:
        raise ConfigError("--config takes one file; pass other settings as KEY=VALUE")
    settings = Settings()
    path = Path(files[0]) if files else (None if isolated else find_config(start or Path.cwd()))
    for found in read_chain(path) if path is not None else []:
        _apply(settings, found.table, str(found.path))
        settings.source = str(found.path)
        settings.root = str(found.resolved.parent)
    for item in overrides:
        key, _, value = item.partition("=")
        _apply(settings, parse_toml(f"{key.strip()} = {value.strip()}", "--config"), "--config")
    env_format = os.environ.get("TPULINT_OUTPUT_FORMAT")
    if env_format:
        settings.output_format = env_format
    return settings


def split_config_arguments(config: list[str] | None) -> tuple[list[str], list[str]]:
    """`--config` values: (configuration files, KEY=VALUE settings)."""
    overrides = [item for item in (config or []) if "=" in item and not is_file(Path(item))]
    return [item for item in (config or []) if item not in overrides], overrides


def _apply(settings: Settings, table: Mapping[str, Any], origin: str) -> None:
    for key, value in table.items():
        if key not in _KEYS:
            raise ConfigError(f"{origin}: unknown setting {key!r} (known: "
                              f"{', '.join(sorted(_KEYS))})")
        attribute = _KEYS[key]
        if key in _LISTS:
            value = _string_list(value, key, origin)
        elif key in _TABLES:
            if not isinstance(value, dict):
                raise ConfigError(f"{origin}: '{key}' must be a table")
            if key == "per-file-ignores":
                value = {glob: _string_list(codes, f"per-file-ignores '{glob}'", origin)
                         for glob, codes in value.items()}
            elif key == "severity":
                _check_severities(value, origin)
            elif key == "compiler":
                value = _compiler_table(settings, value, origin)
            merged = dict(getattr(settings, attribute))
            merged.update(value)
            value = merged
        elif key == "ignore-ops":
            value = settings.ignore_ops + [_ignore_op(entry, origin) for entry in
                                           _table_list(value, key, origin)]
        elif key == "fail-on":
            if value not in FAIL_LEVELS:
                raise ConfigError(f"{origin}: fail-on must be one of {', '.join(FAIL_LEVELS)}")
        elif key in ("preview", "cache"):
            if not isinstance(value, bool):
                raise ConfigError(f"{origin}: '{key}' must be true or false")
        elif key in ("board", "host"):
            _check_choice(key, value, origin)
        elif key == "time-budget":
            if not budget_valid(value):
                raise ConfigError(f"{origin}: time-budget must be a number of seconds above 0")
        elif key == "runtime":
            if not isinstance(value, int) or not 10 <= value <= 14:
                raise ConfigError(f"{origin}: runtime must be an Edge TPU runtime from 10 to 14")
        elif not isinstance(value, str):
            raise ConfigError(f"{origin}: '{key}' must be a string")
        setattr(settings, attribute, value)


def _check_choice(key: str, value: Any, origin: str) -> None:
    known = BOARDS if key == "board" else HOSTS
    if not isinstance(value, str) or value not in known:
        raise ConfigError(f"{origin}: {key} must be one of {', '.join(known)}, not {value!r}")


def _compiler_table(settings: Settings, table: dict[str, Any], origin: str) -> dict[str, Any]:
    """Validate `[tool.tpulint.compiler]`; its `min-runtime-version` is the `runtime` setting."""
    try:
        updated(CompilerOptions(), table)
    except ValueError as error:
        raise ConfigError(f"{origin}: {error}") from None
    table = dict(table)
    if "min-runtime-version" in table:
        settings.runtime = table.pop("min-runtime-version")
    return table


def _check_severities(table: dict[str, Any], origin: str) -> None:
    for code, level in table.items():
        if level not in SEVERITIES:
            raise ConfigError(f"{origin}: severity of {code} must be one of "
                              f"{', '.join(SEVERITIES)}, not {level!r}")


def _string_list(value: Any, key: str, origin: str) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{origin}: '{key}' must be a list of strings")
    return list(value)


def _table_list(value: Any, key: str, origin: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"{origin}: '{key}' must be an array of tables")
    return value


def _ignore_op(entry: dict[str, Any], origin: str) -> IgnoreOp:
    unknown = set(entry) - {"path", "op", "tensor", "codes", "reason"}
    if unknown:
        raise ConfigError(f"{origin}: ignore-ops entries take path, op, tensor, codes and "
                          f"reason, not {', '.join(sorted(unknown))}")
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ConfigError(f"{origin}: every ignore-ops entry needs a reason")
    if "op" not in entry and "tensor" not in entry:
        raise ConfigError(f"{origin}: an ignore-ops entry needs 'op' or 'tensor'")
    for key in ("path", "op", "tensor"):
        if key in entry and not isinstance(entry[key], str):
            raise ConfigError(f"{origin}: ignore-ops '{key}' must be a string")
    if "tensor" in entry:
        try:
            re.compile(entry["tensor"])
        except re.error as error:
            raise ConfigError(f"{origin}: ignore-ops tensor {entry['tensor']!r} is not a "
                              f"regular expression: {error}") from None
    return IgnoreOp(
        codes=tuple(_string_list(entry.get("codes", []), "codes", origin)) or ("ALL",),
        reason=reason, path=str(entry.get("path", "**")),
        op=entry.get("op"), tensor=entry.get("tensor"),
    )
