"""The compiler pads weight operators' output channels to 16: the latency model's lowest group.

Real compiler output copied into tests/data/corpus (README.md there names the sources), read
through tools/parameter_grain.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from latency_benchmark import WIDTHS  # noqa: E402
from parameter_grain import main, padded_weights, weight_layers  # noqa: E402

from tpulint.analysis.cost import CHANNEL_GROUP  # noqa: E402
from tpulint.ir import CompiledPackage  # noqa: E402
from tpulint.reader import read_model  # noqa: E402

DATA = ROOT / "tests" / "data" / "corpus"


def package(name: str) -> CompiledPackage:
    [compiled] = [op.compiled for op in read_model(DATA / f"{name}_edgetpu.tflite").main.operators
                  if op.compiled is not None]
    return compiled


def test_three_channels_are_stored_as_sixteen() -> None:
    # one depthwise convolution, 3 channels of 20 x 20 weights, mapped whole
    layers = weight_layers(read_model(DATA / "rubensrech-depthwise_1250_k20.tflite"), {(0, 0)})
    assert layers == [(3, 400)]
    size = package("rubensrech-depthwise_1250_k20").parameter_bytes
    assert padded_weights(layers, 16) <= size < padded_weights(layers, 32)
    assert size == 16 * 400 + 64  # and 4 bytes per padded channel besides


def test_no_wider_padding_than_sixteen() -> None:
    truth = json.loads((DATA / "truth.json").read_text())["kapibara-model"]
    mapped = {(0, op["index"]) for op in truth["ops"] if op["status"] == "tpu"}
    layers = weight_layers(read_model(DATA / "kapibara-model.tflite"), mapped)
    assert (16, 30752) in layers  # a 16-output layer: padding to 32 would double it
    size = package("kapibara-model").parameter_bytes
    assert padded_weights(layers, 16) <= size < padded_weights(layers, 32)


def test_the_latency_model_groups_no_narrower() -> None:
    assert min(WIDTHS) == 16 and CHANNEL_GROUP in WIDTHS


def test_bad_corpus_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--corpus", str(tmp_path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
