"""Which operators the compiler really put on the Edge TPU, read from the model it wrote.

The compiled model keeps every CPU operator as it was, with the same type and the same output
tensor names, and replaces everything it mapped with `edgetpu-custom-op` operators. So an
original operator found again outside the custom operators ran on the CPU, and every other one
went to the Edge TPU. This is exact per operator, where the operation log only counts per type.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from tpulint.ir import CompiledPackage, Model, Operator, Subgraph

TPU = "tpu"
CPU = "cpu"


@dataclass
class CompiledPlacement:
    """Per original operator (subgraph, index): "tpu" or "cpu"."""

    placement: dict[tuple[int, int], str] = field(default_factory=dict)
    edgetpu_operators: int = 0
    packages: list[CompiledPackage] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # compiled CPU ops not in the original

    def of(self, subgraph: int, index: int) -> str | None:
        return self.placement.get((subgraph, index))

    @property
    def min_runtime_version(self) -> int | None:
        versions = [p.min_runtime_version for p in self.packages if p.min_runtime_version]
        return max(versions) if versions else None

    @property
    def parameter_bytes(self) -> int:
        return sum(p.parameter_bytes for p in self.packages)


def _key(subgraph: Subgraph, op: Operator) -> tuple[str, tuple[str, ...]]:
    names = tuple(t.name for t in subgraph.op_outputs(op))
    return op.label, names


def match(original: Model, compiled: Model) -> CompiledPlacement:
    """Place every operator of `original` by looking for it in `compiled`."""
    result = CompiledPlacement()
    for sg_index, subgraph in enumerate(original.subgraphs):
        if sg_index >= len(compiled.subgraphs):
            break
        target = compiled.subgraphs[sg_index]
        kept: dict[tuple[str, tuple[str, ...]], int] = defaultdict(int)
        for op in target.operators:
            if op.is_edgetpu:
                result.edgetpu_operators += 1
                if op.compiled is not None:
                    result.packages.append(op.compiled)
            else:
                kept[_key(target, op)] += 1
        for op in subgraph.operators:
            key = _key(subgraph, op)
            if kept.get(key, 0) > 0:
                kept[key] -= 1
                result.placement[(sg_index, op.index)] = CPU
            else:
                result.placement[(sg_index, op.index)] = TPU
        result.unmatched += [f"sg{sg_index} {label} {list(names)}"
                             for (label, names), left in kept.items() if left > 0]
    return result
