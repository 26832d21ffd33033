"""Make strings taken from a model safe to print.

Operator and tensor names come from the file and can hold anything, including terminal control
sequences, and be megabytes long; file names can hold bytes that are not UTF-8 (Python keeps
them as lone surrogates, which no UTF-8 stream can carry). Every human-readable output passes
them through `printable` first; structured outputs (JSON, SARIF) escape control characters with
their own encoders and pass strings through `carried`, which rewrites only what no Unicode text
can hold. Both show a byte that is not UTF-8 the same way, as `\\xNN`.
"""

from __future__ import annotations

import functools
import re

# Lone surrogates (a file name's undecodable bytes) and the noncharacters U+FFFE and U+FFFF
# are invalid in UTF-8 output and in XML 1.0 alike.
_UNCARRIED = "\ud800-\udfff\ufffe\uffff"


# Compiled on first use (these character sets take milliseconds to compile, and most runs
# print only ASCII text, which `carried` passes without them).
@functools.cache
def _control() -> re.Pattern[str]:
    return re.compile(
        rf"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069{_UNCARRIED}]")


@functools.cache
def _not_text() -> re.Pattern[str]:
    return re.compile(rf"[{_UNCARRIED}]")


# A crafted file can hold names of megabytes; longer text is cut in the middle, which keeps the
# end of a message that quotes such a name (terminal tables take seconds to lay out megabytes).
MAX_LENGTH = 2000


def printable(text: str) -> str:
    """`text` with control and bidirectional-override characters shown as \\xNN or \\uNNNN,
    and the middle of text longer than `MAX_LENGTH` replaced by how much was left out."""
    return _control().sub(_escape, shorten(text, MAX_LENGTH))


def carried(text: str) -> str:
    """`text` with what no Unicode text can carry (a file name's bytes that are not UTF-8,
    U+FFFE, U+FFFF) shown as \\xNN or \\uNNNN; everything else kept."""
    if text.isascii():
        return text
    return _not_text().sub(_escape, text) if _not_text().search(text) else text


def shorten(text: str, limit: int) -> str:
    """`text`, or its first and last `limit // 2` characters around how much was left out."""
    if len(text) <= limit:
        return text
    keep = limit // 2
    return f"{text[:keep]}…[{len(text) - 2 * keep:,} characters]…{text[-keep:]}"


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for the byte code - 0xDC00
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
