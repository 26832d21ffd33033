"""Pieces several output formats share."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from tpulint.api import Finding
from tpulint.engine.fingerprint import fingerprint
from tpulint.report.bounded import located
from tpulint.report.names import name_once
from tpulint.results import RunResult


def headline(finding: Finding, *, once: bool = False) -> str:
    """The message with where it points: `sg0/op1: LEAKY_RELU 'act' runs on the CPU: …`
    (operator findings name their operator in the message); `once`: each name given once, for
    people reading it (`tpulint.report.names`)."""
    where = finding.location.anchor
    message = name_once(finding.message) if once else finding.message
    return f"{where}: {message}" if where else message


def unique_fingerprints(run: RunResult) -> Iterator[tuple[str, Finding, str]]:
    """(path, finding, fingerprint) for every finding a report lists; a fingerprint seen before
    gets its occurrence number (`…:2`), since consumers keep one issue per fingerprint."""
    seen: Counter[str] = Counter()
    for path, finding in located(run):
        key = fingerprint(finding, path)
        seen[key] += 1
        yield path, finding, key if seen[key] == 1 else f"{key}:{seen[key]}"
