"""`check`'s options about what a report shows: `--quiet`, `--show-all`, `--statistics`,
`--show-settings`, `--show-files`; and the check that every directory named holds a model."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from tpulint.engine.config import Settings
    from tpulint.report import ReportOptions
    from tpulint.results import RunResult


def add_display_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="no summary line (findings and errors only)")
    parser.add_argument("--show-all", action="store_true",
                        help="list every finding instead of folding repeats and consequences")
    parser.add_argument("--statistics", action="store_true",
                        help="print the number of findings per rule instead of the findings")
    parser.add_argument("--show-settings", action="store_true",
                        help="print the settings that apply, and exit")
    parser.add_argument("--show-files", action="store_true",
                        help="print the model files that would be checked, and exit")


def report_options(args: argparse.Namespace) -> ReportOptions:
    from tpulint.report import ReportOptions

    return ReportOptions(show_all=args.show_all, quiet=args.quiet, statistics=args.statistics)


def show(args: argparse.Namespace, settings: Settings,
         settings_at: Callable[[Path], Settings] | None = None) -> None:
    """`--show-settings` and `--show-files`, on standard output: each configuration that
    applies, with the files it applies to."""
    from tpulint.engine.discover import discover
    from tpulint.engine.projects import by_settings
    from tpulint.report import show as shown

    at = settings_at or (lambda _directory: settings)
    files = discover(args.paths, settings, args.force_exclude, settings_at=at)
    groups = by_settings(files, at)
    if not groups:  # no model found: the settings that would apply to the paths named
        starts = [Path(raw) if Path(raw).is_dir() else Path(raw).parent for raw in args.paths]
        groups = list({id(at(start)): (at(start), []) for start in starts}.values())
    for number, (own, found) in enumerate(groups):
        if args.show_settings:
            sys.stdout.write("\n" if number else "")
            shown.show_settings(own, sys.stdout, found)
    if args.show_files:
        shown.show_files(groups, sys.stdout)


def empty_directories(paths: list[str], result: RunResult) -> list[str]:
    """Directories named on the command line with no model under them: a mistyped path in CI
    must not pass green. (Files excluded with `--force-exclude` are not errors.)"""
    from tpulint.engine.discover import is_directory

    checked = [Path(model.path).absolute() for model in result.models]  # symlinks kept
    return [raw for raw in paths if raw != "." and is_directory(Path(raw)) and
            not any(found.is_relative_to(Path(raw).absolute()) for found in checked)]
