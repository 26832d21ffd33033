"""The in-memory model every analysis and rule works on.

Plain, frozen data read from a `.tflite` flatbuffer. Operators keep the file's execution order and
their index in it; tensors are referred to by index. Constant data stays in the file: `Model.data`
returns a view of a buffer on demand, so checking a model never copies its weights.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Mapping, Sequence

from tpulint.record import EMPTY, Record, derived

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from typing import Any, Protocol, overload
else:
    Protocol = object  # the protocols below are plain classes at run time

EDGETPU_CUSTOM_CODE = "edgetpu-custom-op"
INTEGER_8BIT = frozenset({"int8", "uint8"})


class ByteSource(Protocol):
    """What a model's bytes come from: `bytes` or an `mmap`."""

    def __len__(self) -> int: ...
    def __getitem__(self, index: slice) -> bytes: ...


class PackedNumbers(Sequence["Any"]):
    """Little-endian numbers stored in the model file, decoded the first time one is read.

    Per-channel quantization vectors hold a value per output channel of every weight tensor:
    millions of numbers in a large model, which rules mostly only count.
    """

    __slots__ = ("_count", "_format", "_source", "_start", "_values")

    def __init__(self, source: ByteSource, start: int, count: int, fmt: str) -> None:
        self._source = source
        self._start = start
        self._count = count
        self._format = fmt
        self._values: tuple[Any, ...] | None = None

    @property
    def values(self) -> tuple[Any, ...]:
        if self._values is None:
            layout = f"<{self._count}{self._format}"
            self._values = struct.unpack_from(layout, self._source, self._start)  # type: ignore[arg-type]
        return self._values

    def __len__(self) -> int:
        return self._count

    if TYPE_CHECKING:
        @overload
        def __getitem__(self, index: int) -> Any: ...
        @overload
        def __getitem__(self, index: slice) -> tuple[Any, ...]: ...

    def __getitem__(self, index: int | slice) -> Any:
        return self.values[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedNumbers):
            return self.values == other.values
        return self.values == other if isinstance(other, tuple) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.values)

    def __repr__(self) -> str:
        return repr(self.values)


class Quantization(Record):
    # Tuples, or `PackedNumbers` as read from a file.
    scale: Sequence[float] = ()
    zero_point: Sequence[int] = ()
    axis: int = 0
    min: Sequence[float] = ()
    max: Sequence[float] = ()
    custom: bool = False

    @property
    def per_axis(self) -> bool:
        return len(self.scale) > 1

    @property
    def has_scale(self) -> bool:
        return bool(self.scale)


class Tensor(Record):
    index: int
    name: str
    dtype: str
    shape: tuple[int, ...]
    shape_signature: tuple[int, ...] | None
    quantization: Quantization | None
    buffer: int
    constant: bool
    # As written by the converter; converters before has_rank existed leave it False for scalars.
    has_rank: bool = True
    is_variable: bool = False
    sparse: bool = False

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def dynamic_dims(self) -> tuple[int, ...]:
        """Axes whose size is only known at run time (-1 in the shape signature)."""
        signature = self.shape_signature or ()
        return tuple(axis for axis, size in enumerate(signature) if size < 0)

    @property
    def dynamic_size(self) -> bool:
        """A dimension other than the batch is known only at run time."""
        signature = self.shape_signature  # asked for every tensor: no tuple of axes made
        return signature is not None and any(size < 0 for size in signature[1:])

    @property
    def elements(self) -> int:
        count = 1
        for size in self.shape:
            count *= max(size, 0)
        return count

    @property
    def is_8bit(self) -> bool:
        return self.dtype in INTEGER_8BIT

    @property
    def quantized(self) -> bool:
        return self.quantization is not None and self.quantization.has_scale


class CompiledPackage(Record):
    """What the Edge TPU compiler wrote into an `edgetpu-custom-op`."""

    compiler_version: str | None
    min_runtime_version: int | None
    parameter_bytes: int


