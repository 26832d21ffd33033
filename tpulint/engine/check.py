"""Check one model: run the selected rules on it and collect what reporters need.

`check_model` returns findings before suppression (what the cache stores); `lint_model` also
applies the suppressions, and is what `fix` and `verify` call for each model they check.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from sys import getrefcount

from tpulint.analysis.facts import ModelFacts
from tpulint.analysis.intermediate_tensors import missing as missing_tensors
from tpulint.api import (
    RUN_ONCE_SCOPES,
    CheckFunction,
    Finding,
    ModelContext,
    OperatorContext,
    Rule,
    SubgraphContext,
    TensorContext,
    describe_operator,
)
from tpulint.engine.collector import collector_paused
from tpulint.engine.config import Settings
from tpulint.engine.discover import relative
from tpulint.ir import Model
from tpulint.reader import ModelReadError, read_model
from tpulint.results import ModelResult, OperatorRow

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from typing import Any

    from tpulint.engine.suppress import Suppressions


class RuleFailure(Exception):
    """A rule raised: reported as an internal error (exit 2), naming the rule and the model."""


def check_file(path: str, rules: list[Rule], settings: Settings) -> ModelResult:
    with collector_paused():
        try:
            return check_model(read_model(path), path, rules, settings)
        except ModelReadError as error:  # also from a payload read while checking
            return ModelResult(path=path, error=str(error))


def check_model(model: Model, path: str, rules: list[Rule], settings: Settings) -> ModelResult:
    compiler = settings.compiler_options
    unknown = missing_tensors(model.main, compiler.intermediate_tensors) \
        if compiler.intermediate_tensors else []
    if unknown:
        return ModelResult(path=path, error=f"{path}: --intermediate-tensors: no tensor named "
                                            f"{', '.join(map(repr, unknown))} in the model")
    facts = ModelFacts(model, compiler, settings.board, settings.host)
    findings: list[Finding] = []
    for rule in rules:
        if rule.scope in RUN_ONCE_SCOPES:
            continue
        options = {**rule.options, **settings.rules.get(rule.code, {})}
        try:
            findings.extend(_run(rule, model, facts, options, path))
        except ModelReadError:
            raise  # the file changed or vanished while a rule read a payload
        except Exception as error:
            raise RuleFailure(f"rule {rule.code} failed on {path}: "
                              f"{type(error).__name__}: {error}") from error
    result = ModelResult(
        path=path, compiled=model.compiled, subgraphs=len(model.subgraphs),
        operators=_operator_rows(model, facts), fatal=list(facts.prediction.fatal),
        memory=facts.memory, latency=facts.latency, recipe=facts.recipe.kind,
        cpu_segments=facts.cpu_segments,
        groups_with_a=facts.prediction.groups_with_a, tpu_range=facts.prediction.tpu_range,
        tpu_depends_on=facts.prediction.depends_on,
    )
    result.findings = sorted(findings, key=lambda f: f.sort_key)
    return result


def _run(rule: Rule, model: Model, facts: ModelFacts, options: dict[str, Any],
         path: str) -> list[Finding]:
    context = ModelContext(rule, model, facts, options, path)
    check = rule.check
    if rule.scope == "model":
        return list(check(context))
    found: list[Finding] = []
    for sg in model.subgraphs:
        scope = SubgraphContext(context, sg.index)
        if rule.scope == "subgraph":
            found.extend(check(scope))
        elif rule.scope == "operator":
            _each(check, sg.operators, partial(OperatorContext, scope), found)
        else:
            _each(check, sg.tensors, partial(TensorContext, scope), found)
    return found


def _each(check: CheckFunction, items: Sequence[Any],
          context_of: Callable[[Any], OperatorContext | TensorContext],
          found: list[Finding]) -> None:
    """`check` on the context of each operator or tensor, its findings into `found`. Making a
    context per item and rule was a seventh of checking a large model: one is moved on to the
    next item instead, unless the rule kept it (its reference count is more than this loop's
    own) or gave it an attribute (a rule with contexts of its own gets fresh ones)."""
    context: OperatorContext | TensorContext | None = None
    own = fields = 0
    for item in items:
        if context is None or getrefcount(context) != own or len(context.__dict__) != fields:
            context = context_of(item)
            own, fields = getrefcount(context), len(context.__dict__)
        else:
            context.move_to(item)
        found.extend(check(context))


def _operator_rows(model: Model, facts: ModelFacts) -> list[OperatorRow]:
    rows = []
    for sg, prediction in zip(model.subgraphs, facts.predictions, strict=True):
        for op, placed in zip(sg.operators, prediction.operators, strict=True):
            output = sg.tensor(op.outputs[0]) if op.outputs else None
            rows.append(OperatorRow(sg.index, op.index, op.opcode, describe_operator(sg, op),
                                    op.version, placed.placement, placed.reason,
                                    placed.confidence, placed.cause,
                                    output.name if output is not None else "",
                                    placed.edgetpu_subgraph, placed.kind))
    return rows


def lint_model(model: Model, path: str, rules: list[Rule], settings: Settings,
               suppressions: Suppressions) -> ModelResult:
    """`check_model`, then the configured suppressions and severity overrides."""
    result = check_model(model, path, rules, settings)
    result.relpath = relative(Path(path), Path(settings.root))
    suppressions.apply(result)
    return result
