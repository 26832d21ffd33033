"""Which delegated groups become Edge TPU subgraphs, and their numbers.

By default the compiler keeps one Edge TPU subgraph, the first delegated group: supported
operators in later groups report "More than one subgraph is not supported". With
`--enable_multiple_subgraphs` (`-a`, experimental) every delegated group becomes an Edge TPU
subgraph of its own, numbered in execution order: in the compiled file each is one
`edgetpu-custom-op`, in that order (four models of tpulint's corpus compiled this way, with 3, 3,
3 and 19 Edge TPU subgraphs).
"""

from __future__ import annotations

from collections.abc import Sequence


def edgetpu_subgraphs(groups: Sequence[tuple[bool, list[int]]],
                      multiple: bool) -> dict[int, int]:
    """Operator index -> Edge TPU subgraph number, for the operators the compiler maps."""
    delegated = [ops for kind, ops in groups if kind]
    kept = delegated if multiple else delegated[:1]
    return {op: number for number, ops in enumerate(kept) for op in ops}
