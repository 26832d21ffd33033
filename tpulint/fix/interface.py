"""Model inputs and outputs: integer ones for an int8 model, or uint8 / float32 ones around it.

Runs in the conversion worker, on the flatbuffer object API like `rewrite`. `strip_float_io`
removes the QUANTIZE after float inputs and the DEQUANTIZE before float outputs; `wrap_io` adds
them (QUANTIZE uint8->int8 for uint8 I/O), the way the TensorFlow converter writes them.
"""

from __future__ import annotations

from typing import Any

from tpulint.fix.rewrite import FLOAT32, INT8, UINT8, opcode_name, prune, schema_bindings


def _retarget(model: Any, subgraph: Any, old: int, new: int) -> None:
    """Model input/output `old` is now tensor `new` (graph and signatures)."""
    subgraph.inputs = [new if i == old else i for i in subgraph.inputs]
    subgraph.outputs = [new if i == old else i for i in subgraph.outputs]
    for signature in model.signatureDefs or []:
        for entry in [*(signature.inputs or []), *(signature.outputs or [])]:
            if entry.tensorIndex == old:
                entry.tensorIndex = new


def strip_float_io(model: Any) -> int:
    """Remove the QUANTIZE after float inputs and the DEQUANTIZE before float outputs."""
    main = model.subgraphs[0]
    removed = []
    for op in main.operators:
        name = opcode_name(model, op.opcodeIndex)
        source, target = main.tensors[op.inputs[0]], main.tensors[op.outputs[0]]
        if (name == "QUANTIZE" and op.inputs[0] in main.inputs and source.type == FLOAT32
                and target.type in (INT8, UINT8)
                and sum(op.inputs[0] in o.inputs for o in main.operators) == 1):
            _retarget(model, main, op.inputs[0], op.outputs[0])
            removed.append(op)
        elif (name == "DEQUANTIZE" and op.outputs[0] in main.outputs
              and source.type in (INT8, UINT8) and target.type == FLOAT32):
            _retarget(model, main, op.outputs[0], op.inputs[0])
            removed.append(op)
    main.operators = [op for op in main.operators if op not in removed]
    prune(model)
    return len(removed)


def wrap_io(model: Any, dtype: str) -> int:
    """Give the int8 inputs and outputs of a model the type `dtype` (uint8 or float32),
    converted at the edges; returns how many were wrapped."""
    schema = schema_bindings()
    main = model.subgraphs[0]
    new_type = {"uint8": UINT8, "float32": FLOAT32}[dtype]
    if not any(main.tensors[i].type == INT8 for i in [*main.inputs, *main.outputs]):
        return 0
    quantize = _opcode(model, schema.BuiltinOperator.QUANTIZE, 1)
    back = quantize if new_type == UINT8 else _opcode(model, schema.BuiltinOperator.DEQUANTIZE, 2)
    head, tail = [], []
    for index in [i for i in main.inputs if main.tensors[i].type == INT8]:
        outer = _edge_tensor(main, index, new_type)
        _retarget(model, main, index, outer)
        head.append(_op(schema, quantize, outer, index))
    for index in [i for i in main.outputs if main.tensors[i].type == INT8]:
        outer = _edge_tensor(main, index, new_type)
        _retarget(model, main, index, outer)
        tail.append(_op(schema, back, index, outer))
    main.operators = [*head, *main.operators, *tail]
    return len(head) + len(tail)


def _edge_tensor(subgraph: Any, inner_index: int, new_type: int) -> int:
    import copy

    inner = subgraph.tensors[inner_index]
    outer = copy.deepcopy(inner)
    outer.type = new_type
    outer.buffer = 0
    if new_type == FLOAT32:
        outer.quantization = None
    else:
        outer.quantization.zeroPoint = [int(z) + 128 for z in inner.quantization.zeroPoint]
    inner.name = f"{inner.name}_int8"
    subgraph.tensors.append(outer)
    return len(subgraph.tensors) - 1


def _opcode(model: Any, code: int, version: int) -> int:
    for index, entry in enumerate(model.operatorCodes):
        if max(entry.builtinCode, entry.deprecatedBuiltinCode) == code:
            return index
    entry = schema_bindings().OperatorCodeT()
    entry.builtinCode, entry.deprecatedBuiltinCode = code, min(code, 127)
    entry.version = version
    model.operatorCodes.append(entry)
    return len(model.operatorCodes) - 1


def _op(schema: Any, opcode: int, source: int, target: int) -> Any:
    op = schema.OperatorT()
    op.opcodeIndex, op.inputs, op.outputs = opcode, [source], [target]
    return op
