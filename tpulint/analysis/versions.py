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

from functools import lru_cache

from tpulint.analysis.operators import facts

# Builtin codes up to HASHTABLE_SIZE (139) came with TF 2.5; 140-145 with TF 2.6.
MAX_KNOWN_BUILTIN_CODE = 139
MAX_UNCONFIRMED_BUILTIN_CODE = 145
CUSTOM_CODE = 32


def max_known_version(opcode: str) -> int:
    """The highest version introduced by TF 2.5: certainly known to compiler 16."""
    return facts(opcode).max_version


def max_unconfirmed_version(opcode: str) -> int:
    """Where TF 2.6 added one more version (its support unconfirmed), that version."""
    return facts(opcode).max_parsed_version


# asked for each operator by the placement, the fatal outcomes and TPU202; a model holds a few
# kinds of operators
@lru_cache(maxsize=1024)
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
