"""Generate a large int8 TensorFlow Lite model to benchmark `tpulint check`.

The model is a chain of blocks, each a 1x1 CONV_2D, a 3x3 DEPTHWISE_CONV_2D and a residual ADD
on a [1, 8, 8, C] int8 activation, quantized per output channel as the TensorFlow Lite converter
does with full-integer quantization. It is written with the flatbuffers Builder, driven by the
field slots in `tpulint._schema.tflite`, so no TensorFlow is needed.

    python tools/make_large_model.py                       # 1024 blocks: 3072 ops, ~110 MB
    python tools/make_large_model.py --blocks 34 out.tflite  # ~100 ops, ~3.6 MB ("typical")

Weights come from a seeded generator, so the same arguments give byte-identical files.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from pathlib import Path
from typing import Any, cast

import flatbuffers
from flatbuffers import number_types

from tpulint._schema.tflite import BUILTIN_OPERATOR, BUILTIN_OPTIONS, TABLES, TENSOR_TYPE
from tpulint.reader.wire import Schema

_FLAGS = {
    "?": number_types.BoolFlags, "b": number_types.Int8Flags, "B": number_types.Uint8Flags,
    "h": number_types.Int16Flags, "H": number_types.Uint16Flags, "i": number_types.Int32Flags,
    "I": number_types.Uint32Flags, "q": number_types.Int64Flags, "Q": number_types.Uint64Flags,
    "f": number_types.Float32Flags, "d": number_types.Float64Flags,
}
_CODES = {name: code for code, name in BUILTIN_OPERATOR.items()}
_OPTIONS = {name: code for code, name in BUILTIN_OPTIONS.items()}
_TYPES = {name: code for code, name in TENSOR_TYPE.items()}
# TensorFlow Lite aligns constant data to 16 bytes.
_DATA_ALIGNMENT = 16
ACTIVATION_SCALE = 0.05


class ModelWriter:
    """Tables, vectors and strings written with a flatbuffers Builder, field by field name."""

    def __init__(self, size_hint: int) -> None:
        self.builder = flatbuffers.Builder(size_hint)

    def table(self, kind: str, /, **fields: Any) -> int:
        """A table of schema type `kind`; scalars are written even when equal to the default."""
        schema = cast(Schema, TABLES)[kind]
        builder = self.builder
        builder.StartObject(max(slot for slot, *_ in schema.values()) // 2 - 1)
        for field, value in fields.items():
            slot, kind, detail, _default = schema[field]
            index = slot // 2 - 2
            if kind in ("scalar", "enum"):
                builder.PrependSlot(_FLAGS[detail[0]], index, value, None)
            else:
                builder.PrependUOffsetTRelativeSlot(index, value, 0)
        return int(builder.EndObject())

    def vector(self, fmt: str, values: list[Any]) -> int:
        flags = _FLAGS[fmt]
        builder = self.builder
        builder.StartVector(flags.bytewidth, len(values), flags.bytewidth)
        for value in reversed(values):
            builder.Prepend(flags, value)
        return int(builder.EndVector())

    def offsets(self, offsets: list[int]) -> int:
        builder = self.builder
        builder.StartVector(4, len(offsets), 4)
        for offset in reversed(offsets):
            builder.PrependUOffsetTRelative(offset)
        return int(builder.EndVector())

    def data(self, payload: bytes) -> int:
        """A byte vector aligned for constant tensor data."""
        builder = self.builder
        builder.StartVector(1, len(payload), _DATA_ALIGNMENT)
        builder.head -= len(payload)
        builder.Bytes[builder.head : builder.head + len(payload)] = payload
        return int(builder.EndVector())

    def string(self, text: str) -> int:
        return int(self.builder.CreateString(text))

    def finish(self, root: int) -> bytes:
        self.builder.Finish(root, file_identifier=b"TFL3")
        return bytes(self.builder.Output())


class Graph:
    """Tensors, buffers and operators of one subgraph, before they are serialized."""

    def __init__(self, writer: ModelWriter, seed: int) -> None:
        self.writer = writer
        self.random = random.Random(seed)
        self.tensors: list[int] = []
        # Constant data, written after the graph as the converter does (buffer 0 stays empty), so
        # the weights lie together and reading the graph touches none of their pages.
        self.payloads: list[bytes] = [b""]
        self.operators: list[int] = []
        self.codes: list[str] = []

    def tensor(self, name: str, shape: list[int], dtype: str, scales: list[float],
               data: bytes | None = None, axis: int = 0) -> int:
        w = self.writer
        buffer = 0
        if data is not None:
            self.payloads.append(data)
            buffer = len(self.payloads) - 1
        quantization = w.table("QuantizationParameters", scale=w.vector("f", scales),
                               zero_point=w.vector("q", [0] * len(scales)),
                               quantized_dimension=axis)
        self.tensors.append(w.table("Tensor", shape=w.vector("i", shape), type=_TYPES[dtype],
                                    buffer=buffer, name=w.string(name), quantization=quantization,
                                    has_rank=True))
        return len(self.tensors) - 1

    def weights(self, name: str, shape: list[int], channels: int, axis: int) -> int:
        count = 1
        for size in shape:
            count *= size
        payload = self.random.randbytes(count)
        scales = [0.01 + 0.001 * (i % 7) for i in range(channels)]
        return self.tensor(name, shape, "INT8", scales, payload, axis)

    def bias(self, name: str, channels: int, weight_scales: list[float]) -> int:
        payload = b"".join(self.random.randrange(-512, 512).to_bytes(4, "little", signed=True)
                           for _ in range(channels))
        scales = [ACTIVATION_SCALE * s for s in weight_scales]
        return self.tensor(name, [channels], "INT32", scales, payload)

    def operator(self, opcode: str, inputs: list[int], outputs: list[int], options: str,
                 **option_fields: Any) -> None:
        w = self.writer
        if opcode not in self.codes:
            self.codes.append(opcode)
        self.operators.append(w.table(
            "Operator", opcode_index=self.codes.index(opcode), inputs=w.vector("i", inputs),
            outputs=w.vector("i", outputs), builtin_options_type=_OPTIONS[options],
            builtin_options=w.table(options, **option_fields)))


def build(blocks: int, channels: int, seed: int = 0) -> bytes:
    """The serialized model: `blocks` x (CONV_2D, DEPTHWISE_CONV_2D, ADD) on C = `channels`."""
    writer = ModelWriter(blocks * channels * (channels + 16) + (1 << 20))
    graph = Graph(writer, seed)
    shape = [1, 8, 8, channels]
    scales = [0.01 + 0.001 * (i % 7) for i in range(channels)]
    x = graph.tensor("input", shape, "INT8", [ACTIVATION_SCALE])
    model_input = x
    for block in range(blocks):
        prefix = f"block{block}"
        conv_w = graph.weights(f"{prefix}/conv/weights", [channels, 1, 1, channels], channels, 0)
        conv_b = graph.bias(f"{prefix}/conv/bias", channels, scales)
        conv = graph.tensor(f"{prefix}/conv/Relu", shape, "INT8", [ACTIVATION_SCALE])
        graph.operator("CONV_2D", [x, conv_w, conv_b], [conv], "Conv2DOptions", padding=0,
                       stride_w=1, stride_h=1, fused_activation_function=1)
        dw_w = graph.weights(f"{prefix}/dw/weights", [1, 3, 3, channels], channels, 3)
        dw_b = graph.bias(f"{prefix}/dw/bias", channels, scales)
        dw = graph.tensor(f"{prefix}/dw/Relu", shape, "INT8", [ACTIVATION_SCALE])
        graph.operator("DEPTHWISE_CONV_2D", [conv, dw_w, dw_b], [dw], "DepthwiseConv2DOptions",
                       padding=0, stride_w=1, stride_h=1, depth_multiplier=1,
                       fused_activation_function=1)
        added = graph.tensor(f"{prefix}/add", shape, "INT8", [ACTIVATION_SCALE])
        graph.operator("ADD", [x, dw], [added], "AddOptions", fused_activation_function=0)
        x = added
    versions = {"CONV_2D": 3, "DEPTHWISE_CONV_2D": 3, "ADD": 2}
    return serialize(writer, graph, model_input, x, versions)


def serialize(writer: ModelWriter, graph: Graph, model_input: int, model_output: int,
              versions: dict[str, int]) -> bytes:
    """The model holding `graph` as its one subgraph; `versions` gives each opcode's version."""
    buffers = [writer.table("Buffer", data=writer.data(payload)) if payload
               else writer.table("Buffer") for payload in graph.payloads]
    codes = [writer.table("OperatorCode", deprecated_builtin_code=_CODES[name],
                          builtin_code=_CODES[name], version=versions[name])
             for name in graph.codes]
    subgraph = writer.table(
        "SubGraph", tensors=writer.offsets(graph.tensors),
        inputs=writer.vector("i", [model_input]), outputs=writer.vector("i", [model_output]),
        operators=writer.offsets(graph.operators), name=writer.string("main"))
    root = writer.table(
        "Model", version=3, operator_codes=writer.offsets(codes),
        subgraphs=writer.offsets([subgraph]), description=writer.string("tpulint large model"),
        buffers=writer.offsets(buffers))
    return writer.finish(root)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", help="where to write (default: a temp file)")
    parser.add_argument("--blocks", type=int, default=1024, help="blocks of 3 operators")
    parser.add_argument("--channels", type=int, default=320, help="channels C")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    data = build(args.blocks, args.channels, args.seed)
    if args.output:
        path = Path(args.output)
    else:
        descriptor, name = tempfile.mkstemp(prefix="tpulint-large-", suffix=".tflite")
        os.close(descriptor)
        path = Path(name)
    path.write_bytes(data)
    print(f"{path}: {3 * args.blocks} operators, {len(data) / 1e6:.1f} MB", file=sys.stderr)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
