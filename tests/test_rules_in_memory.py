"""Each rule on a small model built in memory and on its near miss (one detail changed)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from irbuild import GraphBuilder

from tpulint.engine.check import check_model
from tpulint.engine.config import Settings
from tpulint.engine.registry import load_registry
from tpulint.ir import Model

RULES = list(load_registry(plugins=False))


def codes(model: Model) -> list[str]:
    return [f.code for f in check_model(model, "memory.tflite", RULES, Settings()).findings]


def chain(opcode: str, *, dtype: str = "int8", shape: tuple[int, ...] = (1, 4, 4, 4),
          version: int = 1, custom_code: str | None = None) -> Model:
    """input -> RELU -> `opcode` -> RELU: the rule's operator between two supported ones."""
    g = GraphBuilder()
    x = g.unary("RELU", g.input(shape, dtype), dtype=dtype)
    y = g.tensor(shape, dtype)
    g.op(opcode, [x], [y], version=version, custom_code=custom_code)
    g.unary("RELU", y, dtype=dtype)
    return g.model()


def conv(version: int) -> Model:
    g = GraphBuilder()
    x = g.input((1, 8, 8, 4))
    w, b = g.const((8, 3, 3, 4)), g.const((8,), "int32")
    out = g.tensor((1, 8, 8, 8))
    g.op("CONV_2D", [x, w, b], [out], version=version)
    return g.model()


def conv_weights(constant: bool) -> Model:
    g = GraphBuilder()
    x = g.input((1, 8, 8, 4))
    w = g.const((8, 3, 3, 4)) if constant else g.input((8, 3, 3, 4))
    b = g.const((8,), "int32")
    out = g.tensor((1, 8, 8, 8))
    g.op("CONV_2D", [x, w, b], [out], version=3)
    return g.model()


def two_subgraphs() -> Model:
    body = GraphBuilder()
    body.unary("RELU", body.input((1, 4)))
    extra = body.model().subgraphs[0]
    g = GraphBuilder()
    g.unary("RELU", g.input((1, 4)))
    return g.model(extra=[type(extra)(1, "body", extra.tensors, extra.operators, extra.inputs,
                                      extra.outputs)])


CASES: list[tuple[str, Callable[[], Model], Callable[[], Model]]] = [
    # code, fires on, silent on its near miss
    ("TPU201", lambda: chain("LEAKY_RELU"), lambda: chain("RELU")),
    ("TPU202", lambda: conv(6), lambda: conv(3)),
    ("TPU204", lambda: chain("CUSTOM", custom_code="MyPostProcess"), lambda: chain("RELU")),
    ("TPU303", lambda: chain("RELU", shape=(2, 2, 4, 4, 4)),
     lambda: chain("RELU", shape=(1, 1, 4, 4, 4))),
    ("TPU304", lambda: conv_weights(constant=False), lambda: conv_weights(constant=True)),
    ("TPU401", lambda: chain("LEAKY_RELU"), lambda: chain("RELU")),
    ("TPU102", lambda: chain("RELU", dtype="float32"), lambda: chain("RELU")),
    ("TPU205", lambda: chain("CUSTOM", custom_code="FlexAddV2"),
     lambda: chain("CUSTOM", custom_code="MyPostProcess")),
    ("TPU206", lambda: chain("GELU"), lambda: chain("RELU")),
    ("TPU002", lambda: two_subgraphs(), lambda: chain("RELU")),
]


@pytest.mark.parametrize(("code", "bad", "good"), CASES, ids=[c[0] for c in CASES])
def test_fires_on_the_pattern_and_not_on_its_near_miss(code: str, bad: Callable[[], Model],
                                                       good: Callable[[], Model]) -> None:
    assert code in codes(bad())
    assert code not in codes(good())
