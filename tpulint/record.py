"""`Record`: plain-data classes that cost next to nothing to define.

`dataclasses` writes and compiles half a dozen methods for every class it decorates, about a
millisecond each class, and tpulint defines dozens while it starts. A `Record` subclass declares
its fields as a dataclass does (annotated class attributes, in order, with a default for the
last ones) and gets `__slots__` and an `__init__` taking the fields by position or by name
(compiled for the class once it has made 50 instances); equality, hashing, the repr,
immutability and pickling come from this base class.

- A default is shared by every instance, so it must be immutable (a tuple, `EMPTY`, None);
  `= field(default_factory=list)` gives each instance its own.
- `__post_init__`, when defined, runs after `__init__`; it sets the fields declared
  `= derived()`, which `__init__` does not take and which equality, hashing and the repr leave
  out.
- Records are frozen; `class Name(Record, frozen=False)` makes one whose fields can be set, and
  which is then not hashable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from operator import attrgetter

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from typing import Any, ClassVar, Literal, dataclass_transform
else:
    def dataclass_transform(**_kwargs: object) -> Any:  # typing's, for the type checker only
        return lambda cls: cls

_DERIVED = object()
_MISSING = object()


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


def derived(*, init: Literal[False] = False) -> Any:
    """Declares a field that `__post_init__` computes from the others."""
    return _DERIVED


def field(*, default_factory: Callable[[], Any]) -> Any:
    """Declares a field whose default is made for each instance by `default_factory`."""
    return _Factory(default_factory)


class _Empty(Mapping["Any", "Any"]):
    """The empty mapping, immutable, pickled as itself: the default of a mapping field."""

    def __getitem__(self, key: object) -> Any:
        raise KeyError(key)

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "{}"

    def __reduce__(self) -> str:
        return "EMPTY"


EMPTY: Mapping[Any, Any] = _Empty()


class _RecordType(type):
    _fields: tuple[str, ...]
    _values: Any

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any],
                frozen: bool = True) -> _RecordType:
        annotations = namespace.get("__annotations__", {})
        declared = [field for field, hint in annotations.items()
                    if not str(hint).startswith("ClassVar")]
        computed = tuple(f for f in declared if namespace.get(f) is _DERIVED)
        fields = tuple(f for f in declared if f not in computed)
        for field in computed:
            del namespace[field]
        defaults = {field: namespace.pop(field) for field in fields if field in namespace}
        namespace["__slots__"] = fields + computed
        if fields:
            namespace["__init__"] = _first_init(name, fields, defaults,
                                                "__post_init__" in namespace)
        if not frozen:
            namespace.update(__setattr__=object.__setattr__, __delattr__=object.__delattr__,
                             __hash__=None)
        cls = super().__new__(mcs, name, bases, namespace)
        cls._fields = fields
        # the values in field order, as one tuple
        cls._values = staticmethod(attrgetter(*fields) if len(fields) > 1 else
                                   lambda record: tuple(getattr(record, f) for f in fields))
        return cls


# Instances a class makes with its arguments bound in Python before its own `__init__` is
# compiled (a compilation costs about as much as binding 50 to 100 instances' arguments): a small
# model's check then compiles the few classes made by the hundred, not every class it uses.
COMPILE_AFTER = 50


def _first_init(name: str, fields: tuple[str, ...], defaults: dict[str, Any], post_init: bool
                ) -> Any:
    """An `__init__` that binds its arguments itself for the class's first instances, then
    compiles the class's own (`_init`), puts it in its place and runs it from then on. Any
    call it cannot bind (a missing, unknown or repeated argument) goes to the compiled one,
    so errors are Python's own."""
    made = 0

    def __init__(self: Record, *args: Any, **kwargs: Any) -> None:
        nonlocal made
        made += 1
        values = _bound(fields, defaults, args, kwargs) if made <= COMPILE_AFTER else None
        if values is None:
            init = _init(type(self), name, fields, defaults, post_init)
            type(self).__init__ = init  # type: ignore[method-assign]
            init(self, *args, **kwargs)
            return
        for each, value in zip(fields, values, strict=True):
            object.__setattr__(self, each, value)
        if post_init:
            self.__post_init__()  # type: ignore[attr-defined]

    return __init__


def _bound(fields: tuple[str, ...], defaults: dict[str, Any], args: tuple[Any, ...],
           kwargs: dict[str, Any]) -> list[Any] | None:
    """Each field's value from the arguments of a call, or None if the call is not valid."""
    if len(args) > len(fields):
        return None
    values = list(args)
    named = 0
    for each in fields[len(args):]:
        if each in kwargs:
            values.append(kwargs[each])
            named += 1
            continue
        default = defaults.get(each, _MISSING)
        if default is _MISSING:
            return None
        values.append(default.make() if isinstance(default, _Factory) else default)
    return values if named == len(kwargs) else None  # else an unknown or repeated name


def _init(cls: type, name: str, fields: tuple[str, ...], defaults: dict[str, Any],
          post_init: bool) -> Any:
    """`__init__(self, a, b, c=<default>)` setting each field, compiled from its source (as
    fast as a dataclass's; one compilation per class, not one per method). Each field is set
    through its slot's own setter, which skips the refusing `__setattr__` (a third of the
    cost of `object.__setattr__`: the IR makes one record per tensor and operator)."""
    scope: dict[str, Any] = {"_MISSING": _MISSING}
    parameters, lines = [], []
    for f in fields:
        scope[f"_set_{f}"] = getattr(cls, f).__set__
        default = defaults.get(f, _MISSING)
        value = f
        if isinstance(default, _Factory):
            scope[f"_make_{f}"] = default.make
            parameters.append(f"{f}=_MISSING")
            value = f"_make_{f}() if {f} is _MISSING else {f}"
        elif default is not _MISSING:
            scope[f"_default_{f}"] = default
            parameters.append(f"{f}=_default_{f}")
        else:
            parameters.append(f)
        lines.append(f"    _set_{f}(self, {value})")
    if post_init:
        lines.append("    self.__post_init__()")
    source = f"def __init__(self, {', '.join(parameters)}) -> None:\n" + "\n".join(lines)
    exec(compile(source, f"<record {name}>", "exec"), scope)
    return scope["__init__"]


@dataclass_transform(frozen_default=True, field_specifiers=(derived, field))
class Record(metaclass=_RecordType):
    """Base of the records: see the module's documentation."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]]
    _values: ClassVar[Any]

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values(self) == self._values(other)  # type: ignore[no-any-return]

    def __hash__(self) -> int:
        return hash(self._values(self))

    def __repr__(self) -> str:
        shown = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"{type(self).__qualname__}({shown})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of a {type(self).__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of a {type(self).__name__}")

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        return type(self), tuple(self._values(self))

    def replace(self, **changes: Any) -> Any:
        """A copy with `changes` to some fields."""
        values = {f: getattr(self, f) for f in self._fields}
        values.update(changes)
        return type(self)(**values)

    def as_dict(self) -> dict[str, Any]:
        """The fields by name, records among them (in lists, tuples and dicts too) turned into
        dicts as well, as `dataclasses.asdict` does."""
        return {f: _plain(getattr(self, f)) for f in self._fields}


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return value.as_dict()
    if isinstance(value, list | tuple):
        return type(value)(map(_plain, value))
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
