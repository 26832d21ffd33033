"""The argument parser of the `tpulint` command.

argparse's own, but usage errors are raised as `UsageError` (with a suggestion for a mistyped
option), a failed write of the help is not ignored, and the terminal is measured without
`shutil`: argparse makes a formatter for every option declared, and its own imports `shutil`,
which loads the compression modules, a few milliseconds of every run.
"""

from __future__ import annotations

import argparse
import os
import sys

from tpulint.exitcodes import UsageError

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from typing import Any


class _Formatter(argparse.HelpFormatter):
    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        if width is None:
            width = _terminal_columns() - 2
        super().__init__(prog, indent_increment, max_help_position, width)


class Parser(argparse.ArgumentParser):
    """See the module's documentation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def _print_message(self, message: str, file: Any = None) -> None:
        # argparse drops write errors; help that never reached a full disk is no success
        if message:
            (file or sys.stderr).write(message)

    def error(self, message: str) -> None:  # type: ignore[override]
        from tpulint.suggest import did_you_mean

        prefix = "unrecognized arguments: "
        if message.startswith(prefix):
            fill_all = getattr(self, "fill_all", None)
            if fill_all is not None:  # suggest the options of every command
                fill_all()
            options = [o for action in self._actions for o in action.option_strings]
            for sub in self._subparsers._group_actions if self._subparsers else []:
                for parser in getattr(sub, "choices", {}).values():
                    options += [o for action in parser._actions
                                for o in action.option_strings]
            word = message[len(prefix):].split()[0]
            message += did_you_mean(word, options)
        raise UsageError(message)

def _terminal_columns() -> int:
    """The columns `shutil.get_terminal_size()` reports: $COLUMNS, else the terminal's, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    stdout = sys.__stdout__
    if columns <= 0 and stdout is not None:
        try:
            columns = os.get_terminal_size(stdout.fileno()).columns
        except (ValueError, OSError):
            columns = 0
    return columns or 80
