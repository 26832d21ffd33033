"""The generated benchmark model is a valid int8 model, and big files are read, not mapped."""

from __future__ import annotations

from pathlib import Path

import make_large_model
import pytest
import tflite

from tpulint.analysis.facts import ModelFacts
from tpulint.ir import PackedNumbers, Quantization
from tpulint.reader import FileBytes, read_model, read_model_bytes


@pytest.fixture(scope="module")
def small() -> bytes:
    return make_large_model.build(blocks=4, channels=16)


def test_reference_parser_reads_the_generated_model(small: bytes) -> None:
    model = tflite.Model.GetRootAs(small, 0)
    subgraph = model.Subgraphs(0)
    assert subgraph.OperatorsLength() == 12
    assert subgraph.TensorsLength() == 1 + 4 * 7
    codes = [model.OperatorCodes(subgraph.Operators(i).OpcodeIndex()).BuiltinCode()
             for i in range(12)]
    assert codes == [tflite.BuiltinOperator.CONV_2D, tflite.BuiltinOperator.DEPTHWISE_CONV_2D,
                     tflite.BuiltinOperator.ADD] * 4
    weights = subgraph.Tensors(1)
    assert weights.Type() == tflite.TensorType.INT8
    assert weights.Quantization().ScaleLength() == 16
    assert model.Buffers(weights.Buffer()).DataLength() == 16 * 16


def test_every_operator_is_predicted_on_the_edge_tpu(small: bytes) -> None:
    model = read_model_bytes(small)
    prediction = ModelFacts(model).prediction
    assert [p.placement for p in prediction.operators] == ["tpu"] * 12
    assert not prediction.fatal


def test_same_arguments_same_bytes(small: bytes) -> None:
    assert make_large_model.build(blocks=4, channels=16) == small
    assert make_large_model.build(blocks=4, channels=16, seed=1) != small


def test_large_files_are_read_whole_and_their_weights_found(tmp_path: Path) -> None:
    # Read, not mapped: a mapped file truncated while it is checked would kill tpulint (SIGBUS).
    path = tmp_path / "model.tflite"
    path.write_bytes(make_large_model.build(blocks=12, channels=320))
    assert path.stat().st_size > 1 << 20
    model = read_model(path)
    assert isinstance(model.source, FileBytes) and isinstance(model.source.buffer, bytes)
    weights = model.main.tensors[1]
    assert model.data_size(weights) == 320 * 320
    assert bytes(model.data(weights)) == path.read_bytes()[model.buffers[weights.buffer].offset:][
        : 320 * 320]


def test_quantization_vectors_decode_on_demand(small: bytes) -> None:
    quantization = read_model_bytes(small).main.tensors[1].quantization
    assert quantization is not None
    scale, zero_point = quantization.scale, quantization.zero_point
    assert isinstance(scale, PackedNumbers) and isinstance(zero_point, PackedNumbers)
    assert len(scale) == 16 and quantization.per_axis
    assert scale[0] == pytest.approx(0.01) and scale[1:3] == pytest.approx((0.011, 0.012))
    assert list(scale) == list(scale.values) and scale == scale.values
    assert zero_point == (0,) * 16 and zero_point != (0,) * 15
    plain = Quantization(scale.values, zero_point.values, quantization.axis)
    assert quantization == plain and hash(quantization) == hash(plain)
