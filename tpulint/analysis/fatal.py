"""What makes Edge TPU compiler 16 refuse a whole model, in its words."""

from __future__ import annotations

from tpulint.analysis.recipe import is_hybrid
from tpulint.analysis.versions import parse_verdict
from tpulint.ir import Model, Subgraph
from tpulint.record import Record


class Fatal(Record):
    """Why the compiler would reject the whole model, in its words, and what causes it."""

    message: str
    cause: str
    operator: int | None = None
    confidence: str = "high"


def fatal_outcomes(model: Model, subgraph: Subgraph) -> list[Fatal]:
    """What makes the compiler refuse the whole model."""
    found: list[Fatal] = []
    for op in subgraph.operators:
        verdict = parse_verdict(op.opcode, op.builtin_code, op.version)
        if verdict == "unknown":
            if op.opcode.startswith("BUILTIN_"):
                message = f"Op builtin_code out of range: {op.builtin_code}"
            else:
                message = (f"Didn't find op for builtin opcode '{op.opcode}' version "
                           f"'{op.version}'")
            found.append(Fatal(message, f"{op.opcode} v{op.version} is newer than compiler 16",
                               op.index))
    for tensor in subgraph.tensors:
        if tensor.dynamic_size:
            found.append(Fatal(
                "Attempting to use a delegate that only supports static-sized tensors with a "
                "graph that has dynamic-sized tensors",
                f"tensor '{tensor.name}' has dynamic dimensions "
                f"{list(tensor.shape_signature or ())}",
                confidence="medium",
            ))
            break
    unique: dict[str, Fatal] = {}
    for fatal in found:
        unique.setdefault(fatal.message, fatal)  # one line per distinct compiler error
    found = list(unique.values())
    hybrid = next((op for op in subgraph.operators if is_hybrid(subgraph, op)), None)
    if hybrid is not None:
        found.append(Fatal(
            "Model not quantized",
            f"{hybrid.opcode} computes in float with 8-bit weights (dynamic-range quantization)",
            hybrid.index,
        ))
    return found
