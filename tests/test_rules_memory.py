"""Rules whose bad case no converter produces small enough to commit, on models built in memory."""

from __future__ import annotations

from irbuild import GraphBuilder

from tpulint.analysis import limits
from tpulint.engine.check import check_model
from tpulint.engine.config import Settings
from tpulint.engine.registry import load_registry

RULES = list(load_registry(plugins=False))


def codes(model) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.code for f in check_model(model, "memory.tflite", RULES, Settings()).findings]


def test_missing_quantization_on_a_tensor_a_supported_operator_uses() -> None:
    g = GraphBuilder()
    x = g.input((1, 4, 4, 4), quantized=False)
    g.unary("RELU", x)
    assert codes(g.model()).count("TPU107") == 1


def test_raw_bytes_read_by_cast_are_not_missing_quantization() -> None:
    g = GraphBuilder()
    image = g.input((1, 4, 4, 3), "uint8", quantized=False)
    g.unary("CAST", image, dtype="float32")
    assert "TPU107" not in codes(g.model())


def _conv_model(out_channels: int, in_channels: int, kernel: int) -> GraphBuilder:
    g = GraphBuilder()
    x = g.input((1, 8, 8, in_channels))
    w = g.const((out_channels, kernel, kernel, in_channels))
    b = g.const((out_channels,), "int32")
    out = g.tensor((1, 8, 8, out_channels))
    g.op("CONV_2D", [x, w, b], [out], version=3)
    return g


def test_parameters_beyond_the_on_chip_cache() -> None:
    cache = limits.PARAMETER_CACHE.value
    small = _conv_model(64, 64, 3)  # 37 KB of weights
    assert "TPU402" not in codes(small.model())
    large = _conv_model(1024, 1024, 3)  # 9.4 MB of weights
    assert cache < 1024 * 1024 * 9
    assert codes(large.model()).count("TPU402") == 1
