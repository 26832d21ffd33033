"""Rules whose per-tensor or per-operator checks need a whole-subgraph fact find it once: the
work of checking a model must grow with its size, not with its square."""

from __future__ import annotations

from collections.abc import Iterator

from irbuild import GraphBuilder

from tpulint.engine.check import check_model
from tpulint.engine.config import Settings
from tpulint.engine.registry import load_registry
from tpulint.ir import Model, Subgraph, Tensor


class CountedTensors(tuple[Tensor, ...]):
    """A subgraph's tensors that count how often they are walked."""

    walks = 0

    def __iter__(self) -> Iterator[Tensor]:
        CountedTensors.walks += 1
        return super().__iter__()


def _scalars_without_rank(count: int) -> Model:
    """A chain of `count` operators on scalars, none of them written with `has_rank`, as older
    converters write them."""
    g = GraphBuilder()
    x = g.input((), has_rank=False)
    for _ in range(count):
        y = g.tensor((), has_rank=False)
        g.op("RELU", [x], [y])
        x = y
    model = g.model()
    main = model.main
    counted = Subgraph(main.index, main.name, CountedTensors(main.tensors), main.operators,
                       main.inputs, main.outputs)
    replaced: Model = model.replace(subgraphs=(counted,))
    return replaced


def _walks(model: Model, code: str) -> int:
    rules = [rule for rule in load_registry(plugins=False) if rule.code == code]
    CountedTensors.walks = 0
    check_model(model, "memory.tflite", rules, Settings())
    return CountedTensors.walks


def test_dynamic_shape_walks_the_tensors_a_fixed_number_of_times() -> None:
    # TPU301 asks, for each scalar without a rank, whether the converter writes has_rank at all
    assert _walks(_scalars_without_rank(10), "TPU301") \
        == _walks(_scalars_without_rank(300), "TPU301")
