"""Predict where Edge TPU compiler 16 places each operator, and why.

Two steps, as the compiler takes them:

1. Each operator is checked on its own (`support.check_operator`): supported type, 8-bit tensors,
   mapped rank, its constraints and size limits. An operator that fails stays on the CPU with the
   status of its first violation.
2. The operators that pass are grouped the way TensorFlow Lite partitions a graph for a delegate:
   walking the execution order, each group takes every ready operator of one kind (delegated or
   not) until none is left, so a supported operator that needs a CPU result lands in a later
   group. The compiler keeps one Edge TPU group, the first; supported operators in any other
   group report "More than one subgraph is not supported". This keeps independent branches on the
   TPU after an unrelated CPU operator, and a leading CPU QUANTIZE does not split the graph.

A model the compiler cannot take at all (an operator version it cannot parse, tensors with
dynamic sizes, a model that is not quantized) is a `Fatal` prediction: nothing is compiled.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping

from tpulint.analysis import delegate_search, intermediate_tensors, limits, status
from tpulint.analysis.compiler_options import CompilerOptions
from tpulint.analysis.fatal import Fatal, fatal_outcomes
from tpulint.analysis.graph import Graph
from tpulint.analysis.multiple_subgraphs import edgetpu_subgraphs
from tpulint.analysis.support import (
    OPERATORS,
    OperatorView,
    Violation,
    check_operator,
    uncertain_limits,
)
from tpulint.ir import Model, Subgraph
from tpulint.record import Record, derived

TPU = "tpu"
CPU = "cpu"
STRANDED = "stranded"  # kind of a supported operator left on the CPU by the partition
__all__ = ["CPU", "STRANDED", "TPU", "Fatal", "OperatorPlacement", "Prediction", "fatal_outcomes",
           "partition", "predict", "predict_secondary"]


class OperatorPlacement(Record):
    index: int
    placement: str
    reason: str
    violations: tuple[Violation, ...] = ()
    cause: int | None = None  # for a stranded operator: the CPU operator that separates it
    confidence: str = "high"
    edgetpu_subgraph: int | None = None  # for a mapped operator: its Edge TPU subgraph, from 0
    kind: str = ""  # TPU, CPU (its own reason) or STRANDED; defaults to the placement

    def __post_init__(self) -> None:
        if not self.kind:
            object.__setattr__(self, "kind", self.placement)


class Prediction(Record):
    subgraph: int
    operators: tuple[OperatorPlacement, ...]
    fatal: tuple[Fatal, ...] = ()
    # With `edgetpu_compiler -a` every delegated group becomes an Edge TPU subgraph.
    groups_with_a: int = 0
    # Operators on the Edge TPU if every size inside a limit's bracket were refused, or mapped,
    # and the limits concerned; None when no such guess could change the region.
    tpu_range: tuple[int, int] | None = None
    depends_on: tuple[str, ...] = ()
    # Asked for by rules once per operator: computed once, so checks stay linear.
    tpu_count: int = derived()
    # CPU operator -> the supported operators it strands (their `cause`), in execution order
    stranded: Mapping[int, list[int]] = derived()

    def __post_init__(self) -> None:
        stranded: dict[int, list[int]] = {}
        for op in self.operators:
            if op.kind == STRANDED and op.cause is not None:
                stranded.setdefault(op.cause, []).append(op.index)
        object.__setattr__(self, "tpu_count", sum(op.placement == TPU for op in self.operators))
        object.__setattr__(self, "stranded", stranded)

    @property
    def cpu_count(self) -> int:
        return len(self.operators) - self.tpu_count

    @property
    def edgetpu_subgraphs(self) -> int:
        return len({op.edgetpu_subgraph for op in self.operators if op.placement == TPU})


def predict(model: Model, subgraph: Subgraph, graph: Graph | None = None,
            runtime: int = limits.DEFAULT_RUNTIME,
            options: CompilerOptions | None = None) -> Prediction:
    graph = graph or Graph(subgraph)
    options = options or CompilerOptions(min_runtime_version=runtime)
    if model.compiled:
        return _compiled(model, subgraph)
    # each with its operator's entry, which the checks look up
    views = [OperatorView(model, subgraph, op, OPERATORS.get(op.opcode))
             for op in subgraph.operators]
    own = [tuple(check_operator(view, options.min_runtime_version)) for view in views]
    doubt = [tuple(c.name for c in uncertain_limits(view)) for view in views]
    left_out = option_cuts(subgraph, graph, options)
    eligible = [not violations and op not in left_out for op, violations in enumerate(own)]
    groups = partition(subgraph, graph, eligible)
    delegated = [ops for kind, ops in groups if kind]
    numbers = edgetpu_subgraphs(groups, options.enable_multiple_subgraphs)
    region = set(numbers)

    def region_size(eligible: list[bool]) -> int:
        found = edgetpu_subgraphs(partition(subgraph, graph, eligible),
                                  options.enable_multiple_subgraphs)
        return len(found)

    tpu_range = _tpu_range(own, doubt, left_out, len(region), region_size)
    # A later group of nothing but QUANTIZE operators (requantizing CPU results, as after SSD
    # post-processing) is reported "unspecified limitation", not "More than one subgraph"
    # (compiler 16, corpus: SSD MobileNet V2 FPNLite).
    requantize_only = {i for ops in delegated if not region.intersection(ops)
                       and all(subgraph.operators[i].opcode == "QUANTIZE" for i in ops)
                       for i in ops}
    causes = _segment_causes(graph, subgraph, region, own)
    placements = []
    for op in subgraph.operators:
        violations = own[op.index]
        if violations:
            placements.append(OperatorPlacement(
                op.index, CPU, violations[0].status, violations,
                confidence=_confidence(violations[0], doubt[op.index]),
            ))
        elif op.index in region:
            placements.append(OperatorPlacement(
                op.index, TPU, status.MAPPED, edgetpu_subgraph=numbers[op.index],
                confidence="medium" if doubt[op.index] else "high"))
        elif op.index in left_out:  # cut off by -i or -d: the compiler's status is unrecorded
            placements.append(OperatorPlacement(
                op.index, CPU, status.MORE_THAN_ONE_SUBGRAPH, confidence="medium",
                kind=STRANDED))
        else:
            reason = (status.UNSPECIFIED if op.index in requantize_only
                      else status.MORE_THAN_ONE_SUBGRAPH)
            cause = causes[op.index]
            guessed = op.index in requantize_only or (cause is not None and bool(doubt[cause]))
            placements.append(OperatorPlacement(
                op.index, CPU, reason, cause=cause, kind=STRANDED,
                confidence="medium" if guessed else "high",
            ))
    fatal = fatal_outcomes(model, subgraph)
    if fatal:
        placements = [p if p.placement == CPU else
                      OperatorPlacement(p.index, CPU, fatal[0].message, confidence="high")
                      for p in placements]
    if fatal or tpu_range is None:
        return Prediction(subgraph.index, tuple(placements), tuple(fatal), len(delegated))
    names = tuple(dict.fromkeys(name for names in doubt for name in names))
    return Prediction(subgraph.index, tuple(placements), (), len(delegated), tpu_range, names)


def _tpu_range(own: list[tuple[Violation, ...]], doubt: list[tuple[str, ...]],
               left_out: set[int], predicted: int,
               region_size: Callable[[list[bool]], int]) -> tuple[int, int] | None:
    """The Edge TPU region's size if every size inside a bracket were refused, then mapped."""
    if not any(doubt):
        return None
    low = [not v and not d and i not in left_out
           for i, (v, d) in enumerate(zip(own, doubt, strict=True))]
    high = [all(x.constraint.name in d for x in v) and i not in left_out
            for i, (v, d) in enumerate(zip(own, doubt, strict=True))]
    sizes = [region_size(low), region_size(high)]
    if sizes[0] == sizes[1] == predicted:
        return None
    return min(sizes[0], predicted), max(sizes[1], predicted)


