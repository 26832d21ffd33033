"""Operator versions of a rewritten model that Edge TPU compiler 16 cannot parse."""

from __future__ import annotations

from tpulint.analysis.versions import parse_verdict
from tpulint.ir import Model


def unknown_versions(model: Model) -> list[str]:
    """`CONV_2D v6`-style labels of every operator compiler 16 does not know, each once."""
    found: list[str] = []
    for subgraph in model.subgraphs:
        for op in subgraph.operators:
            if op.is_custom:
                continue
            if parse_verdict(op.opcode, op.builtin_code, op.version) == "unknown":
                label = f"{op.opcode} v{op.version}"
                if label not in found:
                    found.append(label)
    return found
