"""A rule's declared `fix` agrees with the plans its findings attach, and the registry checks it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from irbuild import GraphBuilder

from tpulint.api import Finding, FixPlan, ModelContext, Plans, Rule, Severity
from tpulint.engine.check import RuleFailure, check_model
from tpulint.engine.config import Settings
from tpulint.engine.registry import Registry, RegistryError


def _rule(fix: str | None, plan: FixPlan | None) -> Rule:
    def check(ctx: ModelContext) -> Iterator[Finding]:
        yield ctx.finding("test finding", fix=plan)

    return Rule(code="TPU901", name="test-rule", summary="Test rule", severity=Severity.WARNING,
                scope="model", check=check, fix=fix)


def _model():  # type: ignore[no-untyped-def]
    g = GraphBuilder()
    g.unary("RELU", g.input((1, 4)))
    return g.model()


@pytest.mark.parametrize(("declared", "plan"), [
    ("unsafe", Plans.full_integer()),
    ("safe", FixPlan({"x": 1}, "same numerics", safe=True)),
    (None, Plans.manual("change the model")),
    (None, None),
])
def test_plans_that_agree_with_the_declaration(declared: str | None,
                                               plan: FixPlan | None) -> None:
    result = check_model(_model(), "m.tflite", [_rule(declared, plan)], Settings())
    assert [f.fix for f in result.findings] == [plan]


@pytest.mark.parametrize(("declared", "plan", "says"), [
    ("unsafe", Plans.manual("change the model"), "fix='unsafe' but its finding's plan is None"),
    ("unsafe", None, "fix='unsafe' but its finding's plan is None"),
    ("safe", Plans.full_integer(), "fix='safe' but its finding's plan is 'unsafe'"),
    (None, Plans.static_shapes(), "fix=None but its finding's plan is 'unsafe'"),
])
def test_plans_that_contradict_the_declaration_fail_the_rule(declared: str | None,
                                                             plan: FixPlan | None,
                                                             says: str) -> None:
    with pytest.raises(RuleFailure, match=says):
        check_model(_model(), "m.tflite", [_rule(declared, plan)], Settings())


def test_the_registry_rejects_an_unknown_fix_kind() -> None:
    with pytest.raises(RegistryError, match="fix 'sometimes'"):
        Registry().add([_rule("sometimes", None)], "TPU", "test")
