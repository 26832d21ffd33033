"""What Edge TPU compiler 16 maps, operator by operator.

`OPERATORS` is the supported set: for each TensorFlow Lite builtin the Edge TPU runs, its name in
Coral's table, the runtime version that added it, which inputs are parameters, and its
constraints. A constraint is a predicate with the line the documentation prints (formatted from
the limit it checks), the compiler status string it produces when violated, and its basis:
`documented` (Coral's table or model requirements), `observed` (measured on real compiler output)
or `inferred`. `check_operator` runs the checks every operator shares (rank, data type) and then
the operator's own, and reports every violation, not only the first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from tpulint.analysis import limits, status
from tpulint.analysis.versions import parse_verdict
from tpulint.ir import INTEGER_8BIT, Model, Operator, Subgraph, Tensor

# Constant tensors of these types are parameters (biases, shapes, axes), not data.
PARAMETER_TYPES = frozenset({"int32", "int64"})


@dataclass(frozen=True, slots=True)
class OperatorView:
    """One operator with the tensors around it, as the constraints see it."""

    model: Model
    subgraph: Subgraph
    op: Operator
    spec: OperatorSpec | None = None

    def input(self, position: int) -> Tensor | None:
        if position >= len(self.op.inputs):
            return None
        return self.subgraph.tensor(self.op.inputs[position])

    @property
    def outputs(self) -> list[Tensor]:
        return self.subgraph.op_outputs(self.op)

    def data_tensors(self) -> Iterator[Tensor]:
        """Inputs that are not parameters (weights, shapes, axes), then outputs."""
        parameters = self.spec.parameters if self.spec else ()
        for position, index in enumerate(self.op.inputs):
            tensor = self.subgraph.tensor(index)
            if tensor is not None and position not in parameters:
                yield tensor
        yield from self.outputs

    def option(self, name: str, default: object = None) -> object:
        return self.op.options.get(name, default)


Check = Callable[[OperatorView], "str | None"]


@dataclass(frozen=True, slots=True)
class Constraint:
    name: str
    text: str
    status: str
    basis: str
    source: str
    check: Check = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Violation:
    constraint: Constraint
    detail: str

    @property
    def status(self) -> str:
        return self.constraint.status


@dataclass(frozen=True, slots=True)
class OperatorSpec:
    opcode: str
    coral_name: str
    min_runtime: int = 10
    parameters: tuple[int, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    note: str = ""


CORAL_TABLE = "Coral supported-operations table (coral.ai/docs/edgetpu/models-intro)"
CORAL_REQUIREMENTS = "Coral model requirements (coral.ai/docs/edgetpu/models-intro)"


def _describe(tensor: Tensor) -> str:
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
    for tensor in view.data_tensors():
        outer = tensor.shape[: -limits.MAPPED_DIMENSIONS.value]
        if any(dim > 1 for dim in outer):
            return f"{_describe(tensor)} has a dimension larger than 1 outside the 3 innermost"
    return None


def _check_data_type(view: OperatorView) -> str | None:
    for tensor in view.data_tensors():
        if tensor.dtype in INTEGER_8BIT:
            continue
        if tensor.constant and tensor.dtype in PARAMETER_TYPES:
            continue
        if view.op.opcode == "QUANTIZE" and view.op.inputs[:1] == (tensor.index,):
            continue  # judged by QUANTIZE's own constraint
        return f"{_describe(tensor)} is not an 8-bit integer tensor"
    return None


def _check_plane(view: OperatorView) -> str | None:
    for tensor in view.data_tensors():
        if _plane(tensor) > limits.PLANE_BYTES.value:
            return (f"{_describe(tensor)} has a {_plane(tensor):,}-byte x*z plane "
                    f"(limit {limits.PLANE_BYTES})")
    return None


RANK = Constraint(
    "tensor-rank", "Tensors have at most 3 dimensions larger than 1, and they are the innermost",
    status.UNSUPPORTED_RANK, "documented", CORAL_REQUIREMENTS, _check_rank,
)
DATA_TYPE = Constraint(
    "data-type", "Tensors are 8-bit integers (int8 or uint8); constant int32 biases and shapes",
    status.UNSUPPORTED_TYPE, "documented", CORAL_REQUIREMENTS, _check_data_type,
)
PLANE_SIZE = Constraint(
    "plane-size",
    f"The x*z plane (two innermost dimensions) of each tensor is at most {limits.PLANE_BYTES}",
    status.UNSPECIFIED, "observed", limits.PLANE_BYTES.source, _check_plane,
)
SUPPORTED = Constraint(
    "supported-operator", "The operator is in the Edge TPU's supported set",
    status.NOT_SUPPORTED, "documented", CORAL_TABLE, lambda view: None,
)
CUSTOM = Constraint(
    "custom-operator", "Custom operators run on the CPU",
    status.UNSUPPORTED_TYPE, "documented",
    "compiler logs: custom post-processing operators report an unsupported data type",
    lambda view: None,
)


# Operator constraints --------------------------------------------------------------------------


def no_fused_activation() -> Constraint:
    def check(view: OperatorView) -> str | None:
        activation = view.option("fused_activation_function", "NONE")
        return f"fused activation {activation}" if activation != "NONE" else None

    return Constraint("no-fused-activation", "No fused activation function",
                      status.UNSPECIFIED, "documented", CORAL_TABLE, check)


def equal_dilation() -> Constraint:
    def check(view: OperatorView) -> str | None:
        w, h = view.option("dilation_w_factor", 1), view.option("dilation_h_factor", 1)
        return f"dilation {w} in x but {h} in y" if w != h else None

    return Constraint("equal-dilation", "Dilation is the same in x and y",
                      status.UNSPECIFIED, "documented", CORAL_TABLE, check)


def constant_parameters(*positions: int) -> Constraint:
    def check(view: OperatorView) -> str | None:
        for position in positions:
            tensor = view.input(position)
            if tensor is not None and not tensor.constant:
                return f"input {position} ({_describe(tensor)}) is computed at run time"
        return None

    return Constraint("constant-parameters", "Weights and biases are constant",
                      status.NOT_CONSTANT, "documented", CORAL_REQUIREMENTS, check)


def fully_connected_weights() -> Constraint:
    """Constant weights, unless the operands are swapped: a constant input and one-row weights.

    FULLY_CONNECTED(input=C[n, k], weights=x[1, k]) computes C.x, an [n, 1] output laid out as
    [1, n]: the compiler maps it as x times constant weights C (36 such operators mapped by
    compiler 16 in tpulint's corpus, random forests compiled as matrix products).
    """
    weights = constant_parameters(1, 2)

    def check(view: OperatorView) -> str | None:
        source, kernel = view.input(0), view.input(1)
        if source is not None and source.constant and kernel is not None and \
                len(kernel.shape) == 2 and kernel.shape[0] == 1:
            return constant_parameters(2).check(view)
        return weights.check(view)

    return Constraint(weights.name, "Weights and biases are constant (or the input is constant "
                      "and the weights have one row)", weights.status, weights.basis,
                      weights.source, check)


def split_outer_axis() -> Constraint:
    """A SPLIT along the outermost dimension of a tensor of rank 2 or 3 is not mapped."""

    def check(view: OperatorView) -> str | None:
        source = view.input(1)
        values = _axis_values(view, 0)
        if source is None or values is None or not 2 <= len(source.shape) <= 3:
            return None
        if any(axis % len(source.shape) == 0 for axis in values) and source.shape[0] > 1:
            return f"splits {_describe(source)} along its outermost dimension"
        return None

    return Constraint("split-outer-axis", "Does not split a 2-D or 3-D tensor along its "
                      "outermost dimension", status.TWO_D_OUTPUT, "observed",
                      "compiler 16 log: two SPLITs of [16, 14, 1] and [16, 15, 1] along axis 0 "
                      "(R-e-d-a-X/EdgeTPU-and-NCS, model_16_4_2_1)", check)


def _axis_values(view: OperatorView, position: int) -> list[int] | None:
    """The constant axis input's values, read from the file (None when it is not constant)."""
    tensor = view.input(position)
    if tensor is None or not tensor.constant or tensor.dtype not in PARAMETER_TYPES:
        return None
    raw = view.model.data(tensor)
    width = 8 if tensor.dtype == "int64" else 4
    count = len(raw) // width
    return [int.from_bytes(raw[i * width : (i + 1) * width], "little", signed=True)
            for i in range(count)]


def not_on_batch(what: str, axis_input: int | None = None, option: str | None = None,
                 paddings: bool = False) -> Constraint:
    """The operator must not work along the batch (outermost of 4) dimension."""

    def check(view: OperatorView) -> str | None:
        source = view.input(0)
        rank = len(source.shape) if source is not None else 0
        if rank < 4:
            return None
        axes: list[int] = []
        if option is not None:
            axes = [int(view.option(option, 0))]  # type: ignore[call-overload]
        elif axis_input is not None:
            values = _axis_values(view, axis_input)
            if values is None:
                return None
            if paddings:
                # Paddings are [rank, 2]: before and after per dimension.
                return ("pads the batch dimension"
                        if len(values) >= 2 and (values[0] or values[1]) else None)
            axes = values
        if any(axis % rank == 0 for axis in axes):
            return f"{what} the batch dimension"
        return None

    return Constraint(f"no-batch-{what.split()[0]}", f"Does not {what.split()[0]} the batch "
                      "dimension", status.UNSPECIFIED, "documented", CORAL_TABLE, check)


def unit_strides() -> Constraint:
    def check(view: OperatorView) -> str | None:
        strides = _axis_values(view, 3)
        if strides and any(s != 1 for s in strides):
            return f"strides {strides}"
        return None

    return Constraint("unit-strides", "All strides are 1 (a plain slice)",
                      status.UNITARY_STRIDES, "documented", CORAL_TABLE, check)


def no_mask(name: str) -> Constraint:
    def check(view: OperatorView) -> str | None:
        value = view.option(name, 0)
        return f"{name} {value}" if value else None

    return Constraint(f"no-{name.replace('_', '-')}", f"{name} is 0",
                      status.UNSPECIFIED, "documented", CORAL_TABLE, check)


def concat_constants() -> Constraint:
    def check(view: OperatorView) -> str | None:
        inputs = [view.subgraph.tensor(i) for i in view.op.inputs]
        constants = [t for t in inputs if t is not None and t.constant]
        if not constants:
            return None
        if len(inputs) != 2:
            return f"{len(inputs)} inputs with a constant among them"
        if any(view.model.data(t).tobytes().strip(b"\0") for t in constants):
            return "a constant input that is not all zeros"
        return None

    return Constraint("concat-constant-input",
                      "A constant input is allowed only as the second of 2 inputs and all zeros",
                      status.UNSPECIFIED, "documented", CORAL_TABLE, check)


def integer_input() -> Constraint:
    def check(view: OperatorView) -> str | None:
        source = view.input(0)
        if source is not None and source.dtype not in INTEGER_8BIT:
            return f"converts a {source.dtype} input (float-to-integer quantization)"
        return None

    return Constraint(
        "integer-requantize", "Only requantizes between 8-bit integer types",
        status.UNSPECIFIED, "documented",
        "compiler logs: a float input QUANTIZE is 'otherwise supported, but not mapped'", check,
    )


def default_weights_format() -> Constraint:
    def check(view: OperatorView) -> str | None:
        fmt = view.option("weights_format", "DEFAULT")
        return f"weights format {fmt}" if fmt != "DEFAULT" else None

    return Constraint("default-weights-format", "Weights use the default format",
                      status.UNSPECIFIED, "documented", CORAL_TABLE, check)


def one_dimensional_output() -> Constraint:
    def check(view: OperatorView) -> str | None:
        for tensor in view.outputs:
            if sum(1 for dim in tensor.shape if dim > 1) > 1:
                return f"{_describe(tensor)} has more than one dimension larger than 1"
        return None

    return Constraint("one-dimensional-output", "The output is one-dimensional",
                      status.UNSPECIFIED, "documented", CORAL_TABLE, check)


def prelu_alpha() -> Constraint:
    def check(view: OperatorView) -> str | None:
        alpha = view.input(1)
        if alpha is not None and any(dim > 1 for dim in alpha.shape[:-1]):
            return f"alpha {list(alpha.shape)} varies outside the innermost dimension"
        return None

    return Constraint("prelu-alpha", "Alpha varies only along the innermost dimension",
                      status.UNSPECIFIED, "documented", CORAL_TABLE, check)


def transpose_size() -> Constraint:
    def check(view: OperatorView) -> str | None:
        source = view.input(0)
        if source is not None and source.elements > limits.TRANSPOSE_BYTES.value:
            return f"{_describe(source)} holds {source.elements:,} bytes"
        return None

    return Constraint("transpose-size", f"The tensor holds at most {limits.TRANSPOSE_BYTES}",
                      status.UNSPECIFIED, "observed", limits.TRANSPOSE_BYTES.source, check)


def bilinear_output_size() -> Constraint:
    def check(view: OperatorView) -> str | None:
        for tensor in view.outputs:
            if tensor.elements > limits.RESIZE_BILINEAR_OUTPUT.value:
                return f"{_describe(tensor)} holds {tensor.elements:,} bytes"
        return None

    return Constraint("resize-output-size",
                      f"The output holds at most {limits.RESIZE_BILINEAR_OUTPUT}",
                      status.UNSPECIFIED, "observed", limits.RESIZE_BILINEAR_OUTPUT.source, check)


def bilinear_source_size() -> Constraint:
    def check(view: OperatorView) -> str | None:
        source = view.input(0)
        if source is None or len(source.shape) < 3:
            return None
        height, width = source.shape[-3], source.shape[-2]
        if height == 1 and width == 1:
            return "resizes a 1x1 source (a broadcast; TILE maps instead)"
        return None

    return Constraint(
        "resize-source-size", "The source is larger than 1x1",
        status.UNSPECIFIED, "observed",
        "corpus: DeepLab v3's 1x1-to-33x33 bilinear resize stays on the CPU, TILE maps",
        check,
    )


def transpose_keeps_batch() -> Constraint:
    def check(view: OperatorView) -> str | None:
        perm = _axis_values(view, 1)
        return f"permutation {perm} moves the batch dimension" if perm and perm[0] != 0 else None

    return Constraint("transpose-keeps-batch", "The permutation keeps the batch dimension first",
                      status.UNSPECIFIED, "inferred", CORAL_TABLE, check)


# The compiler parses operator versions introduced with TensorFlow 2.6 (`versions.py`) but does
# not map them: all 15 int8 ADD v4 of a YOLOv10n stay on the CPU, the first ending the region.
VERSION = Constraint(
    "mapped-version", "The operator version is one the compiler maps",
    status.VERSION_NOT_SUPPORTED,
    "observed", "corpus: YOLOv10n (edward62740/EdgeTPU-MOT), every int8 ADD v4 on the CPU",
    lambda view: None,
)

_POOL = (no_fused_activation(),)

OPERATORS: dict[str, OperatorSpec] = {spec.opcode: spec for spec in (
    OperatorSpec("ADD", "Add"),
    OperatorSpec("AVERAGE_POOL_2D", "AveragePool2d", constraints=_POOL),
    OperatorSpec("CONCATENATION", "Concatenation",
                 constraints=(no_fused_activation(), concat_constants())),
    OperatorSpec("CONV_2D", "Conv2d", parameters=(1, 2),
                 constraints=(constant_parameters(1, 2), equal_dilation())),
    OperatorSpec("DEPTHWISE_CONV_2D", "DepthwiseConv2d", parameters=(1, 2),
                 constraints=(constant_parameters(1, 2), equal_dilation())),
    OperatorSpec("EXPAND_DIMS", "ExpandDims", min_runtime=13, parameters=(1,)),
    OperatorSpec("FULLY_CONNECTED", "FullyConnected", parameters=(1, 2),
                 constraints=(fully_connected_weights(), default_weights_format(),
                              one_dimensional_output())),
    OperatorSpec("L2_NORMALIZATION", "L2Normalization"),
    OperatorSpec("LOGISTIC", "Logistic"),
    OperatorSpec("LSTM", "LSTM", min_runtime=14, parameters=tuple(range(1, 24)),
                 note="unidirectional only"),
    OperatorSpec("UNIDIRECTIONAL_SEQUENCE_LSTM", "LSTM", min_runtime=14,
                 parameters=tuple(range(1, 24)), note="unidirectional only"),
    OperatorSpec("MAXIMUM", "Maximum"),
    OperatorSpec("MAX_POOL_2D", "MaxPool2d", constraints=_POOL),
    OperatorSpec("MEAN", "Mean", parameters=(1,), constraints=(not_on_batch("reduce", 1),)),
    OperatorSpec("MINIMUM", "Minimum"),
    OperatorSpec("MUL", "Mul"),
    OperatorSpec("PACK", "Pack", min_runtime=13,
                 constraints=(not_on_batch("pack", option="axis"),)),
    OperatorSpec("PAD", "Pad", parameters=(1,),
                 constraints=(not_on_batch("pad", 1, paddings=True),)),
    OperatorSpec("PADV2", "Pad", parameters=(1, 2),
                 constraints=(not_on_batch("pad", 1, paddings=True),)),
    OperatorSpec("PRELU", "PReLU", min_runtime=13, constraints=(prelu_alpha(),)),
    OperatorSpec("QUANTIZE", "Quantize", min_runtime=13, constraints=(integer_input(),)),
    OperatorSpec("REDUCE_MAX", "ReduceMax", min_runtime=14, parameters=(1,),
                 constraints=(not_on_batch("reduce", 1),)),
    OperatorSpec("REDUCE_MIN", "ReduceMin", min_runtime=14, parameters=(1,),
                 constraints=(not_on_batch("reduce", 1),)),
    OperatorSpec("RELU", "ReLU"),
    OperatorSpec("RELU6", "ReLU6"),
    OperatorSpec("RELU_N1_TO_1", "ReLUN1To1"),
    OperatorSpec("RESHAPE", "Reshape", parameters=(1,)),
    OperatorSpec("RESIZE_BILINEAR", "ResizeBilinear", parameters=(1,),
                 constraints=(bilinear_source_size(), bilinear_output_size())),
    OperatorSpec("RESIZE_NEAREST_NEIGHBOR", "ResizeNearestNeighbor", parameters=(1,)),
    OperatorSpec("RSQRT", "Rsqrt", min_runtime=14),
    OperatorSpec("SLICE", "Slice", parameters=(1, 2)),
    OperatorSpec("SOFTMAX", "Softmax"),
    OperatorSpec("SPACE_TO_DEPTH", "SpaceToDepth"),
    OperatorSpec("SPLIT", "Split", parameters=(0,),
                 constraints=(not_on_batch("split", 0), split_outer_axis())),
    OperatorSpec("SPLIT_V", "Split", parameters=(1, 2),
                 constraints=(not_on_batch("split", 2),)),
    OperatorSpec("SQUARED_DIFFERENCE", "SquaredDifference", min_runtime=14),
    OperatorSpec("SQUEEZE", "Squeeze"),
    OperatorSpec("STRIDED_SLICE", "StridedSlice", parameters=(1, 2, 3),
                 constraints=(unit_strides(), no_mask("ellipsis_mask"),
                              no_mask("new_axis_mask"))),
    OperatorSpec("SUB", "Sub"),
    OperatorSpec("SUM", "Sum", min_runtime=13, parameters=(1,),
                 constraints=(not_on_batch("reduce", 1),)),
    OperatorSpec("TANH", "Tanh"),
    OperatorSpec("TILE", "Tile", parameters=(1,),
                 note="not in Coral's table; observed mapped by compiler 16"),
    OperatorSpec("TRANSPOSE", "Transpose", min_runtime=14, parameters=(1,),
                 constraints=(transpose_keeps_batch(), transpose_size())),
    OperatorSpec("TRANSPOSE_CONV", "TransposeConv", min_runtime=13, parameters=(0, 1, 3),
                 constraints=(constant_parameters(1, 3),)),
)}


def check_operator(view: OperatorView, runtime: int = limits.DEFAULT_RUNTIME) -> list[Violation]:
    """Every constraint `view.op` violates on its own, in the order the compiler reports them."""
    op = view.op
    if op.is_custom:
        return [Violation(CUSTOM, f"custom operator '{op.custom_code}'")]
    spec = OPERATORS.get(op.opcode)
    view = OperatorView(view.model, view.subgraph, op, spec)
    found: list[Violation] = []
    for constraint in (RANK, DATA_TYPE):
        detail = constraint.check(view)
        if detail:
            found.append(Violation(constraint, detail))
    if spec is None:
        found.append(Violation(SUPPORTED, "not in the Edge TPU's operator set"))
        return found
    if parse_verdict(op.opcode, op.builtin_code, op.version) == "unconfirmed":
        found.append(Violation(VERSION, f"{op.opcode} version {op.version} came with "
                                        "TensorFlow 2.6, after the Edge TPU's operator set"))
    if spec.min_runtime > runtime:
        found.append(Violation(SUPPORTED, f"{op.opcode} needs runtime {spec.min_runtime}, "
                                          f"the target is {runtime}"))
    for constraint in (*spec.constraints, PLANE_SIZE):
        detail = constraint.check(view)
        if detail:
            found.append(Violation(constraint, detail))
    return found
