"""Make strings taken from a model safe to print.

Operator and tensor names come from the file and can hold anything, including terminal control
sequences. Every human-readable output passes them through `printable` first; structured
outputs (JSON, SARIF) escape them with their own encoders.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` with control and bidirectional-override characters shown as \\xNN or \\uNNNN."""
    return _CONTROL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
