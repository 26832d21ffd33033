"""Constraints of single operator types (Coral's restrictions column and observed limits).

Each builder returns a `Constraint`; `tpulint.analysis.operators` lists which operators carry
which. Reported by TPU203 unless the constraint names another rule.
"""

from __future__ import annotations

from tpulint.analysis import limits, status
from tpulint.analysis.constraints import (
    CORAL_REQUIREMENTS,
    CORAL_TABLE,
    PARAMETER_TYPES,
    Constraint,
    OperatorView,
    describe_tensor,
    size_limit,
)
from tpulint.ir import INTEGER_8BIT


def option_is(option: str, expected: object, name: str, text: str) -> Constraint:
    """The operator's option `option` keeps its value `expected` (Coral's table)."""

    def check(view: OperatorView) -> str | None:
        value = view.option(option, expected)
        if value is None or value == expected:
            return None
        return f"{option.replace('_', ' ')} {value}"

    return Constraint(name, text, status.UNSPECIFIED, "documented", CORAL_TABLE, check)


def no_fused_activation() -> Constraint:
    return option_is("fused_activation_function", "NONE", "no-fused-activation",
                     "No fused activation function")


def equal_dilation() -> Constraint:
    def check(view: OperatorView) -> str | None:
        w, h = view.option("dilation_w_factor", 1), view.option("dilation_h_factor", 1)
        weights = view.input(1)
        # Weights are [out, height, width, in] (depthwise: [1, height, width, channels]). A
        # kernel one tap long along an axis never reads a second tap there, so dilation along
        # it changes nothing: a TCN's 3x1 kernels dilated along time alone map (compiler 16).
        if weights is not None and len(weights.shape) == 4 and 1 in weights.shape[1:3]:
            return None
        return f"dilation {w} in x but {h} in y" if w != h else None

    return Constraint("equal-dilation",
                      "Dilation is the same in x and y (unless the kernel is 1 tap wide or high)",
                      status.UNSPECIFIED, "documented",
                      f"{CORAL_TABLE}; corpus: 3x1 kernels dilated along one axis map", check)


def constant_parameters(*positions: int) -> Constraint:
    def check(view: OperatorView) -> str | None:
        for position in positions:
            tensor = view.input(position)
            if tensor is not None and not tensor.constant:
                return f"input {position} ({describe_tensor(tensor)}) is computed at run time"
        return None

    return Constraint("constant-parameters", "Weights and biases are constant",
                      status.NOT_CONSTANT, "documented", CORAL_REQUIREMENTS, check, "TPU304")


def fully_connected_weights() -> Constraint:
    """Constant weights, unless the operands are swapped: a constant input and one-row weights.

    FULLY_CONNECTED(input=C[n, k], weights=x[1, k]) computes C.x, an [n, 1] output laid out as
    [1, n]: the compiler maps it as x times constant weights C (36 such operators mapped by
    compiler 16 in tpulint's corpus, random forests compiled as matrix products).
    """
    weights = constant_parameters(1, 2)
    bias = constant_parameters(2)

    def check(view: OperatorView) -> str | None:
        source, kernel = view.input(0), view.input(1)
        if source is not None and source.constant and kernel is not None and \
                len(kernel.shape) == 2 and kernel.shape[0] == 1:
            return bias.check(view)
        return weights.check(view)

    return Constraint(weights.name, "Weights and biases are constant (or the input is constant "
                      "and the weights have one row)", weights.status, weights.basis,
                      weights.source, check, weights.reported_by)


def split_outer_axis() -> Constraint:
    """A SPLIT along the outermost dimension of a tensor of rank 2 or 3 is not mapped."""

    def check(view: OperatorView) -> str | None:
        source = view.input(1)
        values = _axis_values(view, 0)
        if source is None or values is None or not 2 <= len(source.shape) <= 3:
            return None
        if any(axis % len(source.shape) == 0 for axis in values) and source.shape[0] > 1:
            return f"splits {describe_tensor(source)} along its outermost dimension"
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
                 paddings: bool = False, data_input: int = 0) -> Constraint:
    """The operator must not work along the batch (outermost of 4) dimension."""

    def check(view: OperatorView) -> str | None:
        source = view.input(data_input)
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
        if what == "split" and source is not None and source.shape[0] == 1:
            return None  # a batch of 1 splits into one piece, a copy (mapped, compiler 16)
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
    return option_is(name, 0, f"no-{name.replace('_', '-')}", f"{name} is 0")


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
        "TPU105",
    )


def default_weights_format() -> Constraint:
    return option_is("weights_format", "DEFAULT", "default-weights-format",
                     "Weights use the default format")


def one_dimensional_output() -> Constraint:
    def check(view: OperatorView) -> str | None:
        for tensor in view.outputs:
            if sum(1 for dim in tensor.shape if dim > 1) > 1:
                return f"{describe_tensor(tensor)} has more than one dimension larger than 1"
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
    return size_limit("transpose-size", "The tensor holds at most", limits.TRANSPOSE_BYTES,
                      lambda view: [view.input(0)])


def reshape_size() -> Constraint:
    return size_limit("reshape-size", "The tensor holds at most", limits.RESHAPE_BYTES,
                      lambda view: [view.input(0)])


def bilinear_output_size() -> Constraint:
    return size_limit("resize-output-size", "The output holds at most",
                      limits.RESIZE_BILINEAR_OUTPUT, lambda view: view.outputs)


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
