"""Recognise how a model was quantized, from the tensors and operators it contains.

Tutorials give recipes that look quantized and are not what the Edge TPU accepts: float16
quantization keeps float32 compute, dynamic-range quantization keeps float activations, 16x8
quantization keeps int16 activations. Naming the recipe lets a finding say what to change.
"""

from __future__ import annotations

from tpulint.ir import Model, Operator, Subgraph
from tpulint.record import Record

FULL_INTEGER = "full-integer"
FLOAT = "float"
FLOAT16 = "float16"
DYNAMIC_RANGE = "dynamic-range"
INT16_ACTIVATIONS = "int16-activations"
MIXED = "mixed"
COMPILED = "compiled"

FLOAT_TYPES = frozenset({"float32", "float16", "float64", "bfloat16"})


class Recipe(Record):
    kind: str
    float_inputs: tuple[int, ...] = ()  # graph inputs converted by a leading QUANTIZE
    float_outputs: tuple[int, ...] = ()  # graph outputs made by a trailing DEQUANTIZE
    hybrid_ops: tuple[int, ...] = ()
    float16_weights: int = 0
    float_ops: tuple[int, ...] = ()  # operators computing in float between integer ones
    # tensors only custom operators make and read (post-processing meant for the CPU)
    custom_tensors: tuple[int, ...] = ()


def classify(model: Model, subgraph: Subgraph | None = None) -> Recipe:
    sg = subgraph or model.main
    if model.compiled:
        return Recipe(COMPILED)
    users = _users(sg)
    dequantized = {t for op in sg.operators if op.opcode == "DEQUANTIZE" for t in op.outputs}
    edges_in = tuple(i for i in sg.inputs if _feeds_quantize(sg, i, users.get(i, [])))
    edges_out = tuple(o for o in sg.outputs if _made_by_dequantize(sg, o, dequantized))
    hybrid = tuple(op.index for op in sg.operators if is_hybrid(sg, op))
    float16 = sum(1 for t in sg.tensors if t.constant and t.dtype == "float16")
    edge_ops = _edge_ops(sg, edges_in, edges_out, users)
    float_ops = tuple(op.index for op in sg.operators if op.index not in edge_ops
                      and not op.is_custom and _computes_in_float(sg, op))
    has_int8 = any(t.is_8bit and t.quantized and not t.constant for t in sg.tensors)
    has_int16 = any(t.dtype == "int16" and not t.constant and t.quantized
                    and not _recurrent_state(sg, t.index, users.get(t.index, []))
                    for t in sg.tensors)
    if float16 and not has_int8:
        kind = FLOAT16
    elif hybrid:
        kind = DYNAMIC_RANGE
    elif has_int16:
        kind = INT16_ACTIVATIONS
    elif float_ops and not has_int8:
        kind = FLOAT
    elif float_ops:
        kind = MIXED
    else:
        kind = FULL_INTEGER
    return Recipe(kind, edges_in, edges_out, hybrid, float16, float_ops, _custom_tensors(sg))


# An int8 LSTM keeps its cell state in int16 (TensorFlow's integer LSTM kernel): that variable
# tensor is part of the operator, not a sign of 16x8 quantization (compiler 16 maps the LSTM).
RECURRENT = frozenset({"LSTM", "UNIDIRECTIONAL_SEQUENCE_LSTM", "BIDIRECTIONAL_SEQUENCE_LSTM"})


def _recurrent_state(subgraph: Subgraph, tensor: int, users: list[Operator]) -> bool:
    t = subgraph.tensor(tensor)
    return (t is not None and t.is_variable and bool(users)
            and all(op.opcode in RECURRENT for op in users))


def _custom_tensors(subgraph: Subgraph) -> tuple[int, ...]:
    """Tensors whose producer and readers are all custom operators (or absent), with at least
    one custom operator among them: their types are the custom operator's business."""
    custom: dict[int, bool] = {}  # tensor -> every operator touching it so far is custom
    for op in subgraph.operators:
        mine = op.is_custom and not op.is_edgetpu
        for index in (*op.inputs, *op.outputs):
            if index >= 0:
                custom[index] = custom.get(index, True) and mine
    return tuple(sorted(index for index, only in custom.items() if only))


def is_hybrid(subgraph: Subgraph, op: Operator) -> bool:
    """Float activations with 8-bit quantized constant weights: dynamic-range quantization."""
    tensors = subgraph.op_inputs(op)
    return (any(not t.constant and t.dtype == "float32" for t in tensors)  # float activation
            and any(t.constant and t.is_8bit and t.quantized for t in tensors))  # int weights


def _users(subgraph: Subgraph) -> dict[int, list[Operator]]:
    """The operators reading each tensor, built in one pass (a lookup per tensor would make
    the recipe quadratic in a model with many inputs)."""
    users: dict[int, list[Operator]] = {}
    for op in subgraph.operators:
        for tensor in dict.fromkeys(op.inputs):
            users.setdefault(tensor, []).append(op)
    return users


def _feeds_quantize(subgraph: Subgraph, tensor: int, users: list[Operator]) -> bool:
    t = subgraph.tensor(tensor)
    return (t is not None and t.dtype in FLOAT_TYPES and bool(users)
            and all(op.opcode == "QUANTIZE" for op in users))


def _made_by_dequantize(subgraph: Subgraph, tensor: int, dequantized: set[int]) -> bool:
    t = subgraph.tensor(tensor)
    return t is not None and t.dtype in FLOAT_TYPES and tensor in dequantized


def _edge_ops(subgraph: Subgraph, inputs: tuple[int, ...], outputs: tuple[int, ...],
              users: dict[int, list[Operator]]) -> set[int]:
    edge = {op.index for i in inputs for op in users.get(i, [])}
    wanted = set(outputs)
    edge |= {op.index for op in subgraph.operators
             if op.opcode == "DEQUANTIZE" and any(o in wanted for o in op.outputs)}
    return edge


def _computes_in_float(subgraph: Subgraph, op: Operator) -> bool:
    """An operator with a float activation, or a DEQUANTIZE feeding float compute."""
    tensors = subgraph.tensors
    count = len(tensors)
    for index in (*op.inputs, *op.outputs):  # asked for every operator: no lists of tensors
        if 0 <= index < count and tensors[index].dtype in FLOAT_TYPES \
                and not tensors[index].constant:
            return True
    return False
