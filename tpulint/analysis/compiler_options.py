"""The `edgetpu_compiler` options that change where operators run: inputs of the prediction.

tpulint spells them as the compiler does, kebab-cased (`--search_delegate` is
`--search-delegate`), on the command line and as keys of `[tool.tpulint.compiler]`. `verify` hands
the same options to the real compiler, so prediction and compilation are compared like for like.
"""

from __future__ import annotations

from collections.abc import Mapping

from tpulint.analysis import limits
from tpulint.record import Record

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from typing import Any

RUNTIMES = range(10, 15)  # Edge TPU runtimes compiler 16 can target with -m
# "Searching for valid delegate with step 1" when -d is given without -k (google-coral/edgetpu#903)
DEFAULT_SEARCH_STEP = 1


class CompilerOptions(Record):
    min_runtime_version: int = limits.DEFAULT_RUNTIME  # -m
    enable_multiple_subgraphs: bool = False  # -a (experimental, undocumented)
    search_delegate: bool = False  # -d
    delegate_search_step: int = DEFAULT_SEARCH_STEP  # -k
    intermediate_tensors: tuple[str, ...] = ()  # -i

    def arguments(self) -> list[str]:
        """The compiler's flags for these options; defaults are left out."""
        args: list[str] = []
        if self.min_runtime_version != limits.DEFAULT_RUNTIME:
            args += ["-m", str(self.min_runtime_version)]
        if self.enable_multiple_subgraphs:
            args.append("-a")
        if self.search_delegate:
            args.append("-d")
            if self.delegate_search_step != DEFAULT_SEARCH_STEP:
                args += ["-k", str(self.delegate_search_step)]
        if self.intermediate_tensors:
            args += ["-i", ",".join(self.intermediate_tensors)]
        return args

    def as_dict(self) -> dict[str, Any]:
        """The options under their configuration names, as the JSON report records them."""
        return {
            "min-runtime-version": self.min_runtime_version,
            "enable-multiple-subgraphs": self.enable_multiple_subgraphs,
            "search-delegate": self.search_delegate,
            "delegate-search-step": self.delegate_search_step,
            "intermediate-tensors": list(self.intermediate_tensors),
        }


KEYS = tuple(CompilerOptions().as_dict())


def updated(options: CompilerOptions, table: Mapping[str, Any]) -> CompilerOptions:
    """`options` with the keys of a `[tool.tpulint.compiler]`-style table applied.

    Raises ValueError naming the key when a key is unknown or a value has the wrong type.
    """
    changes: dict[str, Any] = {}
    for key, value in table.items():
        if key not in KEYS:
            raise ValueError(f"unknown setting 'compiler.{key}' (known: {', '.join(KEYS)})")
        if key in ("enable-multiple-subgraphs", "search-delegate"):
            if not isinstance(value, bool):
                raise ValueError(f"'compiler.{key}' must be true or false")
        elif key == "intermediate-tensors":
            value = tensor_names(value, key)
        elif not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"'compiler.{key}' must be an integer")
        elif key == "min-runtime-version" and value not in RUNTIMES:
            raise ValueError("'compiler.min-runtime-version' must be an Edge TPU runtime from "
                             f"{RUNTIMES.start} to {RUNTIMES.stop - 1}")
        elif key == "delegate-search-step" and value < 1:
            raise ValueError("'compiler.delegate-search-step' must be 1 or more")
        changes[key.replace("-", "_")] = value
    return options.replace(**changes)  # type: ignore[no-any-return]


def tensor_names(value: Any, key: str = "intermediate-tensors") -> tuple[str, ...]:
    """Tensor names from a list or a comma-separated string, as `-i` takes them."""
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"'compiler.{key}' must be a list of tensor names")
    return tuple(dict.fromkeys(name.strip() for name in value if name.strip()))
