"""What Edge TPU compiler 16 maps, operator by operator.

`check_operator` runs the checks every operator shares (`constraints.GENERIC`), looks the
operator up in the index (`operators.INDEX`: supported set, runtime version, own constraints),
then the shared size limits, and reports every violation, not only the first, in the order the
compiler reports them.
"""

from __future__ import annotations

from tpulint.analysis import limits
from tpulint.analysis.constraints import (
    CUSTOM,
    FLEX,
    GENERIC,
    GENERIC_LIMITS,
    SUPPORTED,
    VERSION,
    Constraint,
    OperatorView,
    Violation,
)
from tpulint.analysis.operators import SUPPORTED as OPERATORS
from tpulint.analysis.versions import parse_verdict

__all__ = ["OPERATORS", "OperatorView", "Violation", "check_operator", "uncertain_limits"]


def check_operator(view: OperatorView, runtime: int = limits.DEFAULT_RUNTIME) -> list[Violation]:
    """Every constraint `view.op` violates on its own, in the order the compiler reports them."""
    op = view.op
    if op.is_custom:
        code = op.custom_code or ""
        return [Violation(FLEX if code.startswith("Flex") else CUSTOM,
                          f"custom operator '{op.custom_code}'")]
    spec = OPERATORS.get(op.opcode)
    if view.spec is not spec:
        view = OperatorView(view.model, view.subgraph, op, spec)
    found = [Violation(c, detail) for c in GENERIC if (detail := c.check(view))]
    if spec is None:
        found.append(Violation(SUPPORTED, "not in the Edge TPU's operator set"))
        return found
    if parse_verdict(op.opcode, op.builtin_code, op.version) == "unconfirmed":
        found.append(Violation(VERSION, f"{op.opcode} version {op.version} came with "
                                        "TensorFlow 2.6, after the Edge TPU's operator set"))
    if spec.min_runtime > runtime:
        found.append(Violation(SUPPORTED, f"{op.opcode} needs runtime {spec.min_runtime}, "
                                          f"the target is {runtime}"))
    found += [Violation(c, detail) for c in (*spec.constraints, *GENERIC_LIMITS)
              if (detail := c.check(view))]
    return found


def uncertain_limits(view: OperatorView) -> list[Constraint]:
    """The size limits whose bracket holds this operator's size: no compiler output seen
    decides them, so the prediction for the operator is a guess either way."""
    spec = OPERATORS.get(view.op.opcode)
    if spec is None or view.op.is_custom:
        return []
    if view.spec is not spec:
        view = OperatorView(view.model, view.subgraph, view.op, spec)
    found = []
    for constraint in (*spec.constraints, *GENERIC_LIMITS):
        if constraint.limit is None or constraint.measure is None:
            continue
        measured = constraint.measure(view)
        if measured is not None and constraint.limit.uncertain(measured[0]):
            found.append(constraint)
    return found
