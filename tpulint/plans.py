"""Fix plans: the converter settings a finding asks for, which `tpulint fix` merges and applies.

Part of the rule API (`tpulint.api` offers both names); rules attach plans, never bytes.
"""

from __future__ import annotations

from collections.abc import Mapping

from tpulint.record import Record

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from typing import Any


class FixPlan(Record):
    """Converter settings that would remove a finding; `tpulint fix` merges them per model.

    `safe` plans compute exactly what the model computed; every reconversion changes numerics,
    so plans are unsafe unless stated. `manual` plans cannot be applied by reconversion: the
    model itself has to change, and `reason` says how.
    """

    settings: Mapping[str, Any]
    reason: str
    safe: bool = False
    manual: bool = False

    @property
    def kind(self) -> str | None:
        """The `Rule.fix` value a rule attaching this plan declares (manual: no fix)."""
        return None if self.manual else "safe" if self.safe else "unsafe"


class Plans:
    """The plans built-in rules attach; `tpulint fix` knows how to apply each setting."""

    @staticmethod
    def full_integer() -> FixPlan:
        return FixPlan({"quantization": "int8"},
                       "reconvert with full-integer quantization and a representative dataset")

    @staticmethod
    def integer_io(dtype: str = "int8") -> FixPlan:
        return FixPlan({"quantization": "int8", "io_type": dtype},
                       f"reconvert with {dtype} model inputs and outputs")

    @staticmethod
    def static_shapes() -> FixPlan:
        return FixPlan({"static_shapes": True}, "reconvert with every input shape fixed")

    @staticmethod
    def compiler16_versions() -> FixPlan:
        return FixPlan({"op_versions": "edgetpu-compiler-16"},
                       "reconvert with settings that keep operator versions compiler 16 parses")

    @staticmethod
    def manual(reason: str) -> FixPlan:
        return FixPlan({}, reason, manual=True)
