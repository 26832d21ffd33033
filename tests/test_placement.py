"""The placement engine on graphs built in memory: partitioning, reasons and limits."""

from __future__ import annotations

import pytest
from irbuild import GraphBuilder

from tpulint.analysis import limits, status
from tpulint.analysis.placement import CPU, TPU, predict


def placements(model):  # type: ignore[no-untyped-def]
    prediction = predict(model, model.main)
    return [(p.placement, p.reason) for p in prediction.operators], prediction


def test_supported_chain_maps_entirely() -> None:
    g = GraphBuilder()
    x = g.input((1, 8, 8, 4))
    y = g.unary("RELU", x)
    g.unary("LOGISTIC", y)
    rows, prediction = placements(g.model())
    assert rows == [(TPU, status.MAPPED)] * 2
    assert prediction.edgetpu_subgraphs == 1 and not prediction.fatal


def test_unsupported_operator_strands_what_depends_on_it() -> None:
    g = GraphBuilder()
    x = g.input((1, 8, 8, 4))
    a = g.unary("RELU", x)
    b = g.unary("LEAKY_RELU", a)
    c = g.unary("RELU", b)
    g.unary("LOGISTIC", c)
    rows, prediction = placements(g.model())
    assert rows == [(TPU, status.MAPPED), (CPU, status.NOT_SUPPORTED),
                    (CPU, status.MORE_THAN_ONE_SUBGRAPH), (CPU, status.MORE_THAN_ONE_SUBGRAPH)]
    assert [p.cause for p in prediction.operators[2:]] == [1, 1]


def test_independent_branch_keeps_mapping_after_a_cpu_operator() -> None:
    g = GraphBuilder()
    x = g.input((1, 8, 8, 4))
    trunk = g.unary("RELU", x)
    g.unary("LEAKY_RELU", trunk)  # a side output on the CPU
    branch = g.unary("RELU6", trunk)  # does not depend on the CPU operator
    g.unary("LOGISTIC", branch)
    rows, _ = placements(g.model())
    assert [r[0] for r in rows] == [TPU, CPU, TPU, TPU]


def test_leading_float_quantize_stays_on_cpu_without_splitting_the_graph() -> None:
    g = GraphBuilder()
    x = g.input((1, 8, 8, 3), "float32", quantized=False)
    q = g.unary("QUANTIZE", x)
    y = g.unary("RELU", q)
    g.unary("DEQUANTIZE", y, dtype="float32")
    rows, _ = placements(g.model())
    assert rows == [(CPU, status.UNSPECIFIED), (TPU, status.MAPPED),
                    (CPU, status.UNSUPPORTED_TYPE)]


def test_integer_requantize_maps() -> None:
    g = GraphBuilder()
    x = g.input((1, 8, 8, 3), "uint8")
    g.unary("QUANTIZE", x)
    rows, _ = placements(g.model())
    assert rows == [(TPU, status.MAPPED)]


def test_first_delegated_group_is_the_edge_tpu_region() -> None:
    # RELU -> CAST -> RELU -> RELU: the second group is larger but comes later.
    g = GraphBuilder()
    x = g.input((1, 8, 8, 4))
    a = g.unary("RELU", x)
    b = g.unary("CAST", a, dtype="int8")
    c = g.unary("RELU", b)
    g.unary("RELU", c)
    rows, _ = placements(g.model())
    assert [r[0] for r in rows] == [TPU, CPU, CPU, CPU]
    assert rows[2][1] == status.MORE_THAN_ONE_SUBGRAPH


@pytest.mark.parametrize(("shape", "maps"), [
    ((1, 8, 8, 4), True),
    ((8, 8, 4), True),
    ((2, 8, 8, 4), False),  # batch 2
    ((1, 1, 8, 8, 4), True),  # extra leading 1s are fine
    ((1, 2, 8, 8, 4), False),
])
def test_only_three_innermost_dimensions_may_exceed_one(shape: tuple[int, ...],
                                                        maps: bool) -> None:
    g = GraphBuilder()
    g.unary("RELU", g.input(shape))
    rows, _ = placements(g.model())
    assert rows[0] == ((TPU, status.MAPPED) if maps else (CPU, status.UNSUPPORTED_RANK))


