"""Everything tpulint knows about each TensorFlow Lite operator, in one index.

One entry per operator code: whether the Edge TPU runs it (its name in Coral's table and the
runtime version that added it), which inputs are parameters, its own constraints and the generic
checks it is exempt from, the highest version compiler 16 parses, the version TensorFlow's
converter writes for its int8 form, where its weights are (parameter memory), and what to do
instead when it is not supported. The engine, `fix`, the memory estimate and the generated
documentation all read `INDEX`; nothing else keeps a per-operator table.

Sources per column: Coral's supported-operations table and model requirements (support, runtime,
constraints); TensorFlow's `tensorflow/lite/tools/versioning/runtime_version.cc` (versions: the
highest introduced up to TF 2.5 is known to compiler 16, one introduced in TF 2.6 is unconfirmed);
TensorFlow 2.21's converter with full-integer quantization (int8 versions); compiler output
(observed constraints, TILE).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from tpulint.analysis import operator_constraints as oc
from tpulint.analysis.constraints import Constraint
from tpulint.record import Record

_EMPTY: Mapping[str, tuple[int, ...]] = MappingProxyType({})
_NO_CAUSES: Mapping[int, str] = MappingProxyType({})


class OperatorFacts(Record):
    opcode: str
    coral_name: str | None = None  # None: not in the Edge TPU's operator set
    min_runtime: int = 10
    parameters: tuple[int, ...] = ()  # input positions holding weights, shapes, axes
    constraints: tuple[Constraint, ...] = ()
    # generic constraint name -> the input positions it skips (besides the parameters)
    exempt: Mapping[str, tuple[int, ...]] = _EMPTY
    note: str = ""
    max_version: int = 1  # highest version compiler 16 certainly parses
    unconfirmed_version: int | None = None  # one more, introduced in TF 2.6
    int8_version: int | None = None  # what the converter writes for the int8 form
    weight_channels_axis: int | None = None  # axis of the weights' output channels
    replacement: str = ""  # what to use instead, for an unsupported operator
    # a version too new for compiler 16 -> what in the model produces it
    version_causes: Mapping[int, str] = _NO_CAUSES

    @property
    def supported(self) -> bool:
        return self.coral_name is not None

    @property
    def max_parsed_version(self) -> int:
        return self.unconfirmed_version or self.max_version


def _versions(spec: int | tuple[int, int]) -> dict[str, int | None]:
    if isinstance(spec, tuple):
        return {"max_version": spec[0], "unconfirmed_version": spec[1]}
    return {"max_version": spec, "unconfirmed_version": None}


def _op(opcode: str, coral_name: str | None = None, versions: int | tuple[int, int] = 1,
        **facts: object) -> OperatorFacts:
    return OperatorFacts(opcode, coral_name, **_versions(versions), **facts)  # type: ignore[arg-type]


_POOL = (oc.no_fused_activation(),)
_CONV = (oc.constant_parameters(1, 2), oc.equal_dilation())
_REDUCE = (oc.not_on_batch("reduce", 1),)
_PAD = (oc.not_on_batch("pad", 1, paddings=True),)
_LSTM_PARAMETERS = tuple(range(1, 24))
_GATHER = "move the gather to pre- or post-processing"

_ENTRIES = (
    _op("ABS", versions=(3, 4)),
    _op("ADD", "Add", (3, 4), int8_version=2),
    _op("ARG_MAX", versions=2, replacement="take the arg-max on the CPU after the model"),
    _op("ARG_MIN", versions=2, replacement="take the arg-min on the CPU after the model"),
    _op("AVERAGE_POOL_2D", "AveragePool2d", 3, constraints=_POOL, int8_version=2),
    _op("BATCH_MATMUL", versions=4, replacement="use FULLY_CONNECTED with constant weights"),
    _op("BATCH_TO_SPACE_ND", versions=3),
    _op("BIDIRECTIONAL_SEQUENCE_LSTM", versions=3),
    _op("BIDIRECTIONAL_SEQUENCE_RNN", versions=3),
    _op("BROADCAST_TO", versions=3),
    _op("CAST", replacement="feed the model integer inputs of the type it expects"),
    _op("CONCATENATION", "Concatenation", 3, int8_version=2,
        constraints=(oc.no_fused_activation(), oc.concat_constants())),
    _op("CONV_2D", "Conv2d", 5, parameters=(1, 2), constraints=_CONV, int8_version=3,
        weight_channels_axis=0,
        version_causes={6: "a grouped convolution (Conv2D with groups > 1): split it into "
                           "per-group convolutions and concatenate"}),
    _op("DEPTH_TO_SPACE", versions=2,
        replacement="use RESHAPE and TRANSPOSE, or TRANSPOSE_CONV"),
    _op("DEPTHWISE_CONV_2D", "DepthwiseConv2d", 6, parameters=(1, 2), constraints=_CONV,
        int8_version=3, weight_channels_axis=-1),
    _op("DEQUANTIZE", versions=4, int8_version=2),
    _op("DIV", versions=2, replacement="multiply by a constant reciprocal"),
    _op("ELU", replacement="use RELU"),
    _op("EMBEDDING_LOOKUP", versions=3),
    _op("EQUAL", versions=3),
    _op("EXP", version_causes={2: "an integer EXP: keep EXP in float outside the model"}),
    _op("EXPAND_DIMS", "ExpandDims", min_runtime=13, parameters=(1,)),
    _op("FAKE_QUANT", versions=2),
    _op("FILL", versions=3),
    _op("FLOOR_DIV", versions=2),
    _op("FULLY_CONNECTED", "FullyConnected", 9, parameters=(1, 2), int8_version=4,
        weight_channels_axis=0,
        constraints=(oc.fully_connected_weights(), oc.default_weights_format(),
                     oc.one_dimensional_output())),
    _op("GATHER", versions=5, replacement=_GATHER),
    _op("GATHER_ND", versions=3, replacement=_GATHER),
    _op("GELU", replacement="use RELU or LOGISTIC-based approximations"),
    _op("GREATER", versions=2),
    _op("GREATER_EQUAL", versions=2),
    _op("HARD_SWISH", replacement="use RELU (e.g. MobileNetV3 'minimalistic')"),
    _op("L2_NORMALIZATION", "L2Normalization", 2, int8_version=2),
    _op("LEAKY_RELU", versions=2, replacement="use RELU, or PRELU with a constant alpha"),
    _op("LESS", versions=2),
    _op("LESS_EQUAL", versions=2),
    _op("LOG_SOFTMAX", versions=2),
    _op("LOGISTIC", "Logistic", 3, int8_version=2),
    _op("LSTM", "LSTM", 4, min_runtime=14, parameters=_LSTM_PARAMETERS,
        note="unidirectional only"),
    _op("MAX_POOL_2D", "MaxPool2d", 3, constraints=_POOL, int8_version=2),
    _op("MAXIMUM", "Maximum", 4, int8_version=2),
    _op("MEAN", "Mean", 3, parameters=(1,), constraints=_REDUCE, int8_version=2),
    _op("MINIMUM", "Minimum", 4, int8_version=2),
    _op("MIRROR_PAD", versions=2),
    _op("MUL", "Mul", (4, 5), int8_version=2),
    _op("NOT_EQUAL", versions=3),
    _op("PACK", "Pack", 3, min_runtime=13, int8_version=2,
        constraints=(oc.not_on_batch("pack", option="axis"),)),
    _op("PAD", "Pad", (3, 4), parameters=(1,), constraints=_PAD, int8_version=2),
    _op("PADV2", "Pad", (3, 4), parameters=(1, 2), constraints=_PAD, int8_version=2),
    _op("PRELU", "PReLU", min_runtime=13, constraints=(oc.prelu_alpha(),)),
    _op("QUANTIZE", "Quantize", 2, min_runtime=13, constraints=(oc.integer_input(),),
        exempt={"data-type": (0,)},  # its input's type is judged by integer-requantize
        version_causes={3: "a per-channel QUANTIZE: quantize that tensor per tensor"}),
    _op("REDUCE_MAX", "ReduceMax", 3, min_runtime=14, parameters=(1,), constraints=_REDUCE,
        int8_version=2),
    _op("REDUCE_MIN", "ReduceMin", 3, min_runtime=14, parameters=(1,), constraints=_REDUCE,
        int8_version=2),
    _op("REDUCE_PROD", versions=(1, 2)),
    _op("RELU", "ReLU", 3, int8_version=2),
    _op("RELU6", "ReLU6", 3, int8_version=2),
    _op("RELU_N1_TO_1", "ReLUN1To1"),
    _op("RESHAPE", "Reshape", parameters=(1,), constraints=(oc.reshape_size(),)),
    _op("RESIZE_BILINEAR", "ResizeBilinear", 4, parameters=(1,), int8_version=2,
        constraints=(oc.bilinear_source_size(), oc.bilinear_output_size())),
    _op("RESIZE_NEAREST_NEIGHBOR", "ResizeNearestNeighbor", 4, parameters=(1,),
        int8_version=2),
    _op("REVERSE_V2", versions=3),
    _op("RNN", versions=3),
    _op("RSQRT", "Rsqrt", 2, min_runtime=14, int8_version=2),
    _op("SELECT", versions=2),
    _op("SLICE", "Slice", 5, parameters=(1, 2), int8_version=2),
    _op("SOFTMAX", "Softmax", 3, int8_version=2),
    _op("SPACE_TO_BATCH_ND", versions=3),
    _op("SPACE_TO_DEPTH", "SpaceToDepth", 2, int8_version=2),
    _op("SPARSE_TO_DENSE", versions=3),
    _op("SPLIT", "Split", 4, parameters=(0,), int8_version=2,
        constraints=(oc.not_on_batch("split", 0, data_input=1), oc.split_outer_axis())),
    _op("SPLIT_V", "Split", 2, parameters=(1, 2), constraints=(oc.not_on_batch("split", 2),),
        int8_version=2),
    _op("SQUARED_DIFFERENCE", "SquaredDifference", 2, min_runtime=14, int8_version=2),
    _op("SQUEEZE", "Squeeze", 2),
    _op("STRIDED_SLICE", "StridedSlice", (5, 6), parameters=(1, 2, 3), int8_version=2,
        constraints=(oc.unit_strides(), oc.no_mask("ellipsis_mask"),
                     oc.no_mask("new_axis_mask"))),
    _op("SUB", "Sub", 5, int8_version=2),
    _op("SUM", "Sum", 2, min_runtime=13, parameters=(1,), constraints=_REDUCE, int8_version=2),
    _op("SVDF", versions=4),
    _op("TANH", "Tanh", 3, int8_version=2),
    _op("TILE", "Tile", 2, parameters=(1,), int8_version=3,
        note="not in Coral's table; observed mapped by compiler 16"),
    _op("TOPK_V2", versions=2),
    _op("TRANSPOSE", "Transpose", 5, min_runtime=14, parameters=(1,), int8_version=2,
        constraints=(oc.transpose_keeps_batch(), oc.transpose_size())),
    _op("TRANSPOSE_CONV", "TransposeConv", 3, min_runtime=13, parameters=(0, 1, 3),
        constraints=(oc.constant_parameters(1, 3),), int8_version=2, weight_channels_axis=0,
        version_causes={4: "a fused activation on TRANSPOSE_CONV: apply the activation as its "
                           "own layer"}),
    _op("UNIDIRECTIONAL_SEQUENCE_LSTM", "LSTM", 3, min_runtime=14,
        parameters=_LSTM_PARAMETERS, note="unidirectional only"),
    _op("UNIDIRECTIONAL_SEQUENCE_RNN", versions=3),
    _op("UNPACK", versions=4),
)

INDEX: Mapping[str, OperatorFacts] = MappingProxyType({e.opcode: e for e in _ENTRIES})
UNKNOWN = OperatorFacts("")  # what an operator absent from the index is: version 1, unsupported
SUPPORTED: Mapping[str, OperatorFacts] = MappingProxyType(
    {e.opcode: e for e in _ENTRIES if e.supported})


def facts(opcode: str) -> OperatorFacts:
    return INDEX.get(opcode, UNKNOWN)


def all_constraints() -> list[Constraint]:
    """Every constraint in the engine: generic ones first, then each operator's, once each."""
    from tpulint.analysis import constraints as c

    found = [*c.GENERIC, c.SUPPORTED, c.VERSION, c.CUSTOM, c.FLEX, *c.GENERIC_LIMITS]
    for entry in SUPPORTED.values():
        found += [k for k in entry.constraints if all(k is not f for f in found)]
    return found
