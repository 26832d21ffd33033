"""What rule authors use: the `rule` decorator, `Finding`, `Severity`, contexts and fix plans.

A rule is a generator function in a module of its own, decorated with `@rule(...)`; the module's
docstring is the rule's documentation. It is called once per object of its scope (the model,
each subgraph, each operator or each tensor) with a context, and yields findings made with
`ctx.finding(...)`. Rules read facts from the context; they never print, change the model or
import anything heavy at module level.
"""

from __future__ import annotations

import enum
import re
import sys
from collections.abc import Callable, Iterator, Mapping

from tpulint.ir import Location, Model, Operator, Subgraph, Tensor
from tpulint.plans import FixPlan, Plans
from tpulint.record import EMPTY, Record
from tpulint.rulefacts import limits, operators, recipes, support, versions

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:  # the analyses load when a model is checked, not when rules are listed
    from typing import Any

    from tpulint.analysis.facts import ModelFacts
    from tpulint.analysis.graph import Graph
    from tpulint.analysis.placement import OperatorPlacement, Prediction
    from tpulint.analysis.recipe import Recipe
    from tpulint.analysis.support import Violation

__all__ = [
    "ConfigContext", "Finding", "FixPlan", "ModelContext", "OperatorContext", "Rule", "Severity",
    "SubgraphContext", "TensorContext", "UnusedSuppression", "describe_operator", "limits",
    "operators", "recipes", "rule", "support", "versions",
]

CODE_PATTERN = re.compile(r"^[A-Z]{2,4}\d{3}$")
NAME_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# `config` rules (TPU09x) judge the configuration once per run, after every model is checked;
# `verify` rules (TPU5xx) judge a compilation, once per model `tpulint verify` compiles.
SCOPES = ("model", "subgraph", "operator", "tensor", "config", "verify")
RUN_ONCE_SCOPES = ("config", "verify")  # never called per model object by `check`
STATUSES = ("stable", "preview", "deprecated", "removed")
FIXES = (None, "safe", "unsafe")  # what `Rule.fix` declares: the kind of plan its findings carry
DOCS_URL = "https://github.com/tpulint/tpulint/blob/main/docs/rules.md#{code}"


