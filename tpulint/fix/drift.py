"""How far the fixed model's outputs drift from the original's, on the CPU reference interpreter.

Both models run on `ai_edge_litert`'s interpreter with the same float inputs (held-out samples
calibration never saw), each quantized with its own input parameters when its inputs are
integers; integer outputs are dequantized. Inputs and outputs are paired by name
(`signature.align`), never by position. Per output tensor:

- SQNR = 10·log10(Σ reference² / Σ (reference - fixed)²) in dB over every sample;
- for an output that mixes quantities of different magnitudes along its feature axis (a YOLO
  head: box coordinates in pixels, class scores in 0..1), the SQNR of each magnitude group of
  features too: one figure over the whole tensor is the boxes' and hides scores lost to rounding;
- top-1 agreement only for class scores (produced by SOFTMAX);
- a reference output that does not vary on the data is "constant": no figure, it cannot show drift.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tpulint.fix import rewrite
from tpulint.fix.signature import Port, align, ports

if TYPE_CHECKING:
    import numpy as np

DEFAULT_MIN_SQNR = 15.0
_PASS_THROUGH = ("QUANTIZE", "DEQUANTIZE", "RESHAPE", "SQUEEZE")
_MAX_FEATURES = 256  # a feature axis holds at most this many features
_GAP = 1.5  # decades of RMS between feature groups


@dataclass(frozen=True)
class OutputDrift:
    name: str
    sqnr_db: float  # math.inf when the outputs are identical; nan when constant
    top1: float | None = None  # agreement in [0, 1] for class scores, else None
    parts: list[tuple[str, float]] = field(default_factory=list)  # (features, SQNR) groups

    @property
    def constant(self) -> bool:
        return math.isnan(self.sqnr_db)

    @property
    def worst(self) -> float:
        """The lowest SQNR of the tensor and its feature groups (what the gate compares)."""
        return min([self.sqnr_db, *(value for _, value in self.parts)])

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "sqnr_db": _number(self.sqnr_db), "top1": self.top1,
                "parts": [[label, _number(value)] for label, value in self.parts]}

    @staticmethod
    def from_json(data: dict[str, Any]) -> OutputDrift:
        return OutputDrift(str(data["name"]), _value(data["sqnr_db"]), data.get("top1"),
                           [(str(label), _value(value)) for label, value in data.get("parts", [])])


def _number(value: float) -> float | str:
    return value if math.isfinite(value) else str(value)


def _value(value: float | str) -> float:
    return float(value)


class Reference:
    """The original model's outputs on the held-out samples, computed ahead of the fixed model
    (while the source converts in another process) up to `budget` bytes, the rest on demand:
    a detection head's outputs for 64 samples would take a gigabyte."""

    def __init__(self, original: bytes, samples: list[list[np.ndarray]],
                 budget: int = 64 << 20) -> None:
        self.runner = _Runner(original)
        self.samples = samples
        self.ready: list[list[np.ndarray]] = []
        for sample in samples:
            if sum(value.nbytes for outputs in self.ready for value in outputs) >= budget:
                break
            self.ready.append(self.runner.run(sample))

    def outputs(self, position: int) -> list[np.ndarray]:
        if position < len(self.ready):
            return self.ready[position]
        return self.runner.run(self.samples[position])


def measure(original: bytes, fixed: bytes, samples: list[list[np.ndarray]],
            ahead: Reference | None = None) -> list[OutputDrift]:
    """Drift per output of `original`, on `samples` given in the original's input order
    (`ahead`: the original's outputs on them, when computed already)."""
    import numpy as np

    known = ahead or Reference(original, samples, budget=0)
    reference, candidate = known.runner, _Runner(fixed)
    feed = align(reference.inputs, candidate.inputs)
    pairs = align(reference.outputs, candidate.outputs, "output")
    count = len(reference.outputs)
    signal, noise = [0.0] * count, [0.0] * count
    features: list[Any] = [None] * count
    low, high = [math.inf] * count, [-math.inf] * count
    agree = [0] * count
    scores = [_is_scores(reference.model, port) for port in reference.outputs]
    for number, sample in enumerate(samples):
        wanted = known.outputs(number)
        got = candidate.run([sample[position] for position in feed])
        for position, value in zip(pairs, got, strict=True):
            want = wanted[position]
            error = (want - value) ** 2
            signal[position] += float((want ** 2).sum())
            noise[position] += float(error.sum())
            low[position] = min(low[position], float(want.min()))
            high[position] = max(high[position], float(want.max()))
            axis = _feature_axis(want.shape)
            if axis is not None:
                others = tuple(i for i in range(want.ndim) if i != axis)
                sums = np.stack([(want ** 2).sum(axis=others), error.sum(axis=others)])
                features[position] = sums if features[position] is None else (
                    features[position] + sums)
            if scores[position]:
                agree[position] += int(want.argmax() == value.argmax())
    results = []
    for position, port in enumerate(reference.outputs):
        if high[position] - low[position] <= 1e-6 * max(abs(high[position]), abs(low[position]),
                                                        1e-30):
            results.append(OutputDrift(port.name, math.nan))
            continue
        top1 = agree[position] / len(samples) if scores[position] else None
        parts = _parts(features[position]) if features[position] is not None else []
        results.append(OutputDrift(port.name, sqnr(signal[position], noise[position]), top1,
                                   parts))
    return results