def option_cuts(subgraph: Subgraph, graph: Graph, options: CompilerOptions) -> set[int]:
    """Operators that `-i` or `-d` keep out of the Edge TPU, whatever their support."""
    cut = intermediate_tensors.readers(subgraph, graph, options.intermediate_tensors)
    if options.search_delegate:
        # No operator is predicted to fail the whole compilation in a way a shorter segment
        # avoids (large-activation failures are not modelled), so the search's first try, the
        # whole graph, is its answer.
        found = delegate_search.search(subgraph, options.delegate_search_step)
        cut |= delegate_search.outside(found, subgraph)
    return cut


def predict_secondary(subgraph: Subgraph) -> Prediction:
    """Subgraphs other than the first (control-flow bodies, other signatures) run on the CPU.

    How the compiler treats them is not documented; it compiles one Edge TPU region, and only
    the main subgraph's operators are reported in its operation log.
    """
    return Prediction(subgraph.index, tuple(
        OperatorPlacement(op.index, CPU, status.MORE_THAN_ONE_SUBGRAPH, confidence="low",
                          kind=STRANDED)
        for op in subgraph.operators))


def partition(subgraph: Subgraph, graph: Graph, eligible: list[bool]
              ) -> list[tuple[bool, list[int]]]:
    """Group operators as TensorFlow Lite does for a delegate: (delegated?, operators) in order.

    A group starts with the earliest operator whose inputs are all computed and takes every
    operator of its kind that is or becomes ready, earliest first, until none is left. Each
    operator and edge is visited once, so hostile graphs of many alternating operators stay fast.
    """
    waiting = [0] * len(subgraph.operators)  # producers not yet grouped, per operator
    users: list[list[int]] = [[] for _ in subgraph.operators]
    ready: tuple[list[int], list[int]] = ([], [])  # heaps of ready operators, by kind
    for op in subgraph.operators:
        producers = graph.predecessors(op.index)
        waiting[op.index] = len(producers)
        for producer in producers:
            users[producer].append(op.index)
        if not producers:
            ready[eligible[op.index]].append(op.index)
    groups: list[tuple[bool, list[int]]] = []
    while ready[False] or ready[True]:
        kind = eligible[min(heap[0] for heap in ready if heap)]
        members = []
        while ready[kind]:
            member = heapq.heappop(ready[kind])
            members.append(member)
            for user in users[member]:
                waiting[user] -= 1
                if not waiting[user]:
                    heapq.heappush(ready[eligible[user]], user)
        groups.append((kind, members))
    return groups  # operators in a cycle are never ready and belong to no group


