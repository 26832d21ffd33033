"""Arithmetic and data volume of each operator: what a latency estimate is built from.

Counts come from tensor shapes only. A multiply-accumulate (MAC) is one weight applied to one
input value; "elements" are the values an operator writes, the work of operators without weights
(additions, pooling, concatenation, resizing, activations).

The model takes the Edge TPU to compute a layer's output channels in groups of `CHANNEL_GROUP`:
a layer with fewer channels leaves the rest of its group idle but takes as long as a full one.
`array_macs` counts that time: MACs with each weight operator's output channels rounded up to
the group. Compiled files show a grain of 16 (the compiler pads every weight operator's output
channels to a multiple of 16, tools/parameter_grain.py); the width beyond that is chosen on
Coral's benchmark table by tools/latency_benchmark.py (docs/latency.md), not a datasheet figure.
"""

from __future__ import annotations

from tpulint.ir import Operator, Subgraph, Tensor
from tpulint.record import Record

_WEIGHTS = 1
_TRANSPOSE_CONV_INPUT = 2
CHANNEL_GROUP = 512


class OperatorCost(Record):
    macs: int
    elements: int  # values written by the operator
    array_macs: int  # MACs the Edge TPU spends, idle channels of a group included


def _elements(subgraph: Subgraph, indices: tuple[int, ...]) -> int:
    tensors = subgraph.tensors
    total = 0
    for index in indices:
        if 0 <= index < len(tensors):
            total += tensors[index].elements
    return total


def _weights(subgraph: Subgraph, op: Operator) -> Tensor | None:
    return subgraph.tensor(op.inputs[_WEIGHTS]) if len(op.inputs) > _WEIGHTS else None


def operator_cost(subgraph: Subgraph, op: Operator) -> OperatorCost:
    out = _elements(subgraph, op.outputs)
    weights = _weights(subgraph, op)
    shape = weights.shape if weights is not None else ()
    macs = 0
    channels = 0  # output channels of a weight operator
    if op.opcode == "CONV_2D" and len(shape) == 4:
        macs, channels = out * shape[1] * shape[2] * shape[3], shape[0]  # [out, kh, kw, in]
    elif op.opcode == "DEPTHWISE_CONV_2D" and len(shape) == 4:
        macs, channels = out * shape[1] * shape[2], shape[3]  # [1, kh, kw, channels]
    elif op.opcode == "FULLY_CONNECTED" and len(shape) == 2:
        macs, channels = out * shape[1], shape[0]  # [out, in]
    elif op.opcode == "TRANSPOSE_CONV" and len(shape) == 4 and len(op.inputs) > 2:
        source = subgraph.tensor(op.inputs[_TRANSPOSE_CONV_INPUT])
        if source is not None:  # each input fans out; [out, kh, kw, in]
            macs, channels = source.elements * shape[0] * shape[1] * shape[2], shape[0]
    elif op.opcode in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        window = op.options.get("filter_width", 1) * op.options.get("filter_height", 1)
        macs = out * max(int(window), 1)
    elif op.opcode in ("MEAN", "SUM"):
        macs = _elements(subgraph, op.inputs[:1])
    return OperatorCost(macs, out, _array_macs(macs, channels))


def _array_macs(macs: int, channels: int) -> int:
    if channels <= 0:
        return macs
    groups = -(-channels // CHANNEL_GROUP)
    return macs * groups * CHANNEL_GROUP // channels
