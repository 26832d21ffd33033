"""Check one model: run the selected rules on it and collect what reporters need.

`check_model` returns findings before suppression (what the cache stores); `lint_model` also
applies the suppressions, and is what `fix` and `verify` call for each model they check.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from tpulint.analysis.facts import ModelFacts
from tpulint.analysis.intermediate_tensors import missing as missing_tensors
from tpulint.api import (
    RUN_ONCE_SCOPES,
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

if TYPE_CHECKING:
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
    # One context per operator or tensor and rule: extended straight into one list, without a
    # generator around each (the rules' own are most of the cost on large models).
    found: list[Finding] = []
    for sg in model.subgraphs:
        scope = SubgraphContext(context, sg.index)
        if rule.scope == "subgraph":
            found.extend(check(scope))
        elif rule.scope == "operator":
            for op in sg.operators:
                found.extend(check(OperatorContext(scope, op)))
        else:
            for tensor in sg.tensors:
                found.extend(check(TensorContext(scope, tensor)))
    return found


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
