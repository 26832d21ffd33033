"""Command-line options that several commands share, and the settings they produce.

Each builder declares one group of options the same way for `check`, `fix` and `verify`; a
command passes its own help text where the meaning differs. `load_cli_settings` reads the
configuration files, then lets the command line's options win.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tpulint.engine.config import Settings

COLORS = ("auto", "always", "never")
FAIL_ON_LEVELS = ("info", "warning", "error", "none")
# Options whose value replaces the configured setting of the same name.
SETTING_OPTIONS = ("select", "extend_select", "ignore", "extend_ignore", "fail_on", "preview",
                   "runtime", "output_format", "board", "host")


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
    """The configuration found from the first checked path's directory upwards (like Ruff; from
    the working directory when no path is given or none is found there), then the command
    line's options."""
    from tpulint.engine.compiler_flags import apply_compiler_arguments
    from tpulint.engine.config import find_config, load_settings
    from tpulint.engine.discover import is_directory

    paths = [Path(p) for p in getattr(args, "paths", None) or []]
    starts = [p if is_directory(p) else p.parent for p in paths] or [Path.cwd()]
    # A path outside any configured project falls back to the working directory's.
    start = starts[0] if find_config(starts[0]) else Path.cwd()
    settings = load_settings(args.config, isolated=args.isolated, start=start)
    apply_compiler_arguments(settings, args)
    if not (args.config or args.isolated):
        others = {str(found) for found in map(find_config, starts[1:]) if found} - \
            {str(Path(settings.source).resolve()) if settings.source else ""}
        for other in sorted(others):
            print(f"tpulint: warning: {other} not used: one configuration applies per run "
                  f"({settings.source or 'defaults'}); check its models in a run of their own",
                  file=sys.stderr)
    if getattr(args, "no_cache", False):
        settings.cache = False
    for name in SETTING_OPTIONS:
        value = getattr(args, name, None)
        if value is not None:
            setattr(settings, name, value)
    return settings
