"""Check that data read back from disk has the types its dataclasses declare.

A cache entry is JSON written by tpulint, but anyone who can write the cache folder can change
it; the dataclasses that rebuild it accept any value, so a number where a message belongs would
crash a reporter much later. `well_typed` walks a rebuilt object against its annotations.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Mapping
from typing import Any

_HINTS: dict[type, dict[str, Any]] = {}


def _hints(kind: type) -> dict[str, Any]:
    if kind not in _HINTS:
        _HINTS[kind] = typing.get_type_hints(kind)
    return _HINTS[kind]


def well_typed(value: Any, hint: Any = None) -> bool:
    """True when `value` matches `hint` (its own dataclass's annotations when omitted)."""
    if hint is None:
        hint = type(value)
    if hint is Any:
        return True
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(well_typed(value, option) for option in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin in (list, tuple):
        args = typing.get_args(hint)
        if not isinstance(value, origin):
            return False
        if origin is tuple and (len(args) != 2 or args[1] is not Ellipsis):
            # tuple[str, float]: one type per position
            return len(value) == len(args) and all(map(well_typed, value, args))
        return all(well_typed(item, args[0]) for item in value)
    if origin is not None and issubclass(origin, Mapping):
        key, item = typing.get_args(hint)
        return isinstance(value, Mapping) and all(
            well_typed(k, key) and well_typed(v, item) for k, v in value.items())
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if type(value) is not hint:
            return False
        hints = _hints(hint)
        return all(well_typed(getattr(value, f.name), hints[f.name])
                   for f in dataclasses.fields(hint))
    if isinstance(hint, type) and issubclass(hint, (str, enum.Enum)):
        return isinstance(value, hint)
    return False
