"""Each operator constraint on its boundary, and who reports it, on graphs built in memory."""

from __future__ import annotations

from collections import Counter

import pytest
from irbuild import GraphBuilder

from tpulint.analysis import limits, operators
from tpulint.analysis.constraints import OperatorView
from tpulint.analysis.support import check_operator
from tpulint.engine.check import check_model
from tpulint.engine.config import Settings
from tpulint.engine.registry import load_registry

RULES = list(load_registry(plugins=False))


def broken(g: GraphBuilder, op: int = -1) -> list[str]:
    """Names of the constraints operator `op` (default: the last added) violates."""
    model = g.model()
    target = model.main.operators[op]
    return [v.constraint.name for v in check_operator(OperatorView(model, model.main, target))]


def _conv(opcode: str, kernel: tuple[int, int], dilation: tuple[int, int]) -> GraphBuilder:
    g = GraphBuilder()
    x = g.input((1, 16, 16, 4))
    height, width = kernel
    w = g.const((4, height, width, 4) if opcode == "CONV_2D" else (1, height, width, 4))
    b = g.const((4,), "int32")
    out = g.tensor((1, 16, 16, 4))
    g.op(opcode, [x, w, b], [out], version=2,
         options={"dilation_h_factor": dilation[0], "dilation_w_factor": dilation[1]})
    return g


@pytest.mark.parametrize("opcode", ["CONV_2D", "DEPTHWISE_CONV_2D"])
@pytest.mark.parametrize(("kernel", "dilation", "maps"), [
    ((3, 3), (1, 1), True),
    ((3, 3), (2, 2), True),
    ((3, 3), (2, 1), False),
    ((3, 3), (1, 2), False),
    # A kernel one tap wide along an axis never reads a second tap there: dilation along it
    # changes nothing (a TCN's 3x1 kernels dilated in time map, compiler 16).
    ((3, 1), (4, 1), True),
    ((3, 1), (4, 2), True),
    ((1, 3), (1, 4), True),
    ((3, 1), (1, 4), True),
])
def test_equal_dilation(opcode: str, kernel: tuple[int, int], dilation: tuple[int, int],
                        maps: bool) -> None:
    assert ("equal-dilation" not in broken(_conv(opcode, kernel, dilation))) is maps


def _reduce(axes: list[int], rank: int = 4) -> GraphBuilder:
    g = GraphBuilder()
    x = g.input((1, 4, 4, 8)[-rank:])
    axis = g.const((len(axes),), "int32", values=axes)
    g.op("MEAN", [x, axis], [g.tensor((1, 8))])
    return g


@pytest.mark.parametrize(("axes", "rank", "maps"), [
    ([1, 2], 4, True), ([3], 4, True), ([0], 4, False), ([-4], 4, False), ([0, 1], 4, False),
    ([0], 3, True),  # no batch dimension below rank 4
])
def test_reduce_not_on_batch(axes: list[int], rank: int, maps: bool) -> None:
    assert ("no-batch-reduce" not in broken(_reduce(axes, rank))) is maps


@pytest.mark.parametrize(("axis", "maps"), [(1, True), (3, True), (0, False), (-4, False)])
def test_pack_not_on_batch(axis: int, maps: bool) -> None:
    g = GraphBuilder()
    a, b = g.input((1, 4, 4, 2)), g.input((1, 4, 4, 2))
    g.op("PACK", [a, b], [g.tensor((1, 4, 4, 2, 2))], options={"axis": axis})
    assert ("no-batch-pack" not in broken(g)) is maps


@pytest.mark.parametrize(("paddings", "maps"), [
    ([0, 0, 1, 1, 1, 1, 0, 0], True), ([0, 1, 0, 0, 0, 0, 0, 0], False),
    ([1, 0, 0, 0, 0, 0, 0, 0], False), ([0, 0, 0, 0, 0, 0, 3, 3], True),
])
def test_pad_not_on_batch(paddings: list[int], maps: bool) -> None:
    g = GraphBuilder()
    x = g.input((1, 4, 4, 2))
    pads = g.const((4, 2), "int32", values=paddings)
    g.op("PAD", [x, pads], [g.tensor((1, 6, 6, 2))])
    assert ("no-batch-pad" not in broken(g)) is maps


