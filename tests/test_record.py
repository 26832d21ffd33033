"""`Record` behaves as the frozen dataclasses it replaced: construction, equality, hashing,
repr, immutability, copies and pickling (results cross processes with `--jobs`)."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

from tpulint.ir import Location, Model, Operator, Subgraph
from tpulint.record import COMPILE_AFTER, EMPTY, Record, derived, field
from tpulint.results import ModelResult


class Pair(Record):
    left: int
    right: tuple[int, ...] = ()
    total: int = derived()

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", self.left + sum(self.right))


class Bag(Record, frozen=False):
    name: str
    items: list[int] = field(default_factory=list)


def test_fields_by_position_or_name_with_defaults() -> None:
    assert Pair(1).right == ()
    assert Pair(1, (2, 3)) == Pair(right=(2, 3), left=1)
    assert Pair(1, (2, 3)).total == 6
    with pytest.raises(TypeError):
        Pair()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Pair(1, (), 3)  # type: ignore[call-arg]  # a derived field is not an argument


def test_value_equality_hash_and_repr_leave_derived_fields_out() -> None:
    assert Pair(1, (2,)) == Pair(1, (2,)) and Pair(1) != Pair(2)
    assert hash(Pair(1, (2,))) == hash(Pair(1, (2,)))
    assert Pair(1) != (1, ())  # not a tuple
    assert repr(Pair(1, (2,))) == "Pair(left=1, right=(2,))"
    assert {Location("m", 0, 3), Location("m", 0, 3)} == {Location("m", 0, operator=3)}


def test_frozen() -> None:
    pair = Pair(1)
    with pytest.raises(AttributeError):
        pair.left = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del pair.left  # type: ignore[misc]
    with pytest.raises(AttributeError):
        pair.other = 1  # type: ignore[attr-defined]  # slots: no other attribute


def test_copies_and_pickles() -> None:
    pair = Pair(1, (2,))
    for copied in (copy.copy(pair), copy.deepcopy(pair), pickle.loads(pickle.dumps(pair))):
        assert copied == pair and copied.total == 3
    assert pickle.loads(pickle.dumps(EMPTY)) is EMPTY
    op = Operator(0, "ADD", 0, 1, (0, 1), (2,))
    assert op.options == {} and pickle.loads(pickle.dumps(op)) == op


def test_replace_and_as_dict() -> None:
    assert Pair(1, (2,)).replace(left=5) == Pair(5, (2,))
    assert Pair(1, (2,)).replace(left=5).total == 7
    nested = Subgraph(0, "main", (), (Operator(0, "ADD", 0, 1, (), ()),), (), ())
    assert nested.as_dict()["operators"][0]["opcode"] == "ADD"


def test_a_mutable_record_takes_changes_and_makes_its_own_defaults() -> None:
    bag = Bag("a")
    bag.items.append(1)
    bag.name = "b"
    assert Bag("c").items == [] and bag == Bag("b", [1])
    with pytest.raises(TypeError):
        hash(bag)
    result = ModelResult(path="m.tflite")
    result.findings = []
    assert pickle.loads(pickle.dumps(result)) == result


def test_the_model_answers_whether_it_is_compiled_once() -> None:
    compiled = Operator(0, "CUSTOM", 32, 1, (), (), custom_code="edgetpu-custom-op")
    model = Model("m", 0, 3, "", (Subgraph(0, "", (), (compiled,), (), ()),), ())
    assert model.compiled
    assert not model.replace(subgraphs=()).compiled


def _trio() -> Any:  # a new class each time: none of its instances made yet
    class Trio(Record):
        a: int
        b: str = "b"
        c: list[int] = field(default_factory=list)

    return Trio


def _compiled(cls: type[Record]) -> bool:
    return cls.__init__.__code__.co_filename.startswith("<record ")


def test_the_first_instances_bind_as_the_compiled_init_does() -> None:
    trio = _trio()
    calls: list[tuple[tuple[object, ...], dict[str, object]]] = [
        ((1,), {}), ((1, "x"), {}), ((), {"a": 1, "c": [2]}), ((1,), {"b": "y"}),
        ((1, "x", [3]), {})]
    first = [trio(*args, **kwargs) for args, kwargs in calls]
    assert not _compiled(trio)
    for _ in range(COMPILE_AFTER):
        trio(0)
    assert _compiled(trio)
    later = [trio(*args, **kwargs) for args, kwargs in calls]
    assert first == later
    assert [t.as_dict() for t in first] == [
        {"a": 1, "b": "b", "c": []}, {"a": 1, "b": "x", "c": []}, {"a": 1, "b": "b", "c": [2]},
        {"a": 1, "b": "y", "c": []}, {"a": 1, "b": "x", "c": [3]}]
    assert trio(1).c is not trio(1).c  # each its own default


@pytest.mark.parametrize(("args", "kwargs", "message"), [
    ((), {}, "missing 1 required positional argument: 'a'"),
    ((1, "x", [], 4), {}, "takes from 2 to 4 positional arguments but 5 were given"),
    ((1,), {"a": 2}, "got multiple values for argument 'a'"),
    ((1,), {"d": 2}, "got an unexpected keyword argument 'd'")])
def test_a_call_that_does_not_bind_fails_as_python_says(
        args: tuple[object, ...], kwargs: dict[str, object], message: str) -> None:
    trio = _trio()
    trio(1)  # bound in Python
    with pytest.raises(TypeError, match=message):
        trio(*args, **kwargs)
