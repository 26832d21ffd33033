"""Make strings taken from a model safe to print.

Operator and tensor names come from the file and can hold anything, including terminal control
sequences, and be megabytes long. Every human-readable output passes them through `printable`
first; structured outputs (JSON, SARIF) escape them with their own encoders and keep them whole.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


# A crafted file can hold names of megabytes; longer text is cut in the middle, which keeps the
# end of a message that quotes such a name (terminal tables take seconds to lay out megabytes).
MAX_LENGTH = 2000


def printable(text: str) -> str:
    """`text` with control and bidirectional-override characters shown as \\xNN or \\uNNNN,
    and the middle of text longer than `MAX_LENGTH` replaced by how much was left out."""
    return _CONTROL.sub(_escape, shorten(text, MAX_LENGTH))


def shorten(text: str, limit: int) -> str:
    """`text`, or its first and last `limit // 2` characters around how much was left out."""
    if len(text) <= limit:
        return text
    keep = limit // 2
    return f"{text[:keep]}…[{len(text) - 2 * keep:,} characters]…{text[-keep:]}"


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
