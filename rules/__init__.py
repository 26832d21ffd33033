"""tpulint's built-in rules, installed as the `tpulint.rules` package.

One module per rule. `load()` imports them on demand; the `tpulint.rules` entry point named `TPU`
points here, as third-party rule packages point to theirs.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from typing import Any

MODULES = (
    "compiled_model", "multiple_subgraphs", "unused_ignore",
    "float_tensor", "float_model", "float16_quantized", "dynamic_range_quantized", "float_io",
    "int16_activations", "missing_quantization",
    "unsupported_op", "op_version_too_new", "op_constraint_violated", "custom_op", "flex_op",
    "unknown_builtin_op",
    "dynamic_shape", "dynamic_batch", "high_rank_tensor", "non_constant_weights",
    "tensor_too_large",
    "cpu_fallback_partition", "parameters_exceed_cache",
)


def load() -> list[Any]:
    """The rule functions of every built-in rule module."""
    return [importlib.import_module(f"{__name__}.{name}").check for name in MODULES]
