"""The analysis facts a rule may read by name, offered through `tpulint.api`.

Each namespace lists what it offers, one name at a time: a rule sees these and nothing else of
`tpulint.analysis`, so a change inside the analysis cannot silently widen (or break) what rules
depend on. To give rules a new fact, add it here.

A namespace reads its values from its analysis module the first time a rule asks for one, so
importing the rules (to list them, say) does not import the analyses.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, ClassVar

    from tpulint.analysis.limits import Limit
    from tpulint.analysis.operators import OperatorFacts


class _FromAnalysis(type):
    """A namespace whose declared names are read from `tpulint.analysis.<module>` on first use,
    through `convert[name]` when given."""

    _module: str
    _convert: dict[str, Callable[[Any], Any]]

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any],
                module: str = "", convert: dict[str, Callable[[Any], Any]] | None = None
                ) -> _FromAnalysis:
        cls = super().__new__(mcs, name, bases, namespace)
        cls._module = f"tpulint.analysis.{module}"
        cls._convert = convert or {}
        return cls

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("_") or name not in vars(cls).get("__annotations__", {}):
            raise AttributeError(f"{cls.__name__} offers no {name!r}")
        value = getattr(importlib.import_module(cls._module), name)
        value = cls._convert.get(name, lambda same: same)(value)
        setattr(cls, name, value)
        return value


class recipes(metaclass=_FromAnalysis, module="recipe"):
    """How a model was quantized (`ctx.facts.recipe.kind`)."""

    FULL_INTEGER: ClassVar[str]
    FLOAT: ClassVar[str]
    FLOAT16: ClassVar[str]
    DYNAMIC_RANGE: ClassVar[str]
    INT16_ACTIVATIONS: ClassVar[str]
    MIXED: ClassVar[str]
    COMPILED: ClassVar[str]
    FLOAT_TYPES: ClassVar[frozenset[str]]


class limits(metaclass=_FromAnalysis, module="limits"):
    """Edge TPU limits with their basis and source."""

    PARAMETER_CACHE: ClassVar[Limit]


class operators(metaclass=_FromAnalysis, module="operators"):
    """Per-operator facts: replacements to suggest, why a version is refused."""

    facts: ClassVar[Callable[[str], OperatorFacts]]


class support(metaclass=_FromAnalysis, module="support", convert={"OPERATORS": frozenset}):
    """Which operators the Edge TPU compiler maps."""

    OPERATORS: ClassVar[frozenset[str]]  # TFLite names, e.g. "CONV_2D"


class versions(metaclass=_FromAnalysis, module="versions"):
    """The operator versions and builtin codes Edge TPU compiler 16 parses."""

    MAX_KNOWN_BUILTIN_CODE: ClassVar[int]
    MAX_UNCONFIRMED_BUILTIN_CODE: ClassVar[int]
    max_known_version: ClassVar[Callable[[str], int]]
    max_unconfirmed_version: ClassVar[Callable[[str], int]]
    parse_verdict: ClassVar[Callable[[str, int, int], str]]