class Operator(Record):
    index: int  # its place in the subgraph's execution order
    opcode: str
    builtin_code: int
    version: int
    # tensor indices in the subgraph (-1: an optional input left out)
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    options: Mapping[str, Any] = EMPTY
    options_type: str | None = None
    custom_code: str | None = None
    intermediates: tuple[int, ...] = ()
    custom_options_size: int = 0
    compiled: CompiledPackage | None = None

    @property
    def is_custom(self) -> bool:
        return self.custom_code is not None

    @property
    def is_edgetpu(self) -> bool:
        return self.custom_code == EDGETPU_CUSTOM_CODE

    @property
    def label(self) -> str:
        """`CONV_2D`, or the custom code of a custom operator."""
        return self.custom_code if self.custom_code is not None else self.opcode


class Subgraph(Record):
    index: int
    name: str
    tensors: tuple[Tensor, ...]
    operators: tuple[Operator, ...]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]

    def tensor(self, index: int) -> Tensor | None:
        """The tensor at `index`, or None for an optional input left out (-1) or a bad index."""
        return self.tensors[index] if 0 <= index < len(self.tensors) else None

    def op_inputs(self, op: Operator) -> list[Tensor]:
        tensors, count = self.tensors, len(self.tensors)
        return [tensors[i] for i in op.inputs if 0 <= i < count]

    def op_outputs(self, op: Operator) -> list[Tensor]:
        tensors, count = self.tensors, len(self.tensors)
        return [tensors[i] for i in op.outputs if 0 <= i < count]


class Signature(Record):
    key: str
    subgraph: int
    inputs: tuple[tuple[str, int], ...]
    outputs: tuple[tuple[str, int], ...]


class BufferSpan(Record):
    """Where a buffer's bytes lie in the file (offset 0 and size 0 for an empty buffer)."""

    offset: int
    size: int


class Model(Record):
    path: str
    file_size: int
    schema_version: int
    description: str
    # the main graph first
    subgraphs: tuple[Subgraph, ...]
    buffers: tuple[BufferSpan, ...]
    signatures: Sequence[Signature] = ()  # decoded on access by the reader
    metadata: tuple[tuple[str, int], ...] = ()  # (name, buffer); names may repeat
    min_runtime_version: str | None = None
    source: ByteSource | None = None
    # Rules ask for every operator whether the model is compiled: answer it once.
    compiled: bool = derived()

    def __post_init__(self) -> None:
        compiled = any(op.is_edgetpu for sg in self.subgraphs for op in sg.operators)
        object.__setattr__(self, "compiled", compiled)

    def __repr__(self) -> str:  # without the file's bytes
        return (f"Model(path={self.path!r}, file_size={self.file_size}, "
                f"subgraphs={len(self.subgraphs)})")

    @property
    def main(self) -> Subgraph:
        return self.subgraphs[0]

    def data(self, tensor: Tensor) -> memoryview:
        """The constant bytes of `tensor` (empty for activations), read from the file now."""
        if not 0 < tensor.buffer < len(self.buffers) or self.source is None:
            return memoryview(b"")
        span = self.buffers[tensor.buffer]
        return memoryview(self.source[span.offset : span.offset + span.size])

    def data_size(self, tensor: Tensor) -> int:
        if not 0 < tensor.buffer < len(self.buffers):
            return 0
        return self.buffers[tensor.buffer].size


class Location(Record):
    """Where a finding points: a model, optionally one subgraph's operator or tensor."""

    path: str
    subgraph: int | None = None
    operator: int | None = None
    tensor: int | None = None

    def __str__(self) -> str:
        if self.subgraph is None:
            return self.path
        if self.operator is not None:
            return f"{self.path}:sg{self.subgraph}/op{self.operator}"
        if self.tensor is not None:
            return f"{self.path}:sg{self.subgraph}/t{self.tensor}"
        return f"{self.path}:sg{self.subgraph}"

    @property
    def anchor(self) -> str:
        """The part after the path: `sg0/op12`, `sg0/t34`, `sg0` or empty."""
        text = str(self)
        return text[len(self.path) + 1 :] if len(text) > len(self.path) else ""
