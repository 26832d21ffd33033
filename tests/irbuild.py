"""Build tpulint IR models in memory, for unit tests that need no TensorFlow and no file."""

from __future__ import annotations

import struct
from typing import Any

from tpulint._schema.tflite import BUILTIN_OPERATOR
from tpulint.ir import BufferSpan, Model, Operator, Quantization, Subgraph, Tensor

CODES = {name: code for code, name in BUILTIN_OPERATOR.items()}
QUANT = Quantization(scale=(0.1,), zero_point=(0,))


class GraphBuilder:
    """Add tensors and operators in execution order, then call `model()`."""

    def __init__(self) -> None:
        self.tensors: list[Tensor] = []
        self.operators: list[Operator] = []
        self.inputs: list[int] = []
        self.buffers: list[BufferSpan] = [BufferSpan(0, 0)]
        self.data = bytearray()

    def tensor(self, shape: tuple[int, ...], dtype: str = "int8", name: str | None = None,
               data: bytes | None = None, quantized: bool | None = None,
               signature: tuple[int, ...] | None = None, has_rank: bool = True) -> int:
        buffer = 0
        if data is not None:
            self.buffers.append(BufferSpan(len(self.data), len(data)))
            self.data += data
            buffer = len(self.buffers) - 1
        if quantized is None:
            quantized = dtype in ("int8", "uint8", "int16")
        index = len(self.tensors)
        self.tensors.append(Tensor(
            index=index, name=name or f"t{index}", dtype=dtype, shape=shape,
            shape_signature=signature, quantization=QUANT if quantized else None,
            buffer=buffer, constant=data is not None and len(data) > 0, has_rank=has_rank,
        ))
        return index

    def input(self, shape: tuple[int, ...], dtype: str = "int8", **kw: Any) -> int:
        index = self.tensor(shape, dtype, **kw)
        self.inputs.append(index)
        return index

    def const(self, shape: tuple[int, ...], dtype: str = "int8", values: list[int] | None = None,
              **kw: Any) -> int:
        width = {"int8": 1, "uint8": 1, "int32": 4, "int64": 8, "float32": 4, "float16": 2,
                 "int16": 2}[dtype]
        count = 1
        for dim in shape:
            count *= dim
        if values is not None:
            fmt = {"int32": "i", "int64": "q", "int8": "b", "uint8": "B"}[dtype]
            data = struct.pack(f"<{len(values)}{fmt}", *values)
        else:
            data = bytes(max(count, 1) * width)
        return self.tensor(shape, dtype, data=data, **kw)

    def op(self, opcode: str, inputs: list[int], outputs: list[int] | tuple[int, ...],
           version: int = 1, options: dict[str, Any] | None = None,
           custom_code: str | None = None) -> int:
        index = len(self.operators)
        self.operators.append(Operator(
            index=index, opcode="CUSTOM" if custom_code else opcode,
            builtin_code=CODES["CUSTOM" if custom_code else opcode], version=version,
            inputs=tuple(inputs), outputs=tuple(outputs), options=options or {},
            custom_code=custom_code,
        ))
        return index

    def unary(self, opcode: str, source: int, shape: tuple[int, ...] | None = None,
              dtype: str = "int8", **kw: Any) -> int:
        """Add `opcode` on `source` producing a new tensor; returns the new tensor."""
        out = self.tensor(shape or self.tensors[source].shape, dtype)
        self.op(opcode, [source], [out], **kw)
        return out

    def model(self, outputs: list[int] | None = None, extra: list[Subgraph] | None = None) -> Model:
        produced = {o for op in self.operators for o in op.outputs}
        consumed = {i for op in self.operators for i in op.inputs}
        outs = outputs if outputs is not None else sorted(produced - consumed)
        main = Subgraph(0, "main", tuple(self.tensors), tuple(self.operators),
                        tuple(self.inputs), tuple(outs))
        return Model(path="memory.tflite", file_size=len(self.data), schema_version=3,
                     description="", subgraphs=(main, *(extra or [])),
                     buffers=tuple(self.buffers), source=bytes(self.data))
