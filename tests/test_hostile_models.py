"""Models built to be slow or to take memory: checking stays linear and bounded.

A 6 MB file can hold 40,000 operators. Alternating unsupported and supported operators in a
chain makes as many delegate partitions as operators, and every CPU operator strands the rest:
anything quadratic in there turns a pre-commit hook into minutes. A file can also list one
table many times, or give every table the same vtable claiming 32,767 fields.
"""

from __future__ import annotations

import contextlib
import random
import struct
import tracemalloc
from pathlib import Path

import make_large_model
import pytest

from tpulint.analysis.graph import Graph
from tpulint.analysis.placement import partition
from tpulint.engine.check import check_model
from tpulint.engine.config import load_settings
from tpulint.engine.registry import load_registry
from tpulint.engine.selection import Selection
from tpulint.ir import Model, Subgraph
from tpulint.reader import ModelReadError, read_model, read_model_bytes
from tpulint.reader.tflite import LIMITS
from tpulint.reader.wire import Wire

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "models"


def alternating_chain(operators: int) -> bytes:
    """LEAKY_RELU (CPU), ADD (Edge TPU), LEAKY_RELU, ... each reading the previous output."""
    writer = make_large_model.ModelWriter(1 << 20)
    graph = make_large_model.Graph(writer, seed=0)
    x = model_input = graph.tensor("input", [1, 4, 4, 8], "INT8", [0.05])
    for index in range(operators):
        y = graph.tensor(f"t{index}", [1, 4, 4, 8], "INT8", [0.05])
        if index % 2:
            graph.operator("ADD", [x, x], [y], "AddOptions", fused_activation_function=0)
        else:
            graph.operator("LEAKY_RELU", [x], [y], "LeakyReluOptions", alpha=0.1)
        x = y
    return make_large_model.serialize(writer, graph, model_input, x,
                                      {"ADD": 2, "LEAKY_RELU": 1})


def repeated_operator(operators: int, subgraphs: int = 1) -> bytes:
    """One LEAKY_RELU table listed `operators` times, in one subgraph listed `subgraphs` times."""
    writer = make_large_model.ModelWriter(1 << 20)
    graph = make_large_model.Graph(writer, seed=0)
    x = graph.tensor("input", [1, 4, 4, 8], "INT8", [0.05])
    y = graph.tensor("output", [1, 4, 4, 8], "INT8", [0.05])
    graph.operator("LEAKY_RELU", [x], [y], "LeakyReluOptions", alpha=0.1)
    graph.operators *= operators
    code = writer.table("OperatorCode", deprecated_builtin_code=98, builtin_code=98, version=1)
    subgraph = writer.table("SubGraph", tensors=writer.offsets(graph.tensors),
                            inputs=writer.vector("i", [x]), outputs=writer.vector("i", [y]),
                            operators=writer.offsets(graph.operators))
    root = writer.table("Model", version=3, operator_codes=writer.offsets([code]),
                        subgraphs=writer.offsets([subgraph] * subgraphs),
                        buffers=writer.offsets([writer.table("Buffer")]))
    return writer.finish(root)


def reference_partition(subgraph: Subgraph, graph: Graph, eligible: list[bool]
                        ) -> list[tuple[bool, list[int]]]:
    """The partitioning as first written: passes over every operator until none is ready."""
    done = [False] * len(subgraph.operators)
    groups: list[tuple[bool, list[int]]] = []
    while not all(done):
        kind: bool | None = None
        members: list[int] = []
        progress = True
        while progress:
            progress = False
            for op in subgraph.operators:
                ready = all(done[p] for p in graph.predecessors(op.index))
                if done[op.index] or not ready:
                    continue
                if kind is None:
                    kind = eligible[op.index]
                if eligible[op.index] == kind:
                    done[op.index] = True
                    members.append(op.index)
                    progress = True
        if not members:
            break
        groups.append((bool(kind), members))
    return groups


