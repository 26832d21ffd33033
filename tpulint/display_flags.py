"""`check`'s options about what a report shows: `--quiet`, `--show-all`, `--statistics`,
`--show-settings`, `--show-files`; and the check that every directory named holds a model."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

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


def show(args: argparse.Namespace, settings: Settings) -> None:
    """`--show-settings` and `--show-files`, on standard output."""
    from tpulint.engine.discover import discover
    from tpulint.report import show as shown

    if args.show_settings:
        shown.show_settings(settings, sys.stdout)
    if args.show_files:
        shown.show_files(discover(args.paths, settings, args.force_exclude), settings,
                         sys.stdout)


def empty_directories(paths: list[str], result: RunResult) -> list[str]:
    """Directories named on the command line with no model under them: a mistyped path in CI
    must not pass green. (Files excluded with `--force-exclude` are not errors.)"""
    from tpulint.engine.discover import is_directory

    checked = [Path(model.path).absolute() for model in result.models]  # symlinks kept
    return [raw for raw in paths if raw != "." and is_directory(Path(raw)) and
            not any(found.is_relative_to(Path(raw).absolute()) for found in checked)]
