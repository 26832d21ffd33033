"""Facts about one model, computed once and shared by every rule and report."""

from __future__ import annotations

from functools import cached_property

from tpulint.analysis import limits
from tpulint.analysis.boards import BOARDS, DEFAULT_BOARD
from tpulint.analysis.compiler_options import CompilerOptions
from tpulint.analysis.graph import Graph
from tpulint.analysis.latency import LatencyEstimate
from tpulint.analysis.latency import estimate as estimate_latency
from tpulint.analysis.memory import MemoryEstimate, estimate
from tpulint.analysis.placement import CPU, TPU, Prediction, predict, predict_secondary
from tpulint.analysis.recipe import Recipe, classify
from tpulint.analysis.workload import Workload, measure
from tpulint.ir import Model


class ModelFacts:
    """Lazily computed analyses of a model; each is computed at most once."""

    def __init__(self, model: Model, options: CompilerOptions | int | None = None,
                 board: str = DEFAULT_BOARD, host: str | None = None) -> None:
        self.model = model
        if options is None or isinstance(options, int):
            options = CompilerOptions(min_runtime_version=options or limits.DEFAULT_RUNTIME)
        self.options = options
        self.runtime = options.min_runtime_version
        self.board = board
        self.host = host

    @cached_property
    def graphs(self) -> tuple[Graph, ...]:
        return tuple(Graph(sg) for sg in self.model.subgraphs)

    @cached_property
    def predictions(self) -> tuple[Prediction, ...]:
        """Placement per subgraph: the main one is compiled, control-flow bodies stay on the CPU."""
        main = predict(self.model, self.model.main, self.graphs[0], options=self.options)
        return (main, *(predict_secondary(sg) for sg in self.model.subgraphs[1:]))

    @property
    def prediction(self) -> Prediction:
        return self.predictions[0]

    @cached_property
    def cpu_segments(self) -> int:
        """Connected groups of CPU operators in the main subgraph."""
        return self.graphs[0].connected_groups(
            {op.index for op in self.prediction.operators if op.placement == CPU})

    @cached_property
    def recipe(self) -> Recipe:
        return classify(self.model)

    @cached_property
    def memory(self) -> MemoryEstimate:
        tpu = {op.index for op in self.prediction.operators if op.placement == TPU}
        return estimate(self.model, self.model.main, tpu)

    @cached_property
    def workload(self) -> Workload:
        return measure(self.model, self.model.main, self.graphs[0], self.prediction, self.memory)

    @cached_property
    def latency(self) -> LatencyEstimate:
        """One inference on `board` (with `host`'s CPU, else the board's own host class)."""
        return estimate_latency(self.workload, BOARDS[self.board], self.host)
