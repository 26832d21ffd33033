"""Edits of a `.tflite` model that no converter makes, through the flatbuffer object API.

Runs in the conversion worker only (it needs numpy and `ai_edge_litert`'s schema bindings):

- `to_float`: a float16 or dynamic-range model back to the float32 model it was made from. Float16
  weights widen to float32 exactly; int8 weights dequantize to `scale * (q - zero_point)`, the
  values the hybrid kernels compute with. Weight DEQUANTIZE operators fold into constants.
- `freeze_shapes`: fixed input sizes, every tensor's size propagated by the reference
  interpreter, and no `-1` left in a shape signature.
- `widen_opcodes`: operator codes in the current schema's field, which ai-edge-quantizer reads.
- `normalize_versions`: operator versions for the int8 form of each operator, as the TensorFlow
  Lite converter writes them (the quantizer keeps the float model's versions).
"""

from __future__ import annotations

from typing import Any

from tpulint._schema.tflite import TENSOR_TYPE
from tpulint.analysis.operators import facts

_TYPE_NUMBER = {name: number for number, name in TENSOR_TYPE.items()}
FLOAT32, FLOAT16, INT32, UINT8, INT8 = (_TYPE_NUMBER[name] for name in (
    "FLOAT32", "FLOAT16", "INT32", "UINT8", "INT8"))
_NUMPY_TYPES = {FLOAT32: "<f4", FLOAT16: "<f2", INT32: "<i4", UINT8: "u1", INT8: "i1"}


def schema_bindings() -> Any:
    """ai_edge_litert's flatbuffer bindings of the TensorFlow Lite schema (object API)."""
    from ai_edge_litert import schema_py_generated

    return schema_py_generated


def read(data: bytes) -> Any:
    import numpy as np
    from ai_edge_litert.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model_from_bytearray(bytearray(data))
    # Buffers the unpacker gives as lists of ints (it does for ai-edge-quantizer's output)
    # pack back one byte per call: 50 s for MobileNetV2. As arrays they pack in one copy.
    for buffer in model.buffers or []:
        if buffer.data is not None and not isinstance(buffer.data, np.ndarray):
            buffer.data = np.asarray(buffer.data, dtype=np.uint8)
    return model


def write(model: Any) -> bytes:
    from ai_edge_litert.tools import flatbuffer_utils

    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def opcode_name(model: Any, index: int) -> str:
    code = model.operatorCodes[index]
    number = max(code.builtinCode, code.deprecatedBuiltinCode)
    names = {v: k for k, v in vars(schema_bindings().BuiltinOperator).items() if isinstance(v, int)}
    return str(names.get(number, f"BUILTIN_{number}"))


_PLACEHOLDER_FOR_GREATER_OP_CODES = 127


def widen_opcodes(model: Any) -> int:
    """Write each operator code into `builtin_code`; returns how many were only in
    `deprecated_builtin_code`.

    Converters before the field existed (TensorFlow 2.3) wrote the operator into
    `deprecated_builtin_code` alone, and files made from them keep it so: `builtin_code` reads 0,
    ADD. The interpreter takes the larger of the two; ai-edge-quantizer reads `builtin_code`
    only, takes every operator for an ADD and quantizes convolution weights as activations
    (asymmetric, per tensor: a weight zero point the int8 kernels and the Edge TPU refuse).
    """
    moved = 0
    for code in model.operatorCodes or []:
        if code.builtinCode < code.deprecatedBuiltinCode:
            code.builtinCode = code.deprecatedBuiltinCode
            moved += 1
        code.deprecatedBuiltinCode = min(code.builtinCode, _PLACEHOLDER_FOR_GREATER_OP_CODES)
    return moved


def _constant(model: Any, tensor: Any) -> Any:
    """The values of a constant tensor as a numpy array, or None for an activation."""
    import numpy as np

    buffer = model.buffers[tensor.buffer] if tensor.buffer < len(model.buffers) else None
    if buffer is None or buffer.data is None or len(buffer.data) == 0:
        return None
    kind = _NUMPY_TYPES.get(tensor.type)
    if kind is None:
        return None
    values = np.frombuffer(bytes(np.asarray(buffer.data, dtype=np.uint8)), dtype=kind)
    return values.reshape(list(tensor.shape) if tensor.shape is not None else [])


def _set_float(model: Any, tensor: Any, values: Any) -> None:
    import numpy as np

    schema = schema_bindings()
    buffer = schema.BufferT()
    buffer.data = np.frombuffer(values.astype("<f4").tobytes(), dtype=np.uint8)
    model.buffers.append(buffer)
    tensor.buffer = len(model.buffers) - 1
    tensor.type = FLOAT32
    tensor.quantization = None


def _dequantized(model: Any, tensor: Any) -> Any:
    import numpy as np

    values = _constant(model, tensor)
    if values is None:
        return None
    if tensor.type == FLOAT16:
        return values.astype(np.float32)
    q = tensor.quantization
    if tensor.type not in (INT8, UINT8) or q is None or q.scale is None or len(q.scale) == 0:
        return None
    scale = np.asarray(q.scale, dtype=np.float32)
    zero = np.asarray(q.zeroPoint if q.zeroPoint is not None else [0], dtype=np.float32)
    if scale.size > 1:
        shape = [1] * values.ndim
        shape[q.quantizedDimension] = scale.size
        scale, zero = scale.reshape(shape), zero.reshape(shape)
    return ((values.astype(np.float32) - zero) * scale).astype(np.float32)


