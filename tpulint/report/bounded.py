"""What any report may hold, whatever the model: text every consumer can carry, in bounded size.

A crafted file of a megabyte can hold tens of thousands of findings that each quote a name of
kilobytes, or a hundred thousand operators sharing one table; listed whole, that is a report of
hundreds of megabytes. Every format therefore lists at most `FINDINGS_PER_RULE` findings of one
rule and `FINDINGS_PER_MODEL` in all per model, and `OPERATOR_ROWS` operators per model, says
how many more there are in a form its consumer reads (`Omitted`), and machine formats cut every
model-derived string to `MAX_TEXT` characters (human formats to `tpulint.text.MAX_LENGTH`).
docs/ci.md states the resulting bound.
Counts and the exit code always cover every finding; only the listing is cut.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence

from tpulint.api import Finding
from tpulint.record import Record
from tpulint.results import RunResult
from tpulint.text import carried, shorten

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from typing import Any, TypeVar

    T = TypeVar("T")

MAX_TEXT = 500  # characters of one model-derived string in a machine report
ROW_TEXT = 200  # characters of an operator row's type and reason
FINDINGS_PER_RULE = 100  # findings of one rule listed per model
FINDINGS_PER_MODEL = 500  # findings listed per model, all rules together
OPERATOR_ROWS = 5000  # operators listed per model (the largest model of the corpus has 492)
DATA_ITEMS = 10  # entries of a list in a finding's `data` (the rest counted in a last entry)


class Omitted(Record):
    """Findings of one rule in one file that a report counts but does not list."""

    path: str
    code: str
    name: str
    count: int

    @property
    def text(self) -> str:
        return (f"{self.count} more {self.code} [{self.name}] finding(s) not listed (reports "
                f"list {FINDINGS_PER_RULE} per rule and {FINDINGS_PER_MODEL} per model)")


def listed(findings: Sequence[Finding], path: str) -> tuple[list[Finding], list[Omitted]]:
    """The first `FINDINGS_PER_RULE` findings of each code in their order, at most
    `FINDINGS_PER_MODEL` in all, and per code how many are left."""
    if len(findings) <= FINDINGS_PER_RULE:
        return list(findings), []
    seen: Counter[str] = Counter()
    left: Counter[str] = Counter()
    names: dict[str, str] = {}
    kept: list[Finding] = []
    for finding in findings:
        seen[finding.code] += 1
        names[finding.code] = finding.name
        if seen[finding.code] <= FINDINGS_PER_RULE and len(kept) < FINDINGS_PER_MODEL:
            kept.append(finding)
        else:
            left[finding.code] += 1
    return kept, [Omitted(path, code, names[code], count) for code, count in left.items()]


def located(run: RunResult) -> Iterator[tuple[str, Finding]]:
    """`run.located()` as reports list it: at most `FINDINGS_PER_RULE` per rule and model.
    Configuration findings are all listed: the configuration is read with a size limit."""
    for model in run.models:
        yield from ((model.relpath, f) for f in listed(model.findings, model.relpath)[0])
    for finding in run.config_findings:
        yield finding.location.path, finding


def omissions(run: RunResult) -> list[Omitted]:
    """Every rule and model whose findings `located` does not list in full."""
    return [o for model in run.models for o in listed(model.findings, model.relpath)[1]]


def rows(items: Sequence[T], limit: int = OPERATOR_ROWS) -> tuple[Sequence[T], int]:
    """The first `limit` of `items`, and how many are left out."""
    return items[:limit], max(0, len(items) - limit)


def text(value: str, limit: int = MAX_TEXT) -> str:
    """A model-derived string as a machine report holds it: carried, at most `limit` long."""
    return carried(shorten(value, limit))


def json_value(value: Any, items: int | None = None) -> Any:
    """`value` (JSON data) with every string made `text` and, with `items`, every list cut to
    that many entries and a last string saying how many more there were."""
    if isinstance(value, str):
        # most strings are short and ASCII, which `text` keeps as they are
        return value if value.isascii() and len(value) <= MAX_TEXT else text(value)
    if isinstance(value, dict):
        return {key if isinstance(key, str) and key.isascii() and len(key) <= MAX_TEXT
                else text(str(key)): json_value(item, items) for key, item in value.items()}
    if isinstance(value, list | tuple):
        kept = [json_value(item, items) for item in value[:items]]
        if items is not None and len(value) > items:
            kept.append(f"… {len(value) - items} more")
        return kept
    return value
