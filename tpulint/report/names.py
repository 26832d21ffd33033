"""Each operator or tensor named once per finding in the human formats.

An operator is named by its first output tensor, so a message about an operator often quotes
the same name again for that tensor (`RESHAPE 'a/b' runs on the CPU: tensor 'a/b' int8[...]`),
and a tensor's message quotes it again for the operator that made it. Fused TensorFlow names
run to hundreds of characters; human formats keep the first mention and say `(same name)` for
the others. Machine formats keep the message whole.
"""

from __future__ import annotations

import re

SAME = "(same name)"
# A quoted name holds no white space: that tells it from the prose between two quotes.
_QUOTED = re.compile(r"'([^'\s]+)'")


def name_once(message: str) -> str:
    """`message` with every quoted name after its first mention replaced by `(same name)`."""
    seen: set[str] = set()

    def once(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in seen:
            return SAME
        seen.add(name)
        return match.group(0)

    return _QUOTED.sub(once, message)