@pytest.mark.parametrize(("dtype", "maps"), [
    ("int8", True), ("uint8", True), ("int16", False), ("float32", False), ("int32", False),
])
def test_only_8bit_activations_map(dtype: str, maps: bool) -> None:
    g = GraphBuilder()
    g.unary("RELU", g.input((1, 4, 4, 4), dtype), dtype=dtype)
    rows, _ = placements(g.model())
    assert rows[0] == ((TPU, status.MAPPED) if maps else (CPU, status.UNSUPPORTED_TYPE))


@pytest.mark.parametrize("delta", [0, 1])
def test_plane_size_limit_boundary(delta: int) -> None:
    width = 96
    depth = limits.PLANE_BYTES.value // width + delta  # x*z just at, then just over the limit
    g = GraphBuilder()
    g.unary("LOGISTIC", g.input((1, 1, width, depth)))
    rows, prediction = placements(g.model())
    over = width * depth > limits.PLANE_BYTES.value
    assert rows[0] == ((CPU, status.UNSPECIFIED) if over else (TPU, status.MAPPED))
    if over:
        assert prediction.operators[0].confidence == "medium"  # an observed, unpublished limit


@pytest.mark.parametrize(("spatial", "maps"), [(20, True), (40, False)])
def test_transpose_size_limit(spatial: int, maps: bool) -> None:
    g = GraphBuilder()
    x = g.input((1, spatial, spatial, 144))
    perm = g.const((4,), "int32", values=[0, 3, 1, 2])
    out = g.tensor((1, 144, spatial, spatial))
    g.op("TRANSPOSE", [x, perm], [out], version=2)
    rows, _ = placements(g.model())
    assert rows[0][0] == (TPU if maps else CPU)


def test_strided_slice_with_strides_reports_the_compilers_status() -> None:
    g = GraphBuilder()
    x = g.input((1, 8, 8, 4))
    begin = g.const((4,), "int32", values=[0, 0, 0, 0])
    end = g.const((4,), "int32", values=[1, 8, 8, 4])
    strides = g.const((4,), "int32", values=[1, 2, 2, 1])
    out = g.tensor((1, 4, 4, 4))
    g.op("STRIDED_SLICE", [x, begin, end, strides], [out])
    rows, _ = placements(g.model())
    assert rows[0] == (CPU, status.UNITARY_STRIDES)


def test_pooling_with_fused_activation_stays_on_cpu() -> None:
    g = GraphBuilder()
    x = g.input((1, 8, 8, 4))
    out = g.tensor((1, 4, 4, 4))
    g.op("MAX_POOL_2D", [x], [out], options={"fused_activation_function": "RELU"})
    rows, _ = placements(g.model())
    assert rows[0] == (CPU, status.UNSPECIFIED)


def test_non_constant_weights() -> None:
    g = GraphBuilder()
    x = g.input((1, 16))
    w = g.input((8, 16))
    bias = g.const((8,), "int32")
    out = g.tensor((1, 8))
    g.op("FULLY_CONNECTED", [x, w, bias], [out], version=4)
    rows, _ = placements(g.model())
    assert rows[0] == (CPU, status.NOT_CONSTANT)


def test_custom_operators_report_an_unsupported_data_type() -> None:
    g = GraphBuilder()
    g.unary("CUSTOM", g.input((1, 10, 4)), custom_code="TFLite_Detection_PostProcess")
    rows, _ = placements(g.model())
    assert rows[0] == (CPU, status.UNSUPPORTED_TYPE)


@pytest.mark.parametrize(("opcode", "version", "fatal"), [
    ("CONV_2D", 3, False), ("CONV_2D", 5, False), ("CONV_2D", 6, True),
    ("QUANTIZE", 2, False), ("QUANTIZE", 3, True), ("ADD", 4, False),
])
def test_versions_compiler16_cannot_parse_are_fatal(opcode: str, version: int,
                                                    fatal: bool) -> None:
    g = GraphBuilder()
    x = g.input((1, 4, 4, 4))
    if opcode == "CONV_2D":
        w = g.const((4, 1, 1, 4))
        b = g.const((4,), "int32")
        out = g.tensor((1, 4, 4, 4))
        g.op("CONV_2D", [x, w, b], [out], version=version)
    else:
        g.unary(opcode, x, version=version)
    prediction = predict(g.model(), g.model().main)
    assert bool(prediction.fatal) is fatal
    if fatal:
        assert "Didn't find op for builtin opcode" in prediction.fatal[0].message
        assert all(p.placement == CPU for p in prediction.operators)


