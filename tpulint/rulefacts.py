"""The analysis facts a rule may read by name, offered through `tpulint.api`.

Each namespace lists what it offers, one name at a time: a rule sees these and nothing else of
`tpulint.analysis`, so a change inside the analysis cannot silently widen (or break) what rules
depend on. To give rules a new fact, add it here.
"""

from __future__ import annotations

from typing import Final

from tpulint.analysis import limits as _limits
from tpulint.analysis import operators as _operators
from tpulint.analysis import recipe as _recipe
from tpulint.analysis import support as _support
from tpulint.analysis import versions as _versions


class recipes:
    """How a model was quantized (`ctx.facts.recipe.kind`)."""

    FULL_INTEGER: Final = _recipe.FULL_INTEGER
    FLOAT: Final = _recipe.FLOAT
    FLOAT16: Final = _recipe.FLOAT16
    DYNAMIC_RANGE: Final = _recipe.DYNAMIC_RANGE
    INT16_ACTIVATIONS: Final = _recipe.INT16_ACTIVATIONS
    MIXED: Final = _recipe.MIXED
    COMPILED: Final = _recipe.COMPILED
    FLOAT_TYPES: Final = _recipe.FLOAT_TYPES


class limits:
    """Edge TPU limits with their basis and source."""

    PARAMETER_CACHE: Final = _limits.PARAMETER_CACHE


class operators:
    """Per-operator facts: replacements to suggest, why a version is refused."""

    facts = staticmethod(_operators.facts)


class support:
    """Which operators the Edge TPU compiler maps."""

    OPERATORS: Final = frozenset(_support.OPERATORS)  # TFLite names, e.g. "CONV_2D"


class versions:
    """The operator versions and builtin codes Edge TPU compiler 16 parses."""

    MAX_KNOWN_BUILTIN_CODE: Final = _versions.MAX_KNOWN_BUILTIN_CODE
    MAX_UNCONFIRMED_BUILTIN_CODE: Final = _versions.MAX_UNCONFIRMED_BUILTIN_CODE
    max_known_version = staticmethod(_versions.max_known_version)
    max_unconfirmed_version = staticmethod(_versions.max_unconfirmed_version)
    parse_verdict = staticmethod(_versions.parse_verdict)