def to_float(model: Any) -> list[str]:
    """Turn float16 and dynamic-range weights back into float32; returns what changed."""
    folded, widened = 0, 0
    reset: set[int] = set()
    for subgraph in model.subgraphs:
        keep = []
        for op in subgraph.operators:
            name = opcode_name(model, op.opcodeIndex)
            inputs = [subgraph.tensors[i] for i in (op.inputs if op.inputs is not None else [])
                      if i >= 0]
            if name == "DEQUANTIZE" and inputs and _constant(model, inputs[0]) is not None:
                values = _dequantized(model, inputs[0])
                if values is not None:
                    _set_float(model, subgraph.tensors[op.outputs[0]], values)
                    folded += 1
                    continue
            activations = [t for t in inputs if t.type == FLOAT32 and _constant(model, t) is None]
            if activations:
                for tensor in inputs:
                    if tensor.type in (INT8, UINT8) and _constant(model, tensor) is not None:
                        values = _dequantized(model, tensor)
                        if values is not None:
                            _set_float(model, tensor, values)
                            widened += 1
                            reset.add(op.opcodeIndex)
            keep.append(op)
        subgraph.operators = keep
    for index in reset:
        model.operatorCodes[index].version = 1
    prune(model)
    notes = []
    if folded:
        notes.append(f"folded {folded} weight DEQUANTIZE operator(s) into float32 constants")
    if widened:
        notes.append(f"dequantized the int8 weights of {widened} hybrid operator input(s)")
    return notes


def prune(model: Any) -> None:
    """Drop tensors no operator or signature uses, and operator codes no operator uses."""
    for number, subgraph in enumerate(model.subgraphs):
        used = set(subgraph.inputs) | set(subgraph.outputs)
        for op in subgraph.operators:
            used |= {i for i in _indices(op) if i >= 0}
        mapping = {old: new for new, old in enumerate(sorted(used))}
        subgraph.tensors = [subgraph.tensors[old] for old in sorted(used)]
        _remap(model, number, subgraph, mapping)
    used_codes = sorted({op.opcodeIndex for sg in model.subgraphs for op in sg.operators})
    code_map = {old: new for new, old in enumerate(used_codes)}
    model.operatorCodes = [model.operatorCodes[i] for i in used_codes]
    for subgraph in model.subgraphs:
        for op in subgraph.operators:
            op.opcodeIndex = code_map[op.opcodeIndex]
    referenced = {t.buffer for sg in model.subgraphs for t in sg.tensors}
    for index, buffer in enumerate(model.buffers):
        if index and index not in referenced and buffer is not None:
            buffer.data = None


def _indices(op: Any) -> list[int]:
    found: list[int] = []
    for field in (op.inputs, op.outputs, op.intermediates):
        if field is not None:
            found.extend(int(i) for i in field)
    return found


def _remap(model: Any, number: int, subgraph: Any, mapping: dict[int, int]) -> None:
    def fix(values: Any) -> list[int] | None:
        if values is None:
            return None
        return [mapping[int(i)] if int(i) >= 0 else -1 for i in values]

    subgraph.inputs = fix(subgraph.inputs)
    subgraph.outputs = fix(subgraph.outputs)
    for op in subgraph.operators:
        op.inputs, op.outputs = fix(op.inputs), fix(op.outputs)
        op.intermediates = fix(op.intermediates)
    for signature in model.signatureDefs or []:
        if signature.subgraphIndex != number:
            continue
        for entry in [*(signature.inputs or []), *(signature.outputs or [])]:
            entry.tensorIndex = mapping.get(entry.tensorIndex, entry.tensorIndex)


def freeze_shapes(model: Any, shapes: list[tuple[int, ...]]) -> int:
    """Fix the main subgraph's input sizes; returns how many tensors had dynamic sizes."""
    from ai_edge_litert.interpreter import Interpreter

    main = model.subgraphs[0]
    dynamic = sum(1 for t in main.tensors
                  if t.shapeSignature is not None and -1 in list(t.shapeSignature))
    for index, shape in zip(main.inputs, shapes, strict=True):
        main.tensors[index].shape = list(shape)
        main.tensors[index].shapeSignature = None
    interpreter = Interpreter(model_content=write(model))
    interpreter.allocate_tensors()
    for detail in interpreter.get_tensor_details():
        tensor = main.tensors[detail["index"]]
        if tensor.shapeSignature is not None and -1 in list(tensor.shapeSignature):
            tensor.shape = [int(d) for d in detail["shape"]]
            tensor.shapeSignature = None
    for tensor in main.tensors:
        if tensor.shapeSignature is not None and -1 in list(tensor.shapeSignature):
            tensor.shapeSignature = None
    return dynamic


def normalize_versions(model: Any) -> list[str]:
    """Raise each operator code to the version its int8 form has; returns what changed."""
    changes = []
    for index, entry in enumerate(model.operatorCodes):
        name = opcode_name(model, index)
        wanted = max(entry.version, facts(name).int8_version or entry.version)
        if name == "FULLY_CONNECTED" and _keeps_dims(model, index):
            wanted = max(wanted, 5)
        if wanted != entry.version:
            changes.append(f"{name} v{entry.version}->v{wanted}")
            entry.version = wanted
    return changes


def _keeps_dims(model: Any, opcode: int) -> bool:
    return any(op.opcodeIndex == opcode and op.builtinOptions is not None
               and getattr(op.builtinOptions, "keepNumDims", False)
               for sg in model.subgraphs for op in sg.operators)
