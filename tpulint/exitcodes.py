"""Exit codes, the same for every command.

  0  nothing at or above the failure level
  1  findings at or above the failure level
  2  tpulint could not run: bad option or configuration, plugin failure, internal error
  3  bad input: a missing, unreadable, truncated or non-TensorFlow Lite file
  4  a required outside piece is missing (the fix extra, the compiler, the device)

When several apply, the first in the order 2, 3, 4, 1 wins.
"""

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_MISSING = 4


class UsageError(Exception):
    """A problem with how tpulint was called (an option, a file to write): one line, exit 2."""