class Severity(enum.Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return ("info", "warning", "error").index(self.value)


class Finding(Record):
    code: str
    name: str
    severity: Severity
    message: str
    location: Location
    operator: str | None = None  # "CONV_2D 'block3/conv'"
    tensor: str | None = None
    related: tuple[Location, ...] = ()
    fix: FixPlan | None = None
    confidence: str = "high"
    data: Mapping[str, Any] = EMPTY

    @property
    def sort_key(self) -> tuple[str, int, int, int, str]:
        loc = self.location
        return (loc.path, -1 if loc.subgraph is None else loc.subgraph,
                -1 if loc.operator is None else loc.operator,
                -1 if loc.tensor is None else loc.tensor, self.code)

    def with_severity(self, severity: Severity) -> Finding:
        return self.replace(severity=severity)  # type: ignore[no-any-return]


CheckFunction = Callable[["Any"], Iterator[Finding]]


class Rule(Record):
    code: str
    name: str
    summary: str
    severity: Severity
    scope: str
    check: CheckFunction
    doc: str = ""
    options: Mapping[str, Any] = EMPTY
    status: str = "stable"
    since: str = "0.1.0"
    fix: str | None = None

    @property
    def prefix(self) -> str:
        return self.code.rstrip("0123456789")

    @property
    def url(self) -> str:
        return DOCS_URL.format(code=self.code.lower())


def rule(*, code: str, name: str, severity: Severity, scope: str, summary: str,
         status: str = "stable", since: str = "0.1.0", options: Mapping[str, Any] | None = None,
         fix: str | None = None) -> Callable[[CheckFunction], CheckFunction]:
    """Declare a rule; its documentation is the docstring of the module defining it."""

    def register(check: CheckFunction) -> CheckFunction:
        module = sys.modules.get(check.__module__)
        doc = (module.__doc__ if module else None) or check.__doc__ or ""
        check.__tpulint_rule__ = Rule(  # type: ignore[attr-defined]
            code=code, name=name, summary=summary, severity=severity, scope=scope, check=check,
            doc=doc.strip(), options=dict(options or {}), status=status, since=since, fix=fix,
        )
        return check

    return register


def describe_operator(subgraph: Subgraph, op: Operator) -> str:
    """`CONV_2D 'block3/conv'`: the operator's type and its first output's name."""
    output = subgraph.tensor(op.outputs[0]) if op.outputs else None
    return f"{op.label} '{output.name}'" if output is not None and output.name else op.label


class _RuleContext:
    """What every context holds: the rule it is for and the file its findings point to."""

    def __init__(self, rule: Rule, path: str) -> None:
        self.rule = rule
        self.path = path

    @property
    def location(self) -> Location:
        return Location(self.path)


class ModelContext(_RuleContext):
    """What a rule sees of a model; subclasses narrow it to a subgraph, operator or tensor."""

    plans = Plans

    def __init__(self, rule: Rule, model: Model, facts: ModelFacts,
                 options: Mapping[str, Any], path: str) -> None:
        super().__init__(rule, path)
        self.model = model
        self.facts = facts
        self.options = options

    def converted_as(self, kind: str) -> Recipe | None:
        """The model's quantization recipe if it is of `kind` (a `recipes` constant)."""
        return self.facts.recipe if self.facts.recipe.kind == kind else None

    def operator_location(self, op: int, subgraph: int = 0) -> Location:
        return Location(self.path, subgraph, operator=op)

    def finding(self, message: str, *, location: Location | None = None,
                operator: str | None = None, tensor: str | None = None,
                related: tuple[Location, ...] = (), fix: FixPlan | None = None,
                confidence: str = "high", data: Mapping[str, Any] | None = None,
                severity: Severity | None = None) -> Finding:
        """A finding of this rule; `severity` lowers it for an instance the rule is unsure of."""
        if (fix.kind if fix else None) != self.rule.fix:
            raise ValueError(f"{self.rule.code} declares fix={self.rule.fix!r} but its finding's "
                             f"plan is {fix.kind if fix else None!r}")
        return Finding(
            code=self.rule.code, name=self.rule.name, severity=severity or self.rule.severity,
            message=message, location=location or self.location,
            operator=operator if operator is not None else self._operator_label(),
            tensor=tensor if tensor is not None else self._tensor_label(),
            related=related, fix=fix, confidence=confidence, data=dict(data or {}),
        )

    def _operator_label(self) -> str | None:
        return None

    def _tensor_label(self) -> str | None:
        return None


class SubgraphContext(ModelContext):
    def __init__(self, parent: ModelContext, index: int) -> None:
        super().__init__(parent.rule, parent.model, parent.facts, parent.options, parent.path)
        self.subgraph: Subgraph = parent.model.subgraphs[index]
        self.graph: Graph = parent.facts.graphs[index]
        self.prediction: Prediction = parent.facts.predictions[index]

    @property
    def location(self) -> Location:
        return Location(self.path, self.subgraph.index)

    def operator_location(self, op: int, subgraph: int | None = None) -> Location:
        return Location(self.path, self.subgraph.index if subgraph is None else subgraph,
                        operator=op)

    def describe(self, op: int) -> str:
        return describe_operator(self.subgraph, self.subgraph.operators[op])


class OperatorContext(SubgraphContext):
    def __init__(self, parent: SubgraphContext, op: Operator) -> None:
        # A context per operator and rule: share the subgraph's facts instead of looking them
        # up again (large models have thousands of operators).
        self.__dict__.update(parent.__dict__)
        self.move_to(op)

    def move_to(self, op: Operator) -> None:
        """Make this the context of `op` (the engine reuses a context no rule kept)."""
        self.op = op
        self.placement: OperatorPlacement = self.prediction.operators[op.index]

    @property
    def violations(self) -> tuple[Violation, ...]:
        """Every constraint the operator breaks on its own, in the compiler's order."""
        return self.placement.violations

    def violated(self, *names: str) -> list[Violation]:
        """The violations of the named constraints (see `tpulint rule TPU203`)."""
        violations = self.placement.violations
        return [v for v in violations if v.constraint.name in names] if violations else []

    def reported(self) -> list[Violation]:
        """The violations of the constraints this rule reports (their `reported_by`)."""
        violations = self.placement.violations
        return [v for v in violations if v.constraint.reported_by == self.rule.code] \
            if violations else []

    def to_report(self) -> list[Violation]:
        """`reported()`, except in a compiled model or where the operator's data type is the
        problem to fix first (TPU1xx: float16 weights dequantized at run time, say)."""
        if not self.placement.violations or self.model.compiled or self.violated("data-type"):
            return []  # most operators break no constraint: asked by four rules for each
        return self.reported()

    def cpu_findings(self, advice: str, *, confidence: str = "high",
                     name_constraint: bool = False) -> Iterator[Finding]:
        """A finding "<operator> runs on the CPU: <detail>" for each violation `to_report()`,
        with `advice` as its manual fix (and the constraint's name as data if asked)."""
        for violation in self.to_report():
            yield self.finding(
                f"{self.describe(self.op.index)} runs on the CPU: {violation.detail}",
                confidence=confidence, fix=self.plans.manual(advice),
                data={"constraint": violation.constraint.name} if name_constraint else None)

    @property
    def location(self) -> Location:
        return Location(self.path, self.subgraph.index, operator=self.op.index)

    def _operator_label(self) -> str | None:
        return describe_operator(self.subgraph, self.op)


class TensorContext(SubgraphContext):
    def __init__(self, parent: SubgraphContext, tensor: Tensor) -> None:
        self.__dict__.update(parent.__dict__)  # shared subgraph facts, as for operators
        self.move_to(tensor)

    def move_to(self, tensor: Tensor) -> None:
        """Make this the context of `tensor` (as `OperatorContext.move_to`)."""
        self.tensor = tensor

    @property
    def is_model_input(self) -> bool:
        return self.tensor.index in self.subgraph.inputs

    @property
    def is_model_output(self) -> bool:
        return self.tensor.index in self.subgraph.outputs

    @property
    def producer(self) -> Operator | None:
        op = self.graph.producer(self.tensor.index)
        return self.subgraph.operators[op] if op is not None else None

    @property
    def consumers(self) -> list[Operator]:
        return [self.subgraph.operators[i] for i in self.graph.consumers(self.tensor.index)]

    @property
    def location(self) -> Location:
        return Location(self.path, self.subgraph.index, tensor=self.tensor.index)

    def _tensor_label(self) -> str | None:
        return self.tensor.name


class UnusedSuppression(Record):
    """A configuration entry that suppressed nothing in a run: `setting` names the table
    (`per-file-ignores`, `ignore-ops`), `entry` the entry, `detail` what it was compared to."""

    setting: str
    entry: str
    detail: str


class ConfigContext(_RuleContext):
    """What a `config`-scope rule sees: the configuration file and what in it went unused."""

    def __init__(self, rule: Rule, path: str, unused: tuple[UnusedSuppression, ...]) -> None:
        super().__init__(rule, path)
        self.unused = unused

    def finding(self, message: str, *, data: Mapping[str, Any] | None = None) -> Finding:
        return Finding(code=self.rule.code, name=self.rule.name, severity=self.rule.severity,
                       message=message, location=self.location, data=dict(data or {}))
