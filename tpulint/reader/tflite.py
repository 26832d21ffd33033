"""TensorFlow Lite flatbuffer to `tpulint.ir.Model`, one named parse step at a time."""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from contextlib import contextmanager

from tpulint._schema import tflite as schema
from tpulint.ir import (
    EDGETPU_CUSTOM_CODE,
    BufferSpan,
    ByteSource,
    Model,
    Operator,
    Quantization,
    Subgraph,
    Tensor,
)
from tpulint.reader.direct import Direct
from tpulint.reader.errors import ModelReadError
from tpulint.reader.files import identify, read_source
from tpulint.reader.options import read_options
from tpulint.reader.order import check_order
from tpulint.reader.signatures import LazySignatures
from tpulint.reader.sparse import FileBytes
from tpulint.reader.wire import Refused, Table, Wire, WireError

# Real models have at most tens of thousands of operators and tensors. A crafted file can list
# one table a million times at 4 bytes each, and each costs a check about 0.1 ms and 2 KB: larger
# counts, over all subgraphs, are refused rather than spending minutes and gigabytes on them.
LIMITS = {"subgraphs": 10_000, "operators": 100_000, "tensors": 250_000,
          "operator inputs and outputs": 2_000_000}


def read_model(path: str | os.PathLike[str]) -> Model:
    """Read the model at `path` (a regular file, read once: see `read_source`)."""
    name = os.fspath(path)
    return read_model_bytes(read_source(name), name)


def read_model_bytes(data: ByteSource | FileBytes, path: str = "<bytes>") -> Model:
    identify(data, path)
    if isinstance(data, FileBytes):
        # A file read whole whose payloads nobody located (no cache key) has no holes to fill
        # or late reads to count: its tables are read without asking.
        wire = Wire(data.buffer, data if data.starts is not None else None)
    else:
        wire = Wire(data)
    with _step(path, "model header"):
        root = wire.root("Model")
        version = root.get("version")
        description = root.get("description") or ""
    direct = Direct(wire)
    with _step(path, "buffers"):
        buffers = direct.buffers(root)
        if buffers is None:  # read again table by table, which names what is wrong
            buffers = tuple(_buffer(table, index, wire.size) for index, table in
                            enumerate(root.get("buffers")))
    with _step(path, "operator codes"):
        codes = [_operator_code(table) for table in root.get("operator_codes")]
    subgraphs = []
    for index, table in enumerate(_subgraph_tables(root, path)):
        subgraphs.append(_subgraph(table, index, codes, buffers, direct, path))
    if not subgraphs:
        raise ModelReadError(path, "subgraphs", "the model has no subgraph")
    # One operator may be listed many times and read a million tensors: what the analyses walk
    # is the uses, so they have a budget too.
    _within_limit(path, "operator inputs and outputs", sum(len(op.inputs) + len(op.outputs)
                                           for sg in subgraphs for op in sg.operators))
    with _step(path, "metadata"):
        metadata = tuple((entry.get("name") or "", entry.get("buffer"))
                         for entry in root.get("metadata"))
        min_runtime = next((text for name, buffer in metadata if name == "min_runtime_version"
                            for text in [_metadata_text(buffer, buffers, data)] if text), None)
    with _step(path, "signature defs"):
        signatures = LazySignatures(root)
    return Model(
        path=path,
        file_size=wire.size,
        schema_version=version,
        description=description,
        subgraphs=tuple(subgraphs),
        buffers=buffers,
        signatures=signatures,
        metadata=metadata,
        min_runtime_version=min_runtime,
        source=data,
    )


@contextmanager
def _step(path: str, step: str) -> Iterator[None]:
    try:
        yield
    except Refused as error:
        raise ModelReadError(path, step, str(error)) from None
    except (WireError, struct.error, UnicodeDecodeError, IndexError, KeyError) as error:
        raise ModelReadError(path, step, f"{error} (truncated or corrupt file)") from None


def _subgraph_tables(root: Table, path: str) -> list[Table]:
    with _step(path, "subgraphs"):
        _within_limit(path, "subgraphs", root.length("subgraphs"))
        subgraphs: list[Table] = root.get("subgraphs")
        for field in ("operators", "tensors"):
            _within_limit(path, field, sum(table.length(field) for table in subgraphs))
        return subgraphs


def _within_limit(path: str, field: str, count: int) -> None:
    if count > LIMITS[field]:
        raise ModelReadError(path, "subgraphs", f"{count:,} {field}, more than the "
                                                f"{LIMITS[field]:,} tpulint reads in a model")


def _buffer(table: Table, index: int, file_size: int) -> BufferSpan:
    start, size = table.span("data")
    if not size:
        # Models over 2 GB keep data outside the flatbuffer; offsets count from the file start.
        offset, size = table.get("offset"), table.get("size")
        start = offset if offset > 1 else 0
        size = size if offset > 1 else 0
        if start + size > file_size:
            raise WireError(f"buffer {index} ends at byte {start + size}, past the end of the file")
    return BufferSpan(start, size)


def _operator_code(table: Table) -> tuple[int, int, str | None]:
    code = max(table.get("deprecated_builtin_code"), table.get("builtin_code"))
    custom = table.get("custom_code") if table.has("custom_code") else None
    return code, table.get("version"), custom


