"""Command-line options that mirror `edgetpu_compiler`'s, shared by `check` and `verify`.

Long names are the compiler's, kebab-cased; `verify` also takes the compiler's short letters.
Each overrides `[tool.tpulint.compiler]` when given.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from tpulint.analysis.compiler_options import RUNTIMES, tensor_names

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from typing import Any

    from tpulint.engine.config import Settings

# argparse destination -> key of [tool.tpulint.compiler]
_KEYS = {"enable_multiple_subgraphs": "enable-multiple-subgraphs",
         "search_delegate": "search-delegate", "delegate_search_step": "delegate-search-step",
         "intermediate_tensors": "intermediate-tensors"}


def add_compiler_arguments(parser: argparse.ArgumentParser, short: bool = False) -> None:
    group = parser.add_argument_group(
        "compiler options", "predict for edgetpu_compiler run with these options")

    def names(letter: str, *long: str) -> list[str]:
        return [f"-{letter}", *long] if short else list(long)

    group.add_argument(*names("m", "--min-runtime-version", "--runtime"), dest="runtime",
                       type=int, choices=RUNTIMES, metavar="{10..14}",
                       help="Edge TPU runtime the compiler targets (-m; default 14)")
    group.add_argument(*names("a", "--enable-multiple-subgraphs"), action="store_true",
                       default=None, help="several Edge TPU subgraphs (-a, experimental)")
    group.add_argument(*names("d", "--search-delegate"), action="store_true", default=None,
                       help="delegate search: retry with a shorter segment when the whole graph "
                            "does not compile (-d)")
    group.add_argument(*names("k", "--delegate-search-step"), type=at_least(1), metavar="K",
                       help="operators the delegate search drops per try (-k; default 1)")
    group.add_argument(*names("i", "--intermediate-tensors"), type=_names, metavar="NAMES",
                       help="comma-separated tensors that become outputs of the Edge TPU "
                            "subgraph; operators reading them run on the CPU (-i)")


def apply_compiler_arguments(settings: Settings, args: argparse.Namespace) -> None:
    """Command-line compiler options over the configuration's (`runtime` is applied apart)."""
    given: dict[str, Any] = {key: getattr(args, dest) for dest, key in _KEYS.items()
                             if getattr(args, dest, None) is not None}
    settings.compiler = {**settings.compiler, **given}


def at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number no smaller than `minimum`."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more")
        return number

    return parse


def _names(value: str) -> list[str]:
    names = list(tensor_names(value))
    if not names:
        raise argparse.ArgumentTypeError("needs at least one tensor name")
    return names