@pytest.mark.parametrize(("axis", "batch", "maps"), [
    (3, 1, True), (-1, 1, True), (0, 2, False), (3, 2, True),
    (0, 1, True),  # a batch of 1 splits into one piece: a copy, mapped (compiler 16, YAMNet)
])
def test_split_not_on_batch(axis: int, batch: int, maps: bool) -> None:
    g = GraphBuilder()
    split_axis = g.const((1,), "int32", values=[axis])
    x = g.input((batch, 4, 4, 8))
    g.op("SPLIT", [split_axis, x], [g.tensor((1, 4, 4, 4)), g.tensor((1, 4, 4, 4))],
         options={"num_splits": 2})
    assert ("no-batch-split" not in broken(g)) is maps


def _strided_slice(**masks: int) -> GraphBuilder:
    g = GraphBuilder()
    x = g.input((1, 8, 8, 4))
    begin = g.const((4,), "int32", values=[0, 0, 0, 0])
    end = g.const((4,), "int32", values=[1, 8, 8, 2])
    strides = g.const((4,), "int32", values=[1, 1, 1, 1])
    g.op("STRIDED_SLICE", [x, begin, end, strides], [g.tensor((1, 8, 8, 2))], options=masks)
    return g


@pytest.mark.parametrize(("masks", "expected"), [
    ({}, []),
    ({"begin_mask": 15, "end_mask": 15, "shrink_axis_mask": 1}, []),
    ({"ellipsis_mask": 1}, ["no-ellipsis-mask"]),
    ({"new_axis_mask": 2}, ["no-new-axis-mask"]),
    ({"ellipsis_mask": 1, "new_axis_mask": 2}, ["no-ellipsis-mask", "no-new-axis-mask"]),
])
def test_strided_slice_masks(masks: dict[str, int], expected: list[str]) -> None:
    assert broken(_strided_slice(**masks)) == expected


@pytest.mark.parametrize(("constant", "count", "zeros", "maps"), [
    (None, 2, True, True),  # two computed inputs
    (1, 2, True, True),  # zero padding as the second of two inputs
    (1, 2, False, False),  # a constant that is not zeros
    (1, 3, True, False),  # a constant among three inputs
])
def test_concatenation_constant_input(constant: int | None, count: int, zeros: bool,
                                      maps: bool) -> None:
    g = GraphBuilder()
    inputs = []
    for position in range(count):
        if position == constant:
            inputs.append(g.const((1, 4, 4, 2), values=None if zeros else [1] * 32))
        else:
            inputs.append(g.input((1, 4, 4, 2)))
    g.op("CONCATENATION", inputs, [g.tensor((1, 4, 4, 2 * count))], options={"axis": 3})
    assert ("concat-constant-input" not in broken(g)) is maps


def _fully_connected(output: tuple[int, ...], weights_format: str = "DEFAULT") -> GraphBuilder:
    g = GraphBuilder()
    x = g.input((1, 16))
    w = g.const((8, 16))
    b = g.const((8,), "int32")
    g.op("FULLY_CONNECTED", [x, w, b], [g.tensor(output)], version=4,
         options={"weights_format": weights_format})
    return g


@pytest.mark.parametrize(("weights_format", "maps"), [
    ("DEFAULT", True), ("SHUFFLED4x16INT8", False),
])
def test_fully_connected_weights_format(weights_format: str, maps: bool) -> None:
    assert ("default-weights-format" not in broken(_fully_connected((1, 8), weights_format))) \
        is maps


@pytest.mark.parametrize(("output", "maps"), [
    ((1, 8), True), ((8,), True), ((1, 1, 8), True), ((2, 8), False), ((1, 2, 8), False),
])
def test_fully_connected_one_dimensional_output(output: tuple[int, ...], maps: bool) -> None:
    assert ("one-dimensional-output" not in broken(_fully_connected(output))) is maps


@pytest.mark.parametrize(("alpha", "maps"), [
    ((4,), True), ((1, 1, 4), True), ((1, 1, 1, 4), True), ((1, 2, 4), False), ((8, 8, 4), False),
])
def test_prelu_alpha(alpha: tuple[int, ...], maps: bool) -> None:
    g = GraphBuilder()
    x = g.input((1, 8, 8, 4))
    g.op("PRELU", [x, g.const(alpha)], [g.tensor((1, 8, 8, 4))])
    assert ("prelu-alpha" not in broken(g)) is maps


