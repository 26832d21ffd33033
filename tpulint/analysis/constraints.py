"""Constraints of Edge TPU compiler 16, and the view of an operator they judge.

A constraint is a predicate with the line the documentation prints (formatted from the limit it
checks), the compiler status string it produces when violated, its basis (`documented`: Coral's
table or model requirements; `observed`: measured on real compiler output; `inferred`), and the
rule that reports it (`reported_by`). `GENERIC` are the checks every operator shares, run before
the operator's type is looked at; `GENERIC_LIMITS` run after its own constraints. An operator is
exempt from a generic check where its entry in `tpulint.analysis.operators` says so, as Vela's
`tflite_supported_operators.py` keeps a generic list, its exemptions and a per-operator list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tpulint.analysis import limits, status
from tpulint.ir import INTEGER_8BIT, Model, Operator, Subgraph, Tensor
from tpulint.record import Record, field

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from tpulint.analysis.operators import OperatorFacts

# Constant tensors of these types are parameters (biases, shapes, axes), not data.
PARAMETER_TYPES = frozenset({"int32", "int64"})


class OperatorView(Record, frozen=False):
    """One operator with the tensors around it, as the constraints see it."""

    model: Model
    subgraph: Subgraph
    op: Operator
    spec: OperatorFacts | None = None
    # what constraints measured, by constraint name: the placement checks each size limit,
    # then asks again whether its bracket holds the size
    measured: dict[str, tuple[int, Tensor] | None] = field(default_factory=dict)
    data: tuple[Tensor, ...] | None = None  # `data_tensors()` of constraints exempting none

    def input(self, position: int) -> Tensor | None:
        if position >= len(self.op.inputs):
            return None
        return self.subgraph.tensor(self.op.inputs[position])

    @property
    def outputs(self) -> list[Tensor]:
        return self.subgraph.op_outputs(self.op)

    def data_tensors(self, constraint: str = "") -> tuple[Tensor, ...]:
        """Inputs that are not parameters (weights, shapes, axes), then outputs, without the
        inputs the operator's entry exempts from `constraint`."""
        spec = self.spec
        exempt = spec.exempt.get(constraint, ()) if spec else ()
        if not exempt and self.data is not None:
            return self.data  # what most constraints of most operators judge: made once
        skipped = (*spec.parameters, *exempt) if spec else ()
        tensors = self.subgraph.tensors
        count = len(tensors)
        found = (*(tensors[index] for position, index in enumerate(self.op.inputs)
                   if 0 <= index < count and position not in skipped), *self.outputs)
        if not exempt:
            self.data = found
        return found

    def option(self, name: str, default: object = None) -> object:
        return self.op.options.get(name, default)


Check = Callable[[OperatorView], "str | None"]
Measure = Callable[[OperatorView], "tuple[int, Tensor] | None"]  # size judged, and its tensor


class Constraint(Record):
    name: str
    text: str
    status: str
    basis: str
    source: str
    check: Check
    reported_by: str = "TPU203"  # the rule whose findings name this constraint
    limit: limits.Limit | None = None  # for a size limit: the limit and its bracket
    measure: Measure | None = None


class Violation(Record):
    constraint: Constraint
    detail: str

    @property
    def status(self) -> str:
        return self.constraint.status


CORAL_TABLE = "Coral supported-operations table (coral.ai/docs/edgetpu/models-intro)"
CORAL_REQUIREMENTS = "Coral model requirements (coral.ai/docs/edgetpu/models-intro)"


def describe_tensor(tensor: Tensor) -> str:
    name = f" '{tensor.name}'" if tensor.name else ""
    return f"tensor{name} {tensor.dtype}{list(tensor.shape)}"


def _plane(tensor: Tensor) -> int:
    """Bytes of the tensor's x*z plane (its two innermost dimensions) at 8 bits."""
    size = 1
    for dim in tensor.shape[-2:]:
        size *= max(dim, 0)
    return size


# Checks shared by every operator ---------------------------------------------------------------


