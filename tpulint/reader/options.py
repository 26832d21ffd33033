"""An operator's builtin options table as a dict of field -> value, enums by name."""

from __future__ import annotations

from collections.abc import Callable

from tpulint._schema import tflite as schema
from tpulint.reader.wire import TFLITE, Table

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from typing import Any

    from tpulint.reader.direct import Direct

_ENUM_NAMES: dict[str, dict[int, str]] = {
    "ActivationFunctionType": schema.ACTIVATION_FUNCTION_TYPE,
    "Padding": schema.PADDING,
    "TensorType": schema.TENSOR_TYPE,
    "FullyConnectedOptionsWeightsFormat": schema.FULLY_CONNECTED_OPTIONS_WEIGHTS_FORMAT,
    "LSTMKernelType": schema.LSTM_KERNEL_TYPE,
    "MirrorPadMode": schema.MIRROR_PAD_MODE,
}


class _OptionFields:
    """How to read one options table: its scalar fields at once, then the others."""

    def __init__(self, fields: dict[str, tuple[int, str, str, Any]]) -> None:
        self.scalars = tuple(name for name, (_s, kind, _d, _v) in fields.items()
                             if kind in ("scalar", "enum"))
        self.others = tuple(name for name in fields if name not in self.scalars)
        self.order = tuple(fields)
        # enum fields: their names by value, and whether absent means "not set"
        self.enums = {name: (_ENUM_NAMES.get(detail.split(":")[1], {}),
                             detail.split(":")[1] == "TensorType")
                      for name, (_s, kind, detail, _v) in fields.items() if kind == "enum"}
        # options read by layout are shared by value (`direct_options`), but for float fields,
        # whose equal values can differ (0.0 and -0.0)
        self.shared = not any(kind == "scalar" and detail in "fd"
                              for _s, kind, detail, _v in fields.values())


_OPTION_FIELDS: dict[str, _OptionFields] = {}


def _option_fields(options_type: str, fields: dict[str, tuple[int, str, str, Any]]
                   ) -> _OptionFields:
    plan = _OPTION_FIELDS.get(options_type)
    if plan is None:
        plan = _OPTION_FIELDS[options_type] = _OptionFields(fields)
    return plan


def read_options(table: Table, options_type: str) -> dict[str, Any]:
    fields = TFLITE.get(options_type)
    options_table = table.union("builtin_options", options_type) if fields else None
    if options_table is None or fields is None:
        return {}
    return _table_options(options_table, _option_fields(options_type, fields))


def _table_options(options_table: Table, plan: _OptionFields) -> dict[str, Any]:
    scalars = options_table.scalars(plan.scalars) if plan.scalars else ()
    if scalars is None:  # a corrupt table: field by field, in schema order
        values = {name: options_table.get(name) for name in plan.order}
    else:
        values = dict(zip(plan.scalars, scalars, strict=True))
        values.update((name, options_table.get(name)) for name in plan.others)
    return _named(plan, values, options_table.has)


def direct_options(direct: Direct, pos: int, options_type: str) -> dict[str, Any]:
    """`read_options` of the options table at `pos`, read by its layout (`reader.direct`,
    whose `Unreadable` it raises where that cannot be done)."""
    fields = TFLITE.get(options_type)
    if fields is None:
        return {}
    plan = _option_fields(options_type, fields)
    if plan.others or not plan.scalars:
        return _table_options(Table(direct.wire, pos, options_type), plan)
    values, where = direct.fields(pos, direct.layouts_of(options_type, plan.scalars))
    # Operators of one type mostly share their options' values: each set is named once.
    key = (options_type, values, where) if plan.shared else None
    named = direct.options.get(key) if key else None
    if named is None:
        present = dict(zip(plan.scalars, where, strict=True))
        named = _named(plan, dict(zip(plan.scalars, values, strict=True)), present.__getitem__)
        if key:
            direct.options[key] = named
    return dict(named)  # each operator's own


def _named(plan: _OptionFields, values: dict[str, Any], present: Callable[[str], Any]
           ) -> dict[str, Any]:
    """The options in schema order, enums by name."""
    options: dict[str, Any] = {}
    for name in plan.order:
        value = values[name]
        enum = plan.enums.get(name)
        if enum is not None:
            names, tensor_type = enum
            # An absent tensor type means "not set", not FLOAT32 (its zero value).
            absent = tensor_type and not present(name)
            value = None if absent else names.get(value, value)
        options[name] = value
    return options