def _bilinear(source: tuple[int, ...], output: tuple[int, ...]) -> GraphBuilder:
    g = GraphBuilder()
    x = g.input(source)
    size = g.const((2,), "int32", values=list(output[1:3]))
    g.op("RESIZE_BILINEAR", [x, size], [g.tensor(output)], version=2)
    return g


@pytest.mark.parametrize(("side", "maps"), [
    (181, True),  # 181*181*32 = 1,048,352 bytes, just under 1 MiB
    (182, False),  # 1,059,968 bytes
])
def test_bilinear_output_size(side: int, maps: bool) -> None:
    assert side * side * 32 <= limits.RESIZE_BILINEAR_OUTPUT.value or not maps
    g = _bilinear((1, 8, 8, 32), (1, side, side, 32))
    assert ("resize-output-size" not in broken(g)) is maps


@pytest.mark.parametrize(("source", "maps"), [
    ((1, 1, 1, 16), False), ((1, 2, 1, 16), True), ((1, 1, 2, 16), True), ((1, 4, 4, 16), True),
])
def test_bilinear_source_larger_than_one_pixel(source: tuple[int, ...], maps: bool) -> None:
    g = _bilinear(source, (1, 8, 8, 16))
    assert ("resize-source-size" not in broken(g)) is maps


@pytest.mark.parametrize(("perm", "maps"), [
    ([0, 3, 1, 2], True), ([0, 2, 1, 3], True), ([1, 0, 2, 3], False), ([3, 1, 2, 0], False),
])
def test_transpose_keeps_batch(perm: list[int], maps: bool) -> None:
    g = GraphBuilder()
    x = g.input((1, 4, 4, 4))
    g.op("TRANSPOSE", [x, g.const((4,), "int32", values=perm)], [g.tensor((1, 4, 4, 4))],
         version=2)
    assert ("transpose-keeps-batch" not in broken(g)) is maps


# Who reports what ------------------------------------------------------------------------------


def test_every_constraint_has_exactly_one_owner_that_exists() -> None:
    codes = {rule.code for rule in RULES}
    constraints = operators.all_constraints()
    owners: dict[str, set[str]] = {}
    for constraint in constraints:
        owners.setdefault(constraint.name, set()).add(constraint.reported_by)
    assert {name: found for name, found in owners.items() if len(found) != 1} == {}
    assert {c.name: c.reported_by for c in constraints if c.reported_by not in codes} == {}


@pytest.mark.parametrize(("constant", "maps"), [
    ((), False), ((1, 2), True), ((0,), True),  # a constant input multiplies computed weights
])
def test_fully_connected_needs_one_constant_operand(constant: tuple[int, ...], maps: bool) -> None:
    g = GraphBuilder()
    x = g.const((4, 16)) if 0 in constant else g.input((4, 16))
    w = g.const((1, 16)) if 1 in constant else g.input((1, 16))
    inputs = [x, w, g.const((1,), "int32")] if 2 in constant else [x, w, -1]
    g.op("FULLY_CONNECTED", inputs, [g.tensor((4, 1))], version=4)
    assert ("constant-parameters" not in broken(g)) is maps


def test_a_violation_is_reported_by_its_owner_only() -> None:
    # A FULLY_CONNECTED with computed weights and a 2-D output breaks two constraints, each
    # owned by a different rule.
    g = GraphBuilder()
    x = g.input((1, 16))
    w = g.input((8, 16))
    g.op("FULLY_CONNECTED", [x, w, g.const((8,), "int32")], [g.tensor((2, 8))], version=4)
    result = check_model(g.model(), "memory.tflite", RULES, Settings())
    found = Counter(f.code for f in result.findings if f.code in ("TPU203", "TPU304"))
    assert found == {"TPU203": 1, "TPU304": 1}
    (tpu203,) = [f for f in result.findings if f.code == "TPU203"]
    assert tpu203.data["constraints"] == ["one-dimensional-output"]


def test_generic_exemptions_are_data() -> None:
    # QUANTIZE's float input is judged by its own constraint, not by the shared data-type check.
    g = GraphBuilder()
    x = g.input((1, 4, 4, 4), "float32", quantized=False)
    g.unary("QUANTIZE", x)
    assert operators.INDEX["QUANTIZE"].exempt == {"data-type": (0,)}
    assert broken(g) == ["integer-requantize"]