def _models() -> list[Model]:
    paths = sorted(ROOT.glob("fixtures/*/*.tflite")) + sorted(CORPUS.glob("*.tflite"))[:12]
    return [read_model(path) for path in paths]


def test_partition_groups_as_the_reference_does() -> None:
    rng = random.Random(5)
    compared = 0
    for model in [*_models(), read_model_bytes(alternating_chain(60))]:
        subgraph = model.main
        graph = Graph(subgraph)
        for _ in range(10):
            eligible = [rng.random() < 0.7 for _ in subgraph.operators]
            expected = reference_partition(subgraph, graph, eligible)
            assert [(kind, sorted(ops)) for kind, ops in partition(subgraph, graph, eligible)] \
                == [(kind, sorted(ops)) for kind, ops in expected]
            compared += 1
    assert compared >= 100


def test_alternating_chain_makes_a_group_per_operator() -> None:
    model = read_model_bytes(alternating_chain(10))
    eligible = [index % 2 == 1 for index in range(10)]
    groups = partition(model.main, Graph(model.main), eligible)
    assert groups == [(index % 2 == 1, [index]) for index in range(10)]


@pytest.mark.parametrize("operators", [20_000])
def test_a_long_alternating_chain_is_checked(operators: int) -> None:
    # Linear work: about a second here, where the quadratic partition took minutes
    # (tools/benchmark.py measures it; a test does not time it).
    model = read_model_bytes(alternating_chain(operators))
    settings = load_settings(None, isolated=True)
    rules = Selection(load_registry(plugins=False), settings).enabled
    summary = check_model(model, "chain.tflite", rules, settings).summary
    assert {k: getattr(summary, k) for k in ("operators", "tpu", "cpu", "edgetpu_subgraphs",
                                             "cpu_segments")} == {
        "operators": operators, "tpu": 1, "cpu": operators - 1, "edgetpu_subgraphs": 1,
        "cpu_segments": 2}
    assert summary.edgetpu_subgraphs_with_a == operators // 2


@pytest.mark.parametrize(("operators", "subgraphs"), [(1_000_000, 1), (60_000, 2), (1, 20_000)])
def test_more_operators_or_subgraphs_than_any_real_model_are_refused(operators: int,
                                                                     subgraphs: int) -> None:
    data = repeated_operator(operators, subgraphs)
    with pytest.raises(ModelReadError) as error:
        read_model_bytes(data, "crafted.tflite")
    assert error.value.step == "subgraphs"
    field = "subgraphs" if subgraphs > LIMITS["subgraphs"] else "operators"
    assert f"more than the {LIMITS[field]:,} tpulint reads in a model" in str(error.value)


def test_a_model_at_the_limit_is_read() -> None:
    model = read_model_bytes(repeated_operator(LIMITS["operators"] // 2, 2))
    assert sum(len(sg.operators) for sg in model.subgraphs) == LIMITS["operators"]


def test_a_vtable_claiming_every_field_costs_no_memory() -> None:
    # Every tensor of a 1000-tensor model points to one vtable of 0xFFFE bytes laid over weights.
    data = bytearray(make_large_model.build(blocks=150, channels=128))
    subgraph = Wire(bytes(data)).root("Model").get("subgraphs")[0]
    tensors = subgraph.get("tensors")
    assert len(tensors) > 1000
    vtable = min(t.pos for t in tensors) - 0x20000  # inside the weights, before every tensor
    assert vtable > 0
    struct.pack_into("<HH", data, vtable, 0xFFFE, 64)
    for tensor in tensors:
        struct.pack_into("<i", data, tensor.pos, tensor.pos - vtable)
    tracemalloc.start()
    try:
        # The weights make no sensible field offsets: an error is a fine outcome.
        with contextlib.suppress(ModelReadError):
            read_model_bytes(bytes(data))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20, f"{peak / 1e6:.0f} MB"
