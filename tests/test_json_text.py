"""The reports' indented JSON is exactly the standard library's `json.dumps(value, indent=2)`."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from tpulint.report.json_text import dumps_indented


def _value(rng: random.Random, depth: int) -> Any:
    kind = rng.randrange(10 if depth < 4 else 7)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.randrange(-10**20, 10**20)
    if kind == 2:
        return rng.choice([rng.random() * 10 ** rng.randrange(-30, 30), -0.0, 1e300 * 1e10,
                           -1e300 * 1e10, float("nan"), 1.0, 3])
    if kind in (3, 4, 5, 6):  # text of any code point, escapes and surrogates included
        return "".join(chr(rng.randrange(0, 0x110000)) for _ in range(rng.randrange(6)))
    if kind == 7:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == 8:
        return tuple(_value(rng, depth + 1) for _ in range(rng.randrange(3)))
    keys = [rng.choice(["a", "é\n\"", "\ud800", "", "k" * 3]) if rng.random() < 0.8 else
            rng.choice([1, 2.5, True, False, None]) for _ in range(rng.randrange(4))]
    return {key: _value(rng, depth + 1) for key in keys}


def test_the_same_text_as_the_standard_library() -> None:
    rng = random.Random(16)
    for _ in range(5_000):
        value = _value(rng, 0)
        assert dumps_indented(value) == json.dumps(value, indent=2)


def test_what_json_cannot_hold_is_refused_as_json_refuses_it() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps_indented({"a": [object()]})
    with pytest.raises(TypeError):
        json.dumps({"a": [object()]}, indent=2)
