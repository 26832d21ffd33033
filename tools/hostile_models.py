"""Valid TensorFlow Lite flatbuffers built to hurt a reader or an analysis.

Each generator returns the bytes of a well-formed model whose structure multiplies work or
memory: tables referenced many times, one string named by every tensor, operators that all read
and write one tensor, a cycle, a tensor type no schema knows. The fuzz harness draws from them
(tools/fuzz.py), the tests replay them (tests/test_hostile_models.py) and tools/hostile_memory.py
measures the peak memory of `tpulint check` on their worst sizes.

Sizes are parameters, so a test can build a small one and the memory script a large one.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import make_large_model
from make_large_model import Graph, ModelWriter

SCALE = [0.05]
SHAPE = [1, 4, 4, 8]


def _model(writer: ModelWriter, graph: Graph, inputs: list[int], outputs: list[int],
           versions: dict[str, int], *, extra: dict[str, int] | None = None,
           subgraphs: int = 1) -> bytes:
    codes = [writer.table("OperatorCode", deprecated_builtin_code=make_large_model._CODES[name],
                          builtin_code=make_large_model._CODES[name], version=versions[name])
             for name in graph.codes]
    subgraph = writer.table("SubGraph", tensors=writer.offsets(graph.tensors),
                            inputs=writer.vector("i", inputs),
                            outputs=writer.vector("i", outputs),
                            operators=writer.offsets(graph.operators))
    root = writer.table("Model", version=3, operator_codes=writer.offsets(codes),
                        subgraphs=writer.offsets([subgraph] * subgraphs),
                        buffers=writer.offsets([writer.table("Buffer")]), **(extra or {}))
    return writer.finish(root)


def self_loop(operators: int) -> bytes:
    """`operators` operators that all read and write tensor 0 (a CPU and an Edge TPU kind in
    turn), so every operator is every other's producer and consumer."""
    writer = ModelWriter(64 * operators + 4096)
    graph = Graph(writer, seed=0)
    t = graph.tensor("t", SHAPE, "INT8", SCALE)
    graph.operator("LEAKY_RELU", [t], [t], "LeakyReluOptions", alpha=0.1)
    graph.operator("ADD", [t, t], [t], "AddOptions", fused_activation_function=0)
    pair = graph.operators[:]
    graph.operators = (pair * (operators // 2 + 1))[:operators]
    return _model(writer, graph, [t], [t], {"LEAKY_RELU": 1, "ADD": 2})


def cycle(length: int = 2) -> bytes:
    """Operator i reads tensor i and writes tensor i + 1; the last writes tensor 0."""
    writer = ModelWriter(4096 + 64 * length)
    graph = Graph(writer, seed=0)
    tensors = [graph.tensor(f"t{i}", SHAPE, "INT8", SCALE) for i in range(length)]
    for i in range(length):
        graph.operator("ADD", [tensors[i], tensors[i]], [tensors[(i + 1) % length]],
                       "AddOptions", fused_activation_function=0)
    return _model(writer, graph, [], [tensors[0]], {"ADD": 2})


def unknown_tensor_type(type_code: int = 99) -> bytes:
    """A well-formed ADD whose tensors have a type the schema does not define."""
    writer = ModelWriter(4096)
    graph = Graph(writer, seed=0)
    x = graph.tensor("x", SHAPE, "INT8", SCALE)
    y = graph.tensor("y", SHAPE, "INT8", SCALE)
    graph.operator("ADD", [x, x], [y], "AddOptions", fused_activation_function=0)
    w = writer
    graph.tensors = [w.table("Tensor", shape=w.vector("i", SHAPE), type=type_code,
                             name=w.string(name), has_rank=True) for name in ("x", "y")]
    return _model(writer, graph, [x], [y], {"ADD": 2})


def shared_name(tensors: int, name_bytes: int) -> bytes:
    """`tensors` tensors that all point at one name of `name_bytes` bytes."""
    writer = ModelWriter(name_bytes + 64 * tensors + 4096)
    graph = Graph(writer, seed=0)
    name = writer.string("n" * name_bytes)
    shape = writer.vector("i", SHAPE)
    one = writer.table("Tensor", shape=shape, type=9, name=name, has_rank=True)
    graph.tensors = [one] * tensors
    graph.operator("ADD", [0, 0], [min(1, tensors - 1)], "AddOptions",
                   fused_activation_function=0)
    return _model(writer, graph, [0], [min(1, tensors - 1)], {"ADD": 2})


def wide_operator(inputs: int, repeats: int) -> bytes:
    """`repeats` CONCATENATIONs, each writing its own tensor, that share one list of `inputs`
    reads of tensor 0."""
    writer = ModelWriter(4 * inputs + 4096)
    graph = Graph(writer, seed=0)
    x = graph.tensor("x", SHAPE, "INT8", SCALE)
    outputs = [graph.tensor(f"y{i}", SHAPE, "INT8", SCALE) for i in range(repeats)]
    w = writer
    shared = w.vector("i", [x] * inputs)
    graph.codes = ["CONCATENATION"]
    graph.operators = [w.table("Operator", opcode_index=0, inputs=shared,
                               outputs=w.vector("i", [y]),
                               builtin_options_type=make_large_model._OPTIONS[
                                   "ConcatenationOptions"],
                               builtin_options=w.table("ConcatenationOptions", axis=3))
                       for y in outputs]
    return _model(writer, graph, [x], outputs, {"CONCATENATION": 1})


def shared_signatures(signatures: int, entries: int) -> bytes:
    """`signatures` signature defs, each listing one tensor map `entries` times."""
    writer = ModelWriter(8 * entries + 4096)
    graph = Graph(writer, seed=0)
    x = graph.tensor("x", SHAPE, "INT8", SCALE)
    y = graph.tensor("y", SHAPE, "INT8", SCALE)
    graph.operator("ADD", [x, x], [y], "AddOptions", fused_activation_function=0)
    entry = writer.table("TensorMap", name=writer.string("x"), tensor_index=x)
    listed = writer.offsets([entry] * entries)
    signature = writer.table("SignatureDef", inputs=listed, outputs=listed,
                             signature_key=writer.string("serving_default"))
    defs = writer.offsets([signature] * signatures)
    return _model(writer, graph, [x], [y], {"ADD": 2}, extra={"signature_defs": defs})


def many_findings(tensors: int, name_bytes: int) -> bytes:
    """A chain of float ADDs, every tensor a finding, all named by one long string: what a report
    repeats once per finding."""
    writer = ModelWriter(name_bytes + 64 * tensors + 4096)
    graph = Graph(writer, seed=0)
    w = writer
    name = w.string("f" * name_bytes)
    shape = w.vector("i", SHAPE)
    graph.tensors = [w.table("Tensor", shape=shape, type=0, name=name, has_rank=True,
                             buffer=0) for _ in range(tensors)]
    options = w.table("AddOptions", fused_activation_function=0)
    graph.codes = ["ADD"]
    graph.operators = [w.table("Operator", opcode_index=0, inputs=w.vector("i", [i, i]),
                               outputs=w.vector("i", [i + 1]),
                               builtin_options_type=make_large_model._OPTIONS["AddOptions"],
                               builtin_options=options)
                       for i in range(tensors - 1)]
    return _model(writer, graph, [0], [tensors - 1], {"ADD": 2})


# name -> (small, large): the generator with the arguments the suite uses, and the worst case
# the memory script measures.
GENERATORS: dict[str, tuple[Callable[[], bytes], Callable[[], bytes]]] = {
    "self-loop": (lambda: self_loop(2_000), lambda: self_loop(100_000)),
    "cycle": (lambda: cycle(3), lambda: cycle(5_000)),
    "unknown-tensor-type": (lambda: unknown_tensor_type(), lambda: unknown_tensor_type(120)),
    "shared-name": (lambda: shared_name(100, 1 << 16), lambda: shared_name(1_000, 2 << 20)),
    "wide-operator": (lambda: wide_operator(1 << 12, 10), lambda: wide_operator(1 << 20, 10)),
    "shared-signatures": (lambda: shared_signatures(100, 1_000),
                          lambda: shared_signatures(1_000, 10_000)),
    "many-findings": (lambda: many_findings(1_000, 1_000),
                      lambda: many_findings(30_000, 1 << 14)),
}


def random_model(rng: random.Random) -> tuple[str, bytes]:
    """One generator's small case with randomised sizes, for the fuzz harness."""
    choice = rng.choice(sorted(GENERATORS))
    sizes: dict[str, Callable[[], bytes]] = {
        "self-loop": lambda: self_loop(rng.randrange(1, 3_000)),
        "cycle": lambda: cycle(rng.randrange(1, 200)),
        "unknown-tensor-type": lambda: unknown_tensor_type(rng.randrange(19, 128)),
        "shared-name": lambda: shared_name(rng.randrange(1, 300), rng.randrange(1, 1 << 16)),
        "wide-operator": lambda: wide_operator(rng.randrange(1, 1 << 12), rng.randrange(1, 20)),
        "shared-signatures": lambda: shared_signatures(rng.randrange(1, 100),
                                                       rng.randrange(1, 2_000)),
        "many-findings": lambda: many_findings(rng.randrange(3, 600), rng.randrange(1, 5_000)),
    }
    return choice, sizes[choice]()
