"""A cache entry's contents: a `ModelResult` as JSON data and back, and its text, bounded in
size."""

from __future__ import annotations

import json
from operator import attrgetter
from typing import Any

from tpulint.analysis.latency import dump_latency, load_latency
from tpulint.analysis.memory import MemoryEstimate
from tpulint.analysis.placement import Fatal
from tpulint.api import Finding, FixPlan, Severity
from tpulint.ir import Location
from tpulint.results import ModelResult, OperatorRow

# An entry is findings and placements, a few kilobytes for a real model; a larger one is not
# written, and a larger file in the folder is not read.
MAX_ENTRY_BYTES = 8 << 20
# An operator row is stored as a list of its fields in this order: a model has hundreds of
# rows, and their field names were most of an entry's bytes and of its reading time.
ROW_FIELDS = OperatorRow._fields
_row_values = attrgetter(*ROW_FIELDS)


def entry_text(data: dict[str, Any]) -> str | None:
    """An entry's fields as JSON text (ASCII: other characters are escaped); None past
    `MAX_ENTRY_BYTES`. Encoded piece by piece, so a model whose findings repeat a long name
    thousands of times stops at the cap instead of building gigabytes of text first."""
    pieces, size = [], 0
    for piece in _ENCODER.iterencode(data):
        size += len(piece)
        if size > MAX_ENTRY_BYTES:
            return None
        pieces.append(piece)
    return "".join(pieces)


_ENCODER = json.JSONEncoder(separators=(",", ":"))


def dump(result: ModelResult) -> dict[str, Any]:
    return {
        "compiled": result.compiled, "subgraphs": result.subgraphs,
        "operators": [_row_values(row) for row in result.operators],
        "findings": [_dump_finding(f, result.path) for f in result.findings],
        "fatal": [f.as_dict() for f in result.fatal],
        "memory": None if result.memory is None else result.memory.as_dict(),
        "latency": None if result.latency is None else dump_latency(result.latency),
        "recipe": result.recipe, "cpu_segments": result.cpu_segments,
        "groups_with_a": result.groups_with_a, "tpu_range": result.tpu_range,
        "tpu_depends_on": result.tpu_depends_on,
    }


def load(data: dict[str, Any], path: str) -> ModelResult:
    memory = data["memory"]
    return ModelResult(
        path=path, compiled=data["compiled"], subgraphs=data["subgraphs"],
        operators=[_load_row(row) for row in data["operators"]],
        findings=[_load_finding(f, path) for f in data["findings"]],
        fatal=[Fatal(**f) for f in data["fatal"]],
        memory=None if memory is None else MemoryEstimate(**memory),
        latency=None if data["latency"] is None else load_latency(data["latency"]),
        recipe=data["recipe"], cpu_segments=data["cpu_segments"],
        groups_with_a=data["groups_with_a"],
        tpu_range=tuple(data["tpu_range"]) if data["tpu_range"] else None,
        tpu_depends_on=tuple(data["tpu_depends_on"]),
    )


def _load_row(row: Any) -> OperatorRow:
    if type(row) is not list or len(row) != len(ROW_FIELDS):
        raise ValueError("not an operator row")
    return OperatorRow(*row)


def _dump_location(location: Location, path: str) -> dict[str, Any]:
    # The model's own path is left out: the same content may be checked under another name.
    entry = location.as_dict()
    entry["path"] = None if location.path == path else location.path
    return entry


def _load_location(entry: dict[str, Any], path: str) -> Location:
    return Location(**{**entry, "path": entry["path"] if entry["path"] is not None else path})


def _dump_finding(finding: Finding, path: str) -> dict[str, Any]:
    fix = finding.fix
    return {
        "code": finding.code, "name": finding.name, "severity": finding.severity.value,
        "message": finding.message, "location": _dump_location(finding.location, path),
        "operator": finding.operator, "tensor": finding.tensor,
        "related": [_dump_location(r, path) for r in finding.related],
        "fix": None if fix is None else {"settings": dict(fix.settings), "reason": fix.reason,
                                         "safe": fix.safe, "manual": fix.manual},
        "confidence": finding.confidence, "data": dict(finding.data),
    }


def _load_finding(entry: dict[str, Any], path: str) -> Finding:
    fix = entry["fix"]
    return Finding(
        code=entry["code"], name=entry["name"], severity=Severity(entry["severity"]),
        message=entry["message"], location=_load_location(entry["location"], path),
        operator=entry["operator"], tensor=entry["tensor"],
        related=tuple(_load_location(r, path) for r in entry["related"]),
        fix=None if fix is None else FixPlan(**fix),
        confidence=entry["confidence"], data=entry["data"],
    )
