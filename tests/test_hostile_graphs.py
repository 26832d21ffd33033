"""Graphs built to be slow: checking stays linear in the number of operators.

A 6 MB file can hold 40,000 operators. Alternating unsupported and supported operators in a
chain makes as many delegate partitions as operators, and every CPU operator strands the rest:
anything quadratic in there turns a pre-commit hook into minutes.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import make_large_model
import pytest

from tpulint.analysis.graph import Graph
from tpulint.analysis.placement import partition
from tpulint.config import load_settings
from tpulint.engine import check_model
from tpulint.ir import Model, Subgraph
from tpulint.reader import read_model, read_model_bytes
from tpulint.registry import load_registry
from tpulint.selection import Selection

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
def test_checking_a_long_alternating_chain_is_fast(operators: int) -> None:
    model = read_model_bytes(alternating_chain(operators))
    settings = load_settings(None, isolated=True)
    rules = Selection(load_registry(plugins=False), settings).enabled
    started = time.perf_counter()
    result = check_model(model, "chain.tflite", rules, settings)
    elapsed = time.perf_counter() - started
    assert result.summary == {"operators": operators, "tpu": 1, "cpu": operators - 1,
                              "edgetpu_subgraphs": 1, "cpu_segments": 2}
    # Linear work takes about a second here; the quadratic version took minutes.
    assert elapsed < 20, f"{elapsed:.1f} s"