def _check_rank(view: OperatorView) -> str | None:
    mapped = limits.MAPPED_DIMENSIONS.value
    for tensor in view.data_tensors("tensor-rank"):
        shape = tensor.shape
        if len(shape) > mapped and max(shape[:-mapped]) > 1:
            return (f"{describe_tensor(tensor)} has a dimension larger than 1 outside the 3 "
                    "innermost")
    return None


def _check_data_type(view: OperatorView) -> str | None:
    for tensor in view.data_tensors("data-type"):
        if tensor.dtype in INTEGER_8BIT:
            continue
        if tensor.constant and tensor.dtype in PARAMETER_TYPES:
            continue
        return f"{describe_tensor(tensor)} is not an 8-bit integer tensor"
    return None


def size_limit(name: str, text: str, limit: limits.Limit,
               tensors: Callable[[OperatorView], Sequence[Tensor | None]],
               measure: Callable[[Tensor], int] = lambda t: t.elements,
               noun: str = "") -> Constraint:
    """A constraint that the largest `measure` of `tensors` stays within an observed limit."""

    def largest(view: OperatorView) -> tuple[int, Tensor] | None:
        known = view.measured
        if name in known:
            return known[name]
        sized = [(measure(t), t) for t in tensors(view) if t is not None]
        found = known[name] = max(sized, key=lambda pair: pair[0], default=None)
        return found

    def check(view: OperatorView) -> str | None:
        found = largest(view)
        if found is None or not limit.exceeded(found[0]):
            return None
        if noun:
            return f"{describe_tensor(found[1])} has a {found[0]:,}-byte {noun} (limit {limit})"
        return f"{describe_tensor(found[1])} holds {found[0]:,} bytes"

    return Constraint(name, f"{text} {limit}", status.UNSPECIFIED, limit.basis,
                      limit.source, check, "TPU305", limit, largest)


RANK = Constraint(
    "tensor-rank", "Tensors have at most 3 dimensions larger than 1, and they are the innermost",
    status.UNSUPPORTED_RANK, "documented", CORAL_REQUIREMENTS, _check_rank, "TPU303",
)
DATA_TYPE = Constraint(
    "data-type", "Tensors are 8-bit integers (int8 or uint8); constant int32 biases and shapes",
    status.UNSUPPORTED_TYPE, "documented", CORAL_REQUIREMENTS, _check_data_type, "TPU101",
)
PLANE_SIZE = size_limit(
    "plane-size", "The x*z plane (two innermost dimensions) of each tensor is at most",
    limits.PLANE_BYTES, lambda view: list(view.data_tensors("plane-size")), _plane,
    "x*z plane",
)
SUPPORTED = Constraint(
    "supported-operator", "The operator is in the Edge TPU's supported set",
    status.NOT_SUPPORTED, "documented", CORAL_TABLE, lambda view: None, "TPU201",
)
CUSTOM = Constraint(
    "custom-operator", "Custom operators run on the CPU",
    status.UNSUPPORTED_TYPE, "documented",
    "compiler logs: custom post-processing operators report an unsupported data type",
    lambda view: None, "TPU204",
)
FLEX = Constraint(
    "flex-operator", "TensorFlow Select (Flex) operators need a delegate the Edge TPU lacks",
    status.UNSUPPORTED_TYPE, "documented",
    "compiler logs: custom operators report an unsupported data type", lambda view: None,
    "TPU205",
)
# The compiler parses operator versions introduced with TensorFlow 2.6 (`versions.py`) but does
# not map them: all 15 int8 ADD v4 of a YOLOv10n stay on the CPU, the first ending the region.
VERSION = Constraint(
    "mapped-version", "The operator version is one the compiler maps",
    status.VERSION_NOT_SUPPORTED,
    "observed", "corpus: YOLOv10n (edward62740/EdgeTPU-MOT), every int8 ADD v4 on the CPU",
    lambda view: None,
)
# Checked before the operator's type, and after its own constraints, for every operator.
GENERIC = (RANK, DATA_TYPE)
GENERIC_LIMITS = (PLANE_SIZE,)
