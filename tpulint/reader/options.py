"""An operator's builtin options table as a dict of field -> value, enums by name."""

from __future__ import annotations

from tpulint._schema import tflite as schema
from tpulint.reader.wire import TFLITE, Table

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from typing import Any

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


_OPTION_FIELDS: dict[str, _OptionFields] = {}


def read_options(table: Table, options_type: str) -> dict[str, Any]:
    fields = TFLITE.get(options_type)
    options_table = table.union("builtin_options", options_type) if fields else None
    if options_table is None or fields is None:
        return {}
    plan = _OPTION_FIELDS.get(options_type)
    if plan is None:
        plan = _OPTION_FIELDS[options_type] = _OptionFields(fields)
    scalars = options_table.scalars(plan.scalars) if plan.scalars else ()
    if scalars is None:  # a corrupt table: field by field, in schema order
        values = {name: options_table.get(name) for name in plan.order}
    else:
        values = dict(zip(plan.scalars, scalars, strict=True))
        values.update((name, options_table.get(name)) for name in plan.others)
    options: dict[str, Any] = {}
    for name in plan.order:
        value = values[name]
        enum = plan.enums.get(name)
        if enum is not None:
            names, tensor_type = enum
            # An absent tensor type means "not set", not FLOAT32 (its zero value).
            absent = tensor_type and not options_table.has(name)
            value = None if absent else names.get(value, value)
        options[name] = value
    return options
