"""`--intermediate_tensors` (`-i`): named tensors become outputs of the Edge TPU subgraph.

Coral's compiler page: "All operators following these tensors will not be compiled for the Edge
TPU, and instead be included in the .tflite file so they run on the CPU." The operators that read
a named tensor stay on the CPU; what depends on them follows the partition (stranded by default,
a new Edge TPU subgraph with `-a`, as in google-coral/edgetpu#601, where `-a -i NAME` left one
operator on the CPU).
"""

from __future__ import annotations

from collections.abc import Iterable

from tpulint.analysis.graph import Graph
from tpulint.ir import Subgraph


def missing(subgraph: Subgraph, names: Iterable[str]) -> list[str]:
    """The names that are no tensor of `subgraph`."""
    known = {tensor.name for tensor in subgraph.tensors}
    return [name for name in names if name not in known]


def readers(subgraph: Subgraph, graph: Graph, names: Iterable[str]) -> set[int]:
    """Operators that read one of the named tensors: they run on the CPU."""
    wanted = set(names)
    if not wanted:
        return set()
    return {op for tensor in subgraph.tensors if tensor.name in wanted
            for op in graph.consumers(tensor.index)}
