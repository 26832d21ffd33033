"""Check that data read back from disk has the types its dataclasses and records declare.

A cache entry is JSON written by tpulint, but anyone who can write the cache folder can change
it; the dataclasses that rebuild it accept any value, so a number where a message belongs would
crash a reporter much later. `well_typed` walks a rebuilt object against its annotations.
"""

from __future__ import annotations

import enum
import sys
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

from tpulint.record import Record

_HINTS: dict[type, dict[str, Any]] = {}
# One checker per hint, built once: reflecting on a hint for every value read back made
# checking a warm cache's entries cost more than the rest of the run.
_CHECKERS: dict[Any, Callable[[Any], bool]] = {}


# The check path's modules import `typing` only for the type checker (`TYPE_CHECKING`), so the
# names their annotations take from it are supplied here.
_TYPING_NAMES = {name: getattr(typing, name) for name in typing.__all__}


def _hints(kind: type) -> dict[str, Any]:
    if kind not in _HINTS:
        _HINTS[kind] = typing.get_type_hints(kind, localns=_TYPING_NAMES)
    return _HINTS[kind]


def _field_names(hint: Any) -> tuple[str, ...] | None:
    """The fields of a dataclass or a `Record` class, else None."""
    if isinstance(hint, type) and issubclass(hint, Record):
        return hint._fields
    dataclasses = sys.modules.get("dataclasses")  # no class is a dataclass before it is loaded
    if dataclasses is not None and isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return tuple(field.name for field in dataclasses.fields(hint))
    return None


def well_typed(value: Any, hint: Any = None) -> bool:
    """True when `value` matches `hint` (its own dataclass's annotations when omitted)."""
    return _checker(type(value) if hint is None else hint)(value)


def _checker(hint: Any) -> Callable[[Any], bool]:
    try:
        found = _CHECKERS.get(hint)
    except TypeError:  # an unhashable hint: built each time
        return _build(hint)
    if found is None:
        found = _CHECKERS[hint] = _build(hint)
    return found


def _exact(hint: Any) -> frozenset[type]:
    """Types whose values `hint` accepts without a closer look (a field's value of another
    type goes to the field's checker): most fields of data read back are plain scalars."""
    if hint in (bool, int, str, type(None)):
        return frozenset({hint})
    if hint is float:
        return frozenset({int, float})
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return frozenset({hint})
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        parts = [_exact(option) for option in typing.get_args(hint)]
        return frozenset().union(*parts) if all(parts) else frozenset()
    return frozenset()


def _build(hint: Any) -> Callable[[Any], bool]:
    # Checkers of the parts are looked up when called, so a dataclass may refer to itself.
    if hint is Any:
        return lambda value: True
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return lambda value: any(_checker(option)(value) for option in args)
    if hint is type(None):
        return lambda value: value is None
    if origin in (list, tuple):
        if origin is tuple and (len(args) != 2 or args[1] is not Ellipsis):
            # tuple[str, float]: one type per position
            return lambda value: isinstance(value, tuple) and len(value) == len(args) and all(
                _checker(arg)(item) for item, arg in zip(value, args, strict=True))
        return lambda value: isinstance(value, origin) and all(map(_checker(args[0]), value))
    if origin is not None and issubclass(origin, Mapping):
        key, item = args
        return lambda value: isinstance(value, Mapping) and all(
            _checker(key)(k) and _checker(item)(v) for k, v in value.items())
    if hint is bool:
        return lambda value: isinstance(value, bool)
    if hint is int:
        return lambda value: isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return lambda value: isinstance(value, (int, float)) and not isinstance(value, bool)
    names = _field_names(hint)
    if names is not None:
        fields: list[tuple[str, frozenset[type], Any]] = []

        def check(value: Any) -> bool:
            if type(value) is not hint:
                return False
            if not fields:
                hints = _hints(hint)
                fields.extend((name, _exact(hints[name]), hints[name]) for name in names)
            for name, exact, field_hint in fields:
                item = getattr(value, name)
                if type(item) not in exact and not _checker(field_hint)(item):
                    return False
            return True

        return check
    if isinstance(hint, type) and issubclass(hint, (str, enum.Enum)):
        return lambda value: isinstance(value, hint)
    return lambda value: False

