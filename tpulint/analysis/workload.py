"""What one inference asks of the Edge TPU, the bus and the host CPU, counted from the IR.

A latency estimate is these counts times a board's and a host's constants (`latency.py`). The
counts are: arithmetic of the Edge TPU region, parameter bytes streamed from host memory (what
the on-chip cache cannot hold), bytes crossing the bus into and out of the region, and the
arithmetic of CPU operators by where they run: before the region (feeding it or independent of
it), between (fed by it and feeding it again, with several Edge TPU subgraphs) and after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from tpulint.analysis.cost import OperatorCost, operator_cost
from tpulint.analysis.graph import Graph
from tpulint.analysis.memory import MemoryEstimate
from tpulint.analysis.placement import TPU, Prediction
from tpulint.ir import Model, Subgraph, Tensor
from tpulint.record import EMPTY, Record

BEFORE, BETWEEN, AFTER = "before", "between", "after"


class Work(Record):
    macs: int = 0
    elements: int = 0
    operators: int = 0
    array_macs: int = 0  # the Edge TPU's MACs, idle channel groups included (cost.py)

    def __add__(self, other: Work) -> Work:
        return Work(self.macs + other.macs, self.elements + other.elements,
                    self.operators + other.operators, self.array_macs + other.array_macs)


class Workload(Record):
    tpu: Work
    streamed_bytes: int
    transfer_bytes: int  # region inputs and outputs crossing the bus
    cpu: dict[str, Work]  # BEFORE / BETWEEN / AFTER
    # CPU operator ending the region -> the work of the operators it strands on the CPU
    stranded: Mapping[int, Work] = EMPTY

    @property
    def has_tpu(self) -> bool:
        return self.tpu.operators > 0


def _total(costs: Iterable[OperatorCost]) -> Work:
    """The work of some operators, summed without a `Work` per operator."""
    macs = elements = operators = array_macs = 0
    for cost in costs:
        macs += cost.macs
        elements += cost.elements
        operators += 1
        array_macs += cost.array_macs
    return Work(macs, elements, operators, array_macs)


def measure(model: Model, subgraph: Subgraph, graph: Graph, prediction: Prediction,
            memory: MemoryEstimate) -> Workload:
    costs = [operator_cost(subgraph, op) for op in subgraph.operators]
    on_tpu = [p.placement == TPU for p in prediction.operators]
    tpu = _total(cost for cost, mapped in zip(costs, on_tpu, strict=True) if mapped)
    positions = _cpu_positions(graph, subgraph, on_tpu)
    cpu = {where: _total(costs[index] for index, at in positions.items() if at == where)
           for where in (BEFORE, BETWEEN, AFTER)}
    stranded = {cause: _total(costs[index] for index in ops)
                for cause, ops in prediction.stranded.items()}
    streamed = memory.off_chip_bytes if tpu.operators else 0
    return Workload(tpu, streamed, _transfer_bytes(model, subgraph, graph, on_tpu), cpu,
                    stranded)


def _cpu_positions(graph: Graph, subgraph: Subgraph, on_tpu: list[bool]) -> dict[int, str]:
    """Each CPU operator's place relative to the Edge TPU region, in two linear passes."""
    if all(on_tpu):
        return {}
    count = len(subgraph.operators)
    after_tpu = [False] * count  # depends on an Edge TPU operator
    for op in subgraph.operators:
        for tensor in op.inputs:
            producer = graph.producer(tensor)
            if producer is not None and (on_tpu[producer] or after_tpu[producer]):
                after_tpu[op.index] = True
                break
    feeds_tpu = [False] * count  # an Edge TPU operator depends on it
    for op in reversed(subgraph.operators):
        feeds_tpu[op.index] = any(on_tpu[c] or feeds_tpu[c]
                                  for tensor in op.outputs for c in graph.consumers(tensor))
    positions = {}
    for index in range(count):
        if on_tpu[index]:
            continue
        if after_tpu[index]:
            positions[index] = BETWEEN if feeds_tpu[index] else AFTER
        else:
            positions[index] = BEFORE
    return positions


def _transfer_bytes(model: Model, subgraph: Subgraph, graph: Graph, on_tpu: list[bool]) -> int:
    """Bytes of the activations entering or leaving Edge TPU operators from outside them."""
    if all(on_tpu):  # one region: the model's inputs and outputs cross, nothing else
        ends = {*subgraph.inputs, *subgraph.outputs}
        return sum(_bytes(t) for t in map(subgraph.tensor, ends) if t is not None)
    outputs = set(subgraph.outputs)
    crossing = 0
    for tensor in subgraph.tensors:
        if tensor.constant:
            continue
        producer = graph.producer(tensor.index)
        consumers = graph.consumers(tensor.index)
        produced_on_tpu = producer is not None and on_tpu[producer]
        read_on_tpu = any(on_tpu[c] for c in consumers)
        if produced_on_tpu:
            leaves = tensor.index in outputs or any(not on_tpu[c] for c in consumers)
        else:
            leaves = read_on_tpu
        if leaves:
            crossing += _bytes(tensor)
    return crossing


_SIZES = {"int8": 1, "uint8": 1, "bool": 1, "int16": 2, "float16": 2, "int32": 4, "float32": 4,
          "int64": 8, "float64": 8}


def _bytes(tensor: Tensor) -> int:
    return tensor.elements * _SIZES.get(tensor.dtype, 4)
