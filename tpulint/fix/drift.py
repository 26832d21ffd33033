"""How far the fixed model's outputs drift from the original's, on the CPU reference interpreter.

Both models run on `ai_edge_litert`'s interpreter with the same float inputs, each quantized with
its own input parameters when its inputs are integers; integer outputs are dequantized. Per
output: SQNR = 10·log10(Σ reference² / Σ (reference - fixed)²) in dB over every sample, and for
outputs shaped like class scores ([1, classes]) the share of samples whose top-1 class agrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

DEFAULT_MIN_SQNR = 15.0


@dataclass(frozen=True)
class OutputDrift:
    name: str
    sqnr_db: float  # math.inf when the outputs are identical
    top1: float | None  # agreement in [0, 1] for class scores, else None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "sqnr_db": None if math.isinf(self.sqnr_db) else self.sqnr_db,
                "top1": self.top1}

    @staticmethod
    def from_json(data: dict[str, Any]) -> OutputDrift:
        sqnr = data["sqnr_db"]
        return OutputDrift(str(data["name"]), math.inf if sqnr is None else float(sqnr),
                           data.get("top1"))


def measure(original: bytes, fixed: bytes, samples: list[list[np.ndarray]]) -> list[OutputDrift]:
    reference, candidate = _Runner(original), _Runner(fixed)
    if len(reference.outputs) != len(candidate.outputs):
        raise ValueError(f"the original has {len(reference.outputs)} outputs, the fixed model "
                         f"{len(candidate.outputs)}")
    signal = [0.0] * len(reference.outputs)
    noise = [0.0] * len(reference.outputs)
    agree = [0] * len(reference.outputs)
    for sample in samples:
        pairs = zip(reference.run(sample), candidate.run(sample), strict=True)
        for position, (want, got) in enumerate(pairs):
            signal[position] += float((want.astype("float64") ** 2).sum())
            noise[position] += float(((want.astype("float64") - got) ** 2).sum())
            if _scores(want):
                agree[position] += int(want.argmax() == got.argmax())
    results = []
    for position, name in enumerate(reference.outputs):
        sqnr = math.inf if noise[position] == 0 else (
            -math.inf if signal[position] == 0 else
            10 * math.log10(signal[position] / noise[position]))
        top1 = agree[position] / len(samples) if _scores(reference.last[position]) else None
        results.append(OutputDrift(name, sqnr, top1))
    return results


def _scores(values: np.ndarray) -> bool:
    """[1, classes] with at least two classes: looks like classifier scores."""
    return values.ndim == 2 and values.shape[0] == 1 and values.shape[1] >= 2


class _Runner:
    def __init__(self, model: bytes) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.interpreter = Interpreter(model_content=model)
        self.inputs = self.interpreter.get_input_details()
        self.outputs = [d["name"] for d in self.interpreter.get_output_details()]
        self.last: list[np.ndarray] = []
        self.shapes: list[tuple[int, ...]] = []

    def run(self, sample: list[np.ndarray]) -> list[np.ndarray]:
        import numpy as np

        shapes = [tuple(value.shape) for value in sample]
        if shapes != self.shapes:
            for detail, shape in zip(self.inputs, shapes, strict=True):
                if tuple(detail["shape"]) != shape:
                    self.interpreter.resize_tensor_input(detail["index"], list(shape))
            self.interpreter.allocate_tensors()
            self.shapes = shapes
        for detail, value in zip(self.inputs, sample, strict=True):
            self.interpreter.set_tensor(detail["index"], _quantize(value, detail))
        self.interpreter.invoke()
        self.last = [_dequantize(self.interpreter.get_tensor(d["index"]), d)
                     for d in self.interpreter.get_output_details()]
        return [np.asarray(v, dtype=np.float64) for v in self.last]


def _quantize(value: np.ndarray, detail: dict[str, Any]) -> np.ndarray:
    import numpy as np

    dtype = detail["dtype"]
    scale, zero = detail["quantization"]
    if not np.issubdtype(dtype, np.integer) or not scale:
        converted: np.ndarray = value.astype(dtype)
        return converted
    info = np.iinfo(dtype)
    quantized: np.ndarray = np.clip(np.round(value / scale + zero), info.min, info.max)
    return quantized.astype(dtype)


def _dequantize(value: np.ndarray, detail: dict[str, Any]) -> np.ndarray:
    import numpy as np

    scale, zero = detail["quantization"]
    floats: np.ndarray = value.astype(np.float32)
    if np.issubdtype(value.dtype, np.integer) and scale:
        floats = (floats - zero) * np.float32(scale)
    return floats
