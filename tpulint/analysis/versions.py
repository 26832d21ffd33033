"""Which operator codes and versions Edge TPU compiler 16 can parse.

The compiler embeds a TensorFlow Lite op resolver frozen when it was built (compiler
16.0.384591198, July 2021). A model holding an operator code or version that resolver does not
know fails to parse as a whole: "Didn't find op for builtin opcode 'X' version 'N'" or "Op
builtin_code out of range", even when that operator would have run on the CPU.

TensorFlow's `tensorflow/lite/tools/versioning/runtime_version.cc` records the TensorFlow release
that introduced each (operator, version). Versions introduced up to TF 2.5 are known to compiler
16; those introduced in TF 2.6 were being written while it was built (unconfirmed either way);
anything introduced in TF 2.7 or later is unknown to it (reported failures: CONV_2D v6 in TF 2.9,
QUANTIZE v3 in TF 2.7, TRANSPOSE_CONV v4 in TF 2.13, EXP v2, builtin code 151).
"""

from __future__ import annotations

# Highest version introduced by TF 2.5 (certainly known to compiler 16), and, where TF 2.6 added
# one more, that version (its support is unconfirmed). Operators absent here accept version 1.
_KNOWN: dict[str, int | tuple[int, int]] = {
    "ABS": (3, 4), "ADD": (3, 4), "ARG_MAX": 2, "ARG_MIN": 2, "AVERAGE_POOL_2D": 3,
    "BATCH_MATMUL": 4, "BATCH_TO_SPACE_ND": 3, "BIDIRECTIONAL_SEQUENCE_LSTM": 3,
    "BIDIRECTIONAL_SEQUENCE_RNN": 3, "BROADCAST_TO": 3, "CONCATENATION": 3, "CONV_2D": 5,
    "DEPTH_TO_SPACE": 2, "DEPTHWISE_CONV_2D": 6, "DEQUANTIZE": 4, "DIV": 2,
    "EMBEDDING_LOOKUP": 3, "EQUAL": 3, "FAKE_QUANT": 2, "FILL": 3, "FLOOR_DIV": 2,
    "FULLY_CONNECTED": 9, "GATHER": 5, "GATHER_ND": 3, "GREATER": 2, "GREATER_EQUAL": 2,
    "L2_NORMALIZATION": 2, "LEAKY_RELU": 2, "LESS": 2, "LESS_EQUAL": 2, "LOG_SOFTMAX": 2,
    "LOGISTIC": 3, "LSTM": 4, "MAX_POOL_2D": 3, "MAXIMUM": 4, "MEAN": 3, "MINIMUM": 4,
    "MIRROR_PAD": 2, "MUL": (4, 5), "NOT_EQUAL": 3, "PACK": 3, "PAD": (3, 4), "PADV2": (3, 4),
    "QUANTIZE": 2, "REDUCE_MAX": 3, "REDUCE_MIN": 3, "REDUCE_PROD": (1, 2), "RELU": 3,
    "RELU6": 3, "RESIZE_BILINEAR": 4, "RESIZE_NEAREST_NEIGHBOR": 4, "REVERSE_V2": 3, "RNN": 3,
    "RSQRT": 2, "SELECT": 2, "SLICE": 5, "SOFTMAX": 3, "SPACE_TO_BATCH_ND": 3,
    "SPACE_TO_DEPTH": 2, "SPARSE_TO_DENSE": 3, "SPLIT": 4, "SPLIT_V": 2,
    "SQUARED_DIFFERENCE": 2, "SQUEEZE": 2, "STRIDED_SLICE": (5, 6), "SUB": 5, "SUM": 2,
    "SVDF": 4, "TANH": 3, "TILE": 2, "TOPK_V2": 2, "TRANSPOSE": 5, "TRANSPOSE_CONV": 3,
    "UNIDIRECTIONAL_SEQUENCE_LSTM": 3, "UNIDIRECTIONAL_SEQUENCE_RNN": 3, "UNPACK": 4,
}
# Builtin codes up to HASHTABLE_SIZE (139) came with TF 2.5; 140-145 with TF 2.6.
MAX_KNOWN_BUILTIN_CODE = 139
MAX_UNCONFIRMED_BUILTIN_CODE = 145
CUSTOM_CODE = 32


def max_known_version(opcode: str) -> int:
    entry = _KNOWN.get(opcode, 1)
    return entry[0] if isinstance(entry, tuple) else entry


def max_unconfirmed_version(opcode: str) -> int:
    entry = _KNOWN.get(opcode, 1)
    return entry[1] if isinstance(entry, tuple) else entry


def parse_verdict(opcode: str, builtin_code: int, version: int) -> str:
    """'known', 'unconfirmed' (introduced in TF 2.6) or 'unknown' to compiler 16's parser."""
    if builtin_code == CUSTOM_CODE:
        return "known"
    if builtin_code > MAX_UNCONFIRMED_BUILTIN_CODE:
        return "unknown"
    if builtin_code > MAX_KNOWN_BUILTIN_CODE:
        return "unconfirmed"
    if version <= max_known_version(opcode):
        return "known"
    if version <= max_unconfirmed_version(opcode):
        return "unconfirmed"
    return "unknown"
