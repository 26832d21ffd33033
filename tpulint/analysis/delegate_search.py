"""`--search_delegate` (`-d`) and `--delegate_search_step K` (`-k`): where the search cuts.

What the compiler prints with `-d` (google-coral/edgetpu#671, #653; WongKinYiu/yolov7#1672):

    Searching for valid delegate with step 10
    Try to compile segment with 340 ops            <- the whole graph first
    ... Compilation failed due to large activation tensors in model.
    Try to compile segment with 330 ops
    Intermediate tensors: tfl.dequantize,Reshape,Reshape_8,...
    ...

It compiles the whole graph first; while that fails, it retries with a segment K operators
shorter (K = 1 unless `-k`), the tensors the rest of the graph reads from the segment becoming
outputs of the Edge TPU subgraph (as with `-i`). The first segment that compiles is the result;
when none does, the compilation fails. A graph that compiles as a whole comes out as without `-d`
(yolov7#1672: "Try to compile segment with 246 ops", all 246 mapped).

So the search changes the prediction only when some operator is predicted to make the whole
compilation fail in a way a shorter segment avoids (`failing`); parse failures, dynamic sizes
and dynamic-range quantization fail every segment, and the search cannot help them.
"""

from __future__ import annotations

from collections.abc import Collection

from tpulint.analysis.graph import Graph
from tpulint.ir import Subgraph
from tpulint.record import Record


class Segment(Record):
    size: int  # operators of the segment that compiled: the first `size` in execution order
    tries: int  # compilations the search ran, the whole graph included


def search(subgraph: Subgraph, step: int, failing: Collection[int] = ()) -> Segment | None:
    """The segment the search settles on, or None when no segment compiles.

    A segment compiles when it holds none of the `failing` operators.
    """
    first_failing = min(failing, default=None)
    sizes = range(len(subgraph.operators), 0, -max(1, step))
    for tries, size in enumerate(sizes, start=1):
        if first_failing is None or size <= first_failing:
            return Segment(size, tries)
    return None


def outside(segment: Segment | None, subgraph: Subgraph) -> set[int]:
    """Operators the search leaves out of the compiled segment: they run on the CPU."""
    size = segment.size if segment is not None else 0
    return set(range(size, len(subgraph.operators)))


def cut_tensors(subgraph: Subgraph, graph: Graph, segment: Segment) -> list[str]:
    """The tensors the search names as intermediate: read after the segment, made inside it."""
    names: dict[str, None] = {}
    for op in subgraph.operators[: segment.size]:
        for index in op.outputs:
            if any(reader >= segment.size for reader in graph.consumers(index)):
                tensor = subgraph.tensor(index)
                if tensor is not None:
                    names[tensor.name] = None
    return list(names)


def describe(segment: Segment | None, step: int, total: int) -> str:
    if segment is None:
        return f"delegate search (step {step}) finds no segment that compiles"
    if segment.size == total:
        return f"delegate search (step {step}): the whole graph of {total} operators compiles"
    return (f"delegate search (step {step}) settles on the first {segment.size} of {total} "
            f"operators after {segment.tries} tries")