def sqnr(signal: float, noise: float) -> float:
    if noise == 0:
        return math.inf
    return -math.inf if signal == 0 else 10 * math.log10(signal / noise)


def _feature_axis(shape: tuple[int, ...]) -> int | None:
    """[1, features, boxes] or [1, boxes, features]: the shorter of the two is the feature axis."""
    if len(shape) != 3 or shape[0] != 1 or min(shape[1:]) < 2:
        return None
    axis = 1 if shape[1] < shape[2] else 2
    return axis if shape[axis] <= _MAX_FEATURES else None


def _parts(sums: np.ndarray) -> list[tuple[str, float]]:
    """SQNR of each group of features whose RMS lies within `_GAP` decades of its neighbours;
    nothing when every feature is in one group."""
    import numpy as np

    signal, noise = sums
    alive = np.nonzero(signal > 0)[0]
    if len(alive) < 2:
        return []
    level = np.log10(signal[alive])
    order = alive[np.argsort(level)]
    cuts = np.nonzero(np.diff(np.sort(level)) > 2 * _GAP)[0]  # power: twice the RMS decades
    if len(cuts) == 0:
        return []
    groups = np.split(order, cuts + 1)
    return [(_label(sorted(int(i) for i in group)),
             sqnr(float(signal[group].sum()), float(noise[group].sum())))
            for group in sorted(groups, key=lambda g: int(g.min()))]


def _label(indices: list[int]) -> str:
    if indices == list(range(indices[0], indices[-1] + 1)):
        return f"features {indices[0]}-{indices[-1]}" if len(indices) > 1 else \
            f"feature {indices[0]}"
    return f"{len(indices)} features from {indices[0]}"


def _is_scores(model: Any, port: Port) -> bool:
    """Class scores: [1, classes] made by SOFTMAX (through quantize/reshape operators)."""
    if len(port.shape) != 2 or port.shape[1] < 2:
        return False
    main = model.subgraphs[0]
    tensor = port.tensor
    producers = {int(out): op for op in main.operators for out in (op.outputs or [])}
    while tensor in producers:
        name = rewrite.opcode_name(model, producers[tensor].opcodeIndex)
        if name == "SOFTMAX":
            return True
        if name not in _PASS_THROUGH:
            return False
        tensor = int(producers[tensor].inputs[0])
    return False


class _Runner:
    def __init__(self, model: bytes) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.model = rewrite.read(model)
        self.inputs, self.outputs = ports(self.model), ports(self.model, outputs=True)
        self.interpreter = Interpreter(model_content=model, num_threads=2)  # 2 cores: the goal
        self.input_details = {d["index"]: d for d in self.interpreter.get_input_details()}
        self.output_details = {d["index"]: d for d in self.interpreter.get_output_details()}
        self.shapes: list[tuple[int, ...]] = []

    def run(self, sample: list[np.ndarray]) -> list[np.ndarray]:
        import numpy as np

        shapes = [tuple(value.shape) for value in sample]
        if shapes != self.shapes:
            for port, shape in zip(self.inputs, shapes, strict=True):
                if tuple(self.input_details[port.tensor]["shape"]) != shape:
                    self.interpreter.resize_tensor_input(port.tensor, list(shape))
            self.interpreter.allocate_tensors()
            self.shapes = shapes
        for port, value in zip(self.inputs, sample, strict=True):
            self.interpreter.set_tensor(port.tensor,
                                        _quantize(value, self.input_details[port.tensor]))
        self.interpreter.invoke()
        return [np.asarray(_dequantize(self.interpreter.get_tensor(port.tensor),
                                       self.output_details[port.tensor]), dtype=np.float64)
                for port in self.outputs]


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