def test_dynamic_size_is_fatal_but_dynamic_batch_is_not() -> None:
    for signature, fatal in (((-1, 8, 8, 4), False), ((1, -1, -1, 4), True)):
        g = GraphBuilder()
        g.unary("RELU", g.input((1, 8, 8, 4), signature=signature))
        prediction = predict(g.model(), g.model().main)
        assert bool(prediction.fatal) is fatal


def test_dynamic_range_quantization_is_fatal() -> None:
    g = GraphBuilder()
    x = g.input((1, 16), "float32", quantized=False)
    w = g.const((8, 16), "int8")
    b = g.const((8,), "float32", quantized=False)
    out = g.tensor((1, 8), "float32", quantized=False)
    g.op("FULLY_CONNECTED", [x, w, b], [out], version=4)
    prediction = predict(g.model(), g.model().main)
    assert [f.message for f in prediction.fatal] == ["Model not quantized"]


def _transpose_then_relu(elements_side: int) -> GraphBuilder:
    g = GraphBuilder()
    x = g.input((1, elements_side, elements_side, 200))
    perm = g.const((4,), "int32", values=[0, 3, 1, 2])
    out = g.tensor((1, 200, elements_side, elements_side))
    g.op("TRANSPOSE", [x, perm], [out], version=2)
    g.unary("RELU", out)
    return g


@pytest.mark.parametrize(("side", "placement", "confidence", "tpu_range"), [
    (18, TPU, "high", None),  # 64,800 bytes: at most what was seen mapped
    (20, TPU, "medium", (1, 2)),  # 80,000: inside the bracket, under the deciding value
    (23, CPU, "medium", (1, 2)),  # 105,800: still inside, over the deciding value
    (24, CPU, "high", None),  # 115,200: beyond the smallest seen refused
])
def test_a_size_inside_a_bracket_is_a_medium_confidence_guess_with_a_range(
        side: int, placement: str, confidence: str, tpu_range: tuple[int, int] | None) -> None:
    limit = limits.TRANSPOSE_BYTES
    assert limit.mapped is not None and limit.refused is not None
    size = side * side * 200
    assert (limit.mapped < size < limit.refused) is (tpu_range is not None)
    model = _transpose_then_relu(side).model()
    prediction = predict(model, model.main)
    transpose = prediction.operators[0]
    assert (transpose.placement, transpose.confidence) == (placement, confidence)
    assert prediction.tpu_range == tpu_range
    if tpu_range:
        assert prediction.depends_on == ("transpose-size",)


def test_a_later_group_of_only_requantizations_reports_an_unspecified_limitation() -> None:
    g = GraphBuilder()
    x = g.input((1, 8, 8, 4))
    y = g.unary("RELU", x)
    z = g.unary("CUSTOM", y, dtype="float32", custom_code="PostProcess")
    q = g.unary("QUANTIZE", z)  # float to int8: its own constraint
    g.unary("QUANTIZE", q, dtype="uint8")  # int8 to uint8, alone in a later group
    rows, prediction = placements(g.model())
    assert rows[:2] == [(TPU, status.MAPPED), (CPU, status.UNSUPPORTED_TYPE)]
    assert rows[2:] == [(CPU, status.UNSPECIFIED), (CPU, status.UNSPECIFIED)]
    assert [p.kind for p in prediction.operators[2:]] == [CPU, "stranded"]


def test_the_summary_gives_the_range_and_what_it_depends_on() -> None:
    from tpulint.engine.check import check_model
    from tpulint.engine.config import Settings
    from tpulint.engine.registry import load_registry

    result = check_model(_transpose_then_relu(20).model(), "memory.tflite",
                         list(load_registry(plugins=False)), Settings())
    summary = result.summary
    assert (summary.tpu, summary.tpu_low, summary.tpu_high) == (2, 1, 2)
    assert result.tpu_depends_on == ("transpose-size",)
