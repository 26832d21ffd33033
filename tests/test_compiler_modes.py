"""Prediction under edgetpu_compiler options: -a, -i, -d/-k, and the operator facts they exposed.

Partition modes are tested on graphs built in memory; the -a mode also on two real models that
edgetpu_compiler 16 compiled with -a (tests/data/corpus/README.md names their sources).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.irbuild import GraphBuilder
from tpulint.analysis import delegate_search, status
from tpulint.analysis.compiler_options import CompilerOptions
from tpulint.analysis.facts import ModelFacts
from tpulint.analysis.graph import Graph
from tpulint.analysis.placement import CPU, TPU, predict
from tpulint.reader import read_model

DATA = Path(__file__).resolve().parent / "data" / "corpus"
TRUTH = json.loads((DATA / "truth_multiple_subgraphs.json").read_text())
MULTIPLE = CompilerOptions(enable_multiple_subgraphs=True)


def _relu(g: GraphBuilder, source: int, name: str) -> int:
    out = g.tensor(g.tensors[source].shape, name=name)
    g.op("RELU", [source], [out])
    return out


def _two_regions() -> GraphBuilder:
    """RELU, then an unsupported GATHER-like CPU operator (FLOOR), then two RELUs."""
    g = GraphBuilder()
    x = g.input((1, 8, 8, 4))
    a = g.unary("RELU", x)
    b = g.unary("FLOOR", a)  # not in the Edge TPU's operator set
    c = g.unary("RELU", b)
    g.unary("RELU", c)
    return g


def test_default_mode_keeps_one_edgetpu_subgraph() -> None:
    model = _two_regions().model()
    prediction = predict(model, model.main)
    assert [p.placement for p in prediction.operators] == [TPU, CPU, CPU, CPU]
    assert prediction.operators[2].reason == status.MORE_THAN_ONE_SUBGRAPH
    assert prediction.operators[0].edgetpu_subgraph == 0
    assert prediction.edgetpu_subgraphs == 1


def test_multiple_subgraphs_maps_every_delegated_group_in_order() -> None:
    model = _two_regions().model()
    prediction = predict(model, model.main, options=MULTIPLE)
    assert [p.placement for p in prediction.operators] == [TPU, CPU, TPU, TPU]
    assert [p.edgetpu_subgraph for p in prediction.operators] == [0, None, 1, 1]
    assert prediction.operators[1].reason == status.NOT_SUPPORTED
    assert prediction.edgetpu_subgraphs == 2


def test_intermediate_tensors_send_their_readers_to_the_cpu() -> None:
    g = GraphBuilder()
    x = g.input((1, 8, 8, 4))
    a = g.unary("RELU", x)
    b = _relu(g, a, "cut")
    c = g.unary("RELU", b)
    g.unary("RELU", c)
    model = g.model()
    both = CompilerOptions(enable_multiple_subgraphs=True, intermediate_tensors=("cut",))
    prediction = predict(model, model.main, options=both)
    assert [p.placement for p in prediction.operators] == [TPU, TPU, CPU, TPU]
    assert [p.edgetpu_subgraph for p in prediction.operators] == [0, 0, None, 1]
    single = predict(model, model.main, options=CompilerOptions(intermediate_tensors=("cut",)))
    assert [p.placement for p in single.operators] == [TPU, TPU, CPU, CPU]
    assert single.operators[2].confidence == "medium"  # the compiler's status is unrecorded
    # with -a what follows the readers forms a subgraph of its own again (edgetpu#601)


@pytest.mark.parametrize(("total", "step", "failing", "size", "tries"), [
    (10, 1, (), 10, 1),       # the whole graph compiles: the first try is the answer
    (10, 1, (7,), 7, 4),      # 10, 9, 8 hold operator 7; 7 operators do not
    (10, 3, (7,), 7, 2),      # 10, then 7
    (10, 4, (7,), 6, 2),      # 10, then 6
    (10, 4, (1,), None, 3),   # 10, 6, 2 all hold operator 1: nothing compiles
])
def test_delegate_search_backs_off_by_its_step(total: int, step: int, failing: tuple[int, ...],
                                                size: int | None, tries: int) -> None:
    g = GraphBuilder()
    x = g.input((1, 4, 4, 4))
    for _ in range(total):
        x = g.unary("RELU", x)
    sg = g.model().main
    found = delegate_search.search(sg, step, failing)
    if size is None:
        assert found is None
        assert delegate_search.outside(found, sg) == set(range(total))
        return
    assert found == delegate_search.Segment(size, tries)
    assert delegate_search.outside(found, sg) == set(range(size, total))
    expected_cut = [] if size == total else [sg.tensors[sg.operators[size - 1].outputs[0]].name]
    assert delegate_search.cut_tensors(sg, Graph(sg), found) == expected_cut


def test_search_delegate_alone_changes_nothing_when_the_graph_compiles() -> None:
    model = _two_regions().model()
    options = CompilerOptions(search_delegate=True, delegate_search_step=10)
    assert predict(model, model.main, options=options) == predict(model, model.main)


def test_a_version_from_tensorflow_2_6_is_parsed_but_not_mapped() -> None:
    for version, placement in ((2, TPU), (4, CPU)):
        g = GraphBuilder()
        x = g.input((1, 8, 8, 4))
        out = g.tensor((1, 8, 8, 4))
        g.op("ADD", [x, x], [out], version=version)
        prediction = predict(g.model(), g.model().main)
        assert not prediction.fatal
        assert prediction.operators[0].placement == placement
        if placement == CPU:
            assert prediction.operators[0].reason == status.VERSION_NOT_SUPPORTED


def test_fully_connected_with_a_constant_input_and_one_row_weights_maps() -> None:
    for weights_shape, placement in (((1, 8), TPU), ((2, 8), CPU)):
        g = GraphBuilder()
        x = g.input(weights_shape)
        constant = g.const((4, 8))
        out = g.tensor((4, weights_shape[0]))
        g.op("FULLY_CONNECTED", [constant, x, -1], [out], version=4)
        assert predict(g.model(), g.model().main).operators[0].placement == placement


@pytest.mark.parametrize("model_id", sorted(TRUTH))
def test_models_compiled_with_a_are_predicted_operator_by_operator(model_id: str) -> None:
    truth = TRUTH[model_id]
    prediction = ModelFacts(read_model(DATA / f"{model_id}.tflite"), MULTIPLE).prediction
    for expected in truth["ops"]:
        got = prediction.operators[expected["index"]]
        assert got.placement == expected["status"], expected
        if expected["status"] == "cpu" and expected["reason"]:
            assert got.reason == expected["reason"], expected
    sizes: dict[int, int] = {}
    for op in prediction.operators:
        if op.edgetpu_subgraph is not None:
            sizes[op.edgetpu_subgraph] = sizes.get(op.edgetpu_subgraph, 0) + 1
    assert [sizes[n] for n in sorted(sizes)] == truth["edgetpu_subgraph_sizes"]
    default = ModelFacts(read_model(DATA / f"{model_id}.tflite")).prediction
    assert default.edgetpu_subgraphs == 1 and default.tpu_count < prediction.tpu_count