def _subgraph(table: Table, index: int, codes: list[tuple[int, int, str | None]],
              buffers: tuple[BufferSpan, ...], direct: Direct, path: str) -> Subgraph:
    # Each step is read by layout (`reader.direct`), or where that fails table by table, which
    # names what is wrong.
    with _step(path, f"subgraph {index} tensors"):
        tensors = direct.tensors(table, buffers)
        if tensors is None:
            tensors = tuple(_tensor(t, i, buffers) for i, t in enumerate(table.get("tensors")))
        inputs, outputs = table.get("inputs"), table.get("outputs")
        _check_indices(inputs + outputs, len(tensors), "the subgraph's inputs and outputs")
    with _step(path, f"subgraph {index} operators"):
        operators = direct.operators(table, codes, len(tensors))
        if operators is None:
            operators = tuple(_operator(t, i, codes, len(tensors), direct.wire)
                              for i, t in enumerate(table.get("operators")))
    with _step(path, f"subgraph {index} graph"):
        check_order(operators, len(tensors))
    with _step(path, f"subgraph {index} name"):
        name = table.get("name") or ""
    return Subgraph(index, name, tensors, operators, inputs, outputs)


_TENSOR_SCALARS = ("type", "buffer", "has_rank", "is_variable")


def _tensor(table: Table, index: int, buffers: tuple[BufferSpan, ...]) -> Tensor:
    # The scalars are read at once; when they cannot be (a corrupt table), field by field, in
    # the order that names the first bad one.
    scalars = table.scalars(_TENSOR_SCALARS)
    if scalars is None:
        dtype_code, buffer = table.get("type"), table.get("buffer")
    else:
        dtype_code, buffer, has_rank, is_variable = scalars
    signature = table.get("shape_signature") if table.has("shape_signature") else None
    name = table.get("name") or ""
    dtype = _dtype(dtype_code, index)
    shape = table.get("shape")
    quantization = _quantization(table.get("quantization"))
    if scalars is None:
        has_rank, is_variable = table.get("has_rank"), table.get("is_variable")
    return Tensor(
        index=index,
        name=name,
        dtype=dtype,
        shape=shape,
        shape_signature=signature,
        quantization=quantization,
        buffer=buffer,
        constant=0 < buffer < len(buffers) and buffers[buffer].size > 0,
        has_rank=has_rank,
        is_variable=is_variable,
        sparse=table.has("sparsity"),
    )


def _dtype(code: int, tensor: int) -> str:
    name = schema.TENSOR_TYPE.get(code)
    if name is None:
        # No analysis can say what an unknown type does on the Edge TPU: refuse, never guess.
        raise Refused(f"tensor {tensor} has type {code}, which TensorFlow Lite does not define")
    return name.lower()


def _quantization(table: Table | None) -> Quantization | None:
    if table is None:
        return None
    scalars = table.scalars(("quantized_dimension", "details_type"))
    scale, zero_point = table.packed("scale"), table.packed("zero_point")
    axis = table.get("quantized_dimension") if scalars is None else scalars[0]
    low, high = table.packed("min"), table.packed("max")
    details = table.get("details_type") if scalars is None else scalars[1]
    return Quantization(scale=scale, zero_point=zero_point, axis=axis, min=low, max=high,
                        custom=details != 0)


def _operator(table: Table, index: int, codes: list[tuple[int, int, str | None]],
              tensor_count: int, wire: Wire) -> Operator:
    scalars = table.scalars(("opcode_index", "builtin_options_type"))
    code_index = table.get("opcode_index") if scalars is None else scalars[0]
    if code_index >= len(codes):
        raise WireError(f"operator {index} uses operator code {code_index} of {len(codes)}")
    builtin, version, custom = codes[code_index]
    inputs, outputs = table.get("inputs"), table.get("outputs")
    intermediates = table.get("intermediates")
    _check_indices(inputs + outputs + intermediates, tensor_count, f"operator {index}")
    options_type = schema.BUILTIN_OPTIONS.get(
        table.get("builtin_options_type") if scalars is None else scalars[1])
    options = read_options(table, options_type) if options_type else {}
    start, size = table.span("custom_options")
    compiled = None
    if custom == EDGETPU_CUSTOM_CODE and size:
        from tpulint.reader.edgetpu import read_package

        compiled = read_package(wire, start, size)
    opcode = schema.BUILTIN_OPERATOR.get(builtin, f"BUILTIN_{builtin}")
    return Operator(
        index=index,
        opcode=opcode,
        builtin_code=builtin,
        version=version,
        inputs=inputs,
        outputs=outputs,
        options=options,
        options_type=options_type if options_type != "NONE" else None,
        custom_code=custom,
        intermediates=intermediates,
        custom_options_size=size,
        compiled=compiled,
    )


def _check_indices(indices: tuple[int, ...], count: int, owner: str) -> None:
    if indices and (min(indices) < -1 or max(indices) >= count):
        index = next(i for i in indices if i < -1 or i >= count)
        raise WireError(f"{owner} refers to tensor {index} of {count}")


def _metadata_text(buffer: int, buffers: tuple[BufferSpan, ...], data: ByteSource) -> str | None:
    if not 0 < buffer < len(buffers):
        return None
    span = buffers[buffer]
    raw = bytes(data[span.offset : span.offset + min(span.size, 64)])
    return raw.split(b"\0", 1)[0].decode("ascii", "replace") or None

