"""'Did you mean' hints for mistyped options, rule codes and names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'X'?)` for the closest choice, or an empty string when none is close."""
    options = list(choices)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not close:
        folded = {choice.upper(): choice for choice in options}
        close = difflib.get_close_matches(word.upper(), list(folded), n=1, cutoff=0.6)
        close = [folded[match] for match in close]
    return f" (did you mean '{close[0]}'?)" if close else ""