def _segment_causes(graph: Graph, subgraph: Subgraph, region: set[int],
                    own: list[tuple[Violation, ...]]) -> list[int | None]:
    """For each operator, the CPU operator where the fallback it depends on starts.

    That is the earliest operator with violations of its own that itself depends on the Edge TPU
    region (a leading CPU QUANTIZE or CAST starts nothing). One pass in execution order.
    """
    after_region = [False] * len(own)
    cause: list[int | None] = [None] * len(own)
    for op in subgraph.operators:
        for pred in graph.predecessors(op.index):
            if pred in region or after_region[pred]:
                after_region[op.index] = True
            candidate = cause[pred]
            if candidate is None and own[pred] and after_region[pred]:
                candidate = pred
            current = cause[op.index]
            if candidate is not None and (current is None or candidate < current):
                cause[op.index] = candidate
    return cause


def _confidence(violation: Violation, doubt: tuple[str, ...]) -> str:
    """Documented limits and sizes beyond the smallest seen refused are sure; sizes inside a
    bracket and constraints seen only once or inferred are not."""
    constraint = violation.constraint
    if constraint.basis == "documented":
        return "high"
    if constraint.limit is not None and constraint.name not in doubt:
        return "high"
    return "medium"


def _compiled(model: Model, subgraph: Subgraph) -> Prediction:
    """A compiled model tells what runs where: `edgetpu-custom-op` on the TPU, the rest not."""
    placements = []
    edgetpu = 0
    for op in subgraph.operators:
        if op.is_edgetpu:
            placements.append(OperatorPlacement(op.index, TPU, status.MAPPED,
                                                edgetpu_subgraph=edgetpu))
            edgetpu += 1
            continue
        violations = tuple(check_operator(OperatorView(model, subgraph, op)))
        reason = violations[0].status if violations else status.MORE_THAN_ONE_SUBGRAPH
        placements.append(OperatorPlacement(op.index, CPU, reason, violations,
                                            kind=CPU if violations else STRANDED))
    return Prediction(subgraph.index, tuple(placements), groups_with_a=edgetpu)
