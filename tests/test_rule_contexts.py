"""The engine moves one context on from operator to operator (tensor to tensor) for each rule,
unless the rule kept it or gave it an attribute: a rule sees the same thing either way."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from irbuild import GraphBuilder

from tpulint.api import Finding, OperatorContext, Rule, Severity, TensorContext
from tpulint.engine.check import check_model
from tpulint.engine.config import Settings
from tpulint.ir import Model


def _chain(count: int) -> Model:
    g = GraphBuilder()
    x = g.input((1, 4, 4, 8))
    for _ in range(count):
        y = g.tensor((1, 4, 4, 8))
        g.op("RELU", [x], [y])
        x = y
    return g.model()


def _rule(scope: str, check: Any) -> Rule:
    return Rule(code="ZZZ900", name="probe", summary="probe", severity=Severity.INFO,
                scope=scope, check=check)


def _run(rule: Rule, model: Model) -> list[Finding]:
    return check_model(model, "probe.tflite", [rule], Settings()).findings


def test_each_operator_and_tensor_is_seen_once_with_its_own_facts() -> None:
    model = _chain(5)
    seen: list[tuple[int, int, str]] = []

    def operators(ctx: OperatorContext) -> Iterator[Finding]:
        seen.append((ctx.op.index, ctx.placement.index, ctx.location.anchor))
        yield ctx.finding(f"op {ctx.op.index}")

    findings = _run(_rule("operator", operators), model)
    assert seen == [(i, i, f"sg0/op{i}") for i in range(5)]
    assert [f.message for f in findings] == [f"op {i}" for i in range(5)]
    assert [f.location.operator for f in findings] == list(range(5))

    names: list[tuple[int, int | None]] = []

    def tensors(ctx: TensorContext) -> Iterator[Finding]:
        names.append((ctx.tensor.index, ctx.producer.index if ctx.producer else None))
        return iter(())

    _run(_rule("tensor", tensors), model)
    assert names == [(i, i - 1 if i else None) for i in range(6)]


def test_a_kept_context_still_describes_its_own_operator() -> None:
    kept: list[OperatorContext] = []

    def keeping(ctx: OperatorContext) -> Iterator[Finding]:
        kept.append(ctx)
        return iter(())

    _run(_rule("operator", keeping), _chain(4))
    assert [ctx.op.index for ctx in kept] == [0, 1, 2, 3]
    assert len({id(ctx) for ctx in kept}) == 4


def test_a_context_given_an_attribute_is_not_passed_on() -> None:
    marks: list[bool] = []

    def marking(ctx: TensorContext) -> Iterator[Finding]:
        marks.append(hasattr(ctx, "mark"))
        ctx.mark = True  # type: ignore[attr-defined]
        return iter(())

    _run(_rule("tensor", marking), _chain(3))
    assert marks == [False] * 4


def test_contexts_are_moved_on_when_nothing_keeps_them(monkeypatch: pytest.MonkeyPatch
                                                      ) -> None:
    made: list[int] = []
    real = OperatorContext.__init__

    def counted(self: OperatorContext, *args: Any) -> None:
        made.append(1)
        real(self, *args)

    monkeypatch.setattr(OperatorContext, "__init__", counted)
    seen: list[int] = []

    def counting(ctx: OperatorContext) -> Iterator[Finding]:
        seen.append(ctx.op.index)
        return iter(())

    _run(_rule("operator", counting), _chain(50))
    assert seen == list(range(50)) and len(made) == 1
