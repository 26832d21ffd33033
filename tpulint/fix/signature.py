"""A model's inputs and outputs by name, and how the inputs of two models line up.

Every model `fix` touches (the model to fix, a float model converted from the source, the fixed
model) lists its inputs and outputs in its own tensor order; only names say which is which. A
model's name for an input is its signature key (`image`), else its tensor name. Samples are kept in
the order of the model being fixed (the order `arr_0, arr_1, ...` and lists refer to); `align`
says where each of them goes in another model. A model without a signature gets one made from its
inputs and outputs, so ai-edge-quantizer can calibrate it.

Runs in the conversion worker (it reads models through ai_edge_litert's schema bindings).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tpulint.fix.rewrite import schema_bindings

SIGNATURE_KEY = "serving_default"
_TYPES = {0: "float32", 1: "float16", 2: "int32", 3: "uint8", 4: "int64", 6: "bool", 7: "int16",
          8: "complex64", 9: "int8"}


class Mismatch(Exception):
    """The inputs or outputs of two models cannot be paired by name or by shape."""


@dataclass(frozen=True)
class Port:
    """One input or output: its name, tensor index, shape (-1 = dynamic), dtype and, for an
    integer tensor, its quantization (scale, zero point)."""

    name: str
    tensor: int
    shape: tuple[int, ...]
    dtype: str
    scale: float = 0.0
    zero_point: int = 0

    @property
    def key(self) -> str:
        """The name without a tensor-name decoration (`serving_default_x:0` -> `x`)."""
        return plain(self.name)


def plain(name: str) -> str:
    base = name.split(":")[0]
    return base.removeprefix(f"{SIGNATURE_KEY}_")


def ports(model: Any, outputs: bool = False) -> list[Port]:
    """The main subgraph's inputs (or outputs) in tensor order, named by the signature."""
    main = model.subgraphs[0]
    indices = list(main.outputs if outputs else main.inputs)
    names: dict[int, str] = {}
    for signature in model.signatureDefs or []:
        if signature.subgraphIndex in (0, None):
            for entry in (signature.outputs if outputs else signature.inputs) or []:
                names[int(entry.tensorIndex)] = text(entry.name)
            break
    found = []
    for index in indices:
        tensor = main.tensors[index]
        signature = tensor.shapeSignature if tensor.shapeSignature is not None else tensor.shape
        q = tensor.quantization
        scale = float(q.scale[0]) if q is not None and q.scale is not None and len(q.scale) else 0.0
        zero = int(q.zeroPoint[0]) if q is not None and q.zeroPoint is not None and len(
            q.zeroPoint) else 0
        found.append(Port(names.get(index, text(tensor.name)), int(index),
                          tuple(int(d) for d in (signature if signature is not None else [])),
                          _TYPES.get(int(tensor.type), f"type{tensor.type}"), scale, zero))
    return found


def text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def add_signature(model: Any) -> bool:
    """Give a model without a signature one named after its input and output tensors."""
    if model.signatureDefs:
        return False
    schema = schema_bindings()
    main = model.subgraphs[0]
    signature = schema.SignatureDefT()
    signature.signatureKey = SIGNATURE_KEY
    signature.subgraphIndex = 0
    taken: set[str] = set()

    def entries(indices: list[int], prefix: str) -> list[Any]:
        made = []
        for position, index in enumerate(indices):
            entry = schema.TensorMapT()
            name = plain(text(main.tensors[index].name)) or f"{prefix}_{position}"
            if name in taken:
                name = f"{prefix}_{position}"
            taken.add(name)
            entry.name, entry.tensorIndex = name, int(index)
            made.append(entry)
        return made

    signature.inputs = entries(list(main.inputs), "input")
    signature.outputs = entries(list(main.outputs), "output")
    model.signatureDefs = [signature]
    return True


def align(wanted: list[Port], other: list[Port], what: str = "input") -> list[int]:
    """For each port of `other`, the position in `wanted` of the same port: by name, then by
    shape when the names differ but the shapes tell the ports apart, then (one port) directly."""
    if len(wanted) != len(other):
        raise Mismatch(f"the models have {len(wanted)} and {len(other)} {what}s")
    for plain_names in (False, True):
        names = [p.key if plain_names else p.name for p in wanted]
        others = [p.key if plain_names else p.name for p in other]
        if len(set(names)) == len(names) and sorted(names) == sorted(others):
            return [names.index(name) for name in others]
    if len(wanted) == 1:
        return [0]
    shapes = [_static(p.shape) for p in wanted]
    if len(set(shapes)) == len(shapes) and sorted(shapes) == sorted(_static(p.shape)
                                                                   for p in other):
        return [shapes.index(_static(p.shape)) for p in other]
    raise Mismatch(f"cannot tell which {what} is which: names "
                   f"{', '.join(p.name for p in wanted)} against "
                   f"{', '.join(p.name for p in other)}; give the {what}s the same names")


def _static(shape: tuple[int, ...]) -> tuple[int, ...]:
    """The shape without its batch size, which one model may leave dynamic."""
    return shape[1:]
