"""GitLab Code Quality: a JSON array of Code Climate issues for `artifacts:reports:codequality`.

Severity error → major, warning → minor, info → info; `location.lines.begin` is 1 (a model has
no lines); the fingerprint is tpulint's own, made unique within the report because GitLab keeps
one issue per fingerprint. Code Quality has no place for a model's own data, so its latency
estimate is the last paragraph of each of its issues' `content.body`.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from tpulint.analysis.latency import latency_line
from tpulint.report import DEFAULT, ReportOptions
from tpulint.report._common import headline, unique_fingerprints
from tpulint.results import RunResult

SEVERITIES = {"error": "major", "warning": "minor", "info": "info"}


def render(run: RunResult, stream: TextIO, color: str,
           options: ReportOptions = DEFAULT) -> None:
    # ASCII: bidi overrides arrive escaped. One write, not one per token.
    stream.write(json.dumps(issues(run), indent=2) + "\n")


def issues(run: RunResult) -> list[dict[str, Any]]:
    found = []
    latency = {model.relpath: latency_line(model.latency) for model in run.models
               if model.latency is not None}
    for path, finding, key in unique_fingerprints(run):
        rule = run.rules.get(finding.code)
        body = [f"[{finding.code}]({rule.url}): {rule.summary}"] if rule else []
        if path in latency:
            body.append(latency[path])
        found.append({
            "type": "issue",
            "check_name": f"{finding.code} {finding.name}",
            "description": headline(finding),
            "categories": ["Compatibility"],
            "severity": SEVERITIES[finding.severity.value],
            "fingerprint": key,
            "location": {"path": path, "lines": {"begin": 1}},
            **({"content": {"body": "\n\n".join(body)}} if body else {}),
        })
    return found
