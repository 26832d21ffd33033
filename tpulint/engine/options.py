"""Command-line options that several commands share, and the settings they produce.

Each builder declares one group of options the same way for `check`, `fix` and `verify`; a
command passes its own help text where the meaning differs. `load_cli_settings` reads the
configuration files, then lets the command line's options win.
"""

from __future__ import annotations

import argparse
from pathlib import Path

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from tpulint.engine.config import Settings
    from tpulint.engine.projects import Projects

COLORS = ("auto", "always", "never")
FAIL_ON_LEVELS = ("info", "warning", "error", "none")
# Options whose value replaces the configured setting of the same name.
SETTING_OPTIONS = ("select", "extend_select", "ignore", "extend_ignore", "fail_on", "preview",
                   "runtime", "output_format", "board", "host", "time_budget")


def add_config_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument("--config", action="append", metavar="FILE|KEY=VALUE",
                        help="configuration file, or a setting as KEY=VALUE (repeatable)")
    parser.add_argument("--isolated", action="store_true", help="ignore configuration files")


def add_plugins_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument("--no-plugins", action="store_true", help="load only the built-in rules")


def add_color_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument("--color", choices=COLORS, default="auto")


def add_exit_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup, *,
                     fail_on_help: str, exit_zero_help: str) -> None:
    parser.add_argument("--fail-on", choices=FAIL_ON_LEVELS, help=fail_on_help)
    parser.add_argument("--exit-zero", action="store_true", help=exit_zero_help)


def add_fix_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup, *,
                    diff_help: str, unsafe_help: str, wrote_help: str) -> None:
    parser.add_argument("--unsafe-fixes", action="store_true", help=unsafe_help)
    parser.add_argument("--diff", action="store_true", help=diff_help)
    parser.add_argument("--exit-non-zero-on-fix", action="store_true", help=wrote_help)


def add_board_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    from tpulint.analysis.boards import BOARDS, HOSTS

    parser.add_argument("--board", choices=list(BOARDS),
                        help="board for the latency estimate (default: usb3)")
    parser.add_argument("--host", choices=list(HOSTS),
                        help="host CPU class for CPU operators (default: the board's)")


def load_cli_settings(args: argparse.Namespace) -> Settings:
    return run_settings(cli_projects(args), args)


def run_settings(projects: Projects, args: argparse.Namespace) -> Settings:
    """The settings of the first checked path (its closest configuration, else the working
    directory's): what the run as a whole uses (output format, the report's root). Each model
    is checked with its own (`Projects.at` its directory)."""
    from tpulint.engine.discover import is_directory

    paths = [Path(p) for p in getattr(args, "paths", None) or []]
    first = paths[0] if paths else Path.cwd()
    return projects.at(first if is_directory(first) else first.parent)


def cli_projects(args: argparse.Namespace) -> Projects:
    """Settings per directory: the closest configuration file (like Ruff), or the one given
    with `--config FILE` (none with `--isolated`) for every file; the command line's options
    on top of each."""
    from tpulint.engine.config import load_settings, split_config_arguments
    from tpulint.engine.projects import Projects

    def make(start: Path) -> Settings:
        return _with_options(load_settings(args.config, isolated=args.isolated, start=start),
                             args)

    return Projects(make, fixed=args.isolated or bool(split_config_arguments(args.config)[0]))


def _with_options(settings: Settings, args: argparse.Namespace) -> Settings:
    from tpulint.engine.compiler_flags import apply_compiler_arguments

    apply_compiler_arguments(settings, args)
    if getattr(args, "no_cache", False):
        settings.cache = False
    for name in SETTING_OPTIONS:
        value = getattr(args, name, None)
        if value is not None:
            setattr(settings, name, value)
    return settings
