"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One run; `tool.driver.rules` lists the rules that fired, each with its summary and its full
documentation. A model is a binary file, so every result points at region 1:1-1:1 of the model
(uri relative to `%SRCROOT%`, the configuration's root), names the operator or tensor in
`logicalLocations`, and carries tpulint's own fingerprint as `primaryLocationLineHash`: without it
the upload action would hash "line 1" of the binary, the same for every finding. Models that
could not be read are tool execution notifications, and so is each rule whose findings in a
model are more than a report lists (`tpulint.report.bounded`): a note naming the rule in
`associatedRule` with the count left out in `properties.omitted`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from tpulint import __version__
from tpulint.analysis.latency import describe
from tpulint.api import Finding, Rule
from tpulint.docs import rule_page
from tpulint.report import DEFAULT, ReportOptions, bounded
from tpulint.report._common import headline, unique_fingerprints
from tpulint.report.json_text import dumps_indented
from tpulint.results import ModelResult, RunResult

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/tpulint/tpulint"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
ROOT = "%SRCROOT%"


def render(run: RunResult, stream: TextIO, color: str,
           options: ReportOptions = DEFAULT) -> None:
    # ASCII: bidi overrides arrive escaped. One write, not one per token.
    stream.write(dumps_indented(document(run)) + "\n")


def document(run: RunResult) -> dict[str, Any]:
    located = list(unique_fingerprints(run))
    fired = sorted({finding.code for _, finding, _ in located if finding.code in run.rules})
    index = {code: number for number, code in enumerate(fired)}
    results = bounded.json_value([_result(path, finding, key, index)
                                  for path, finding, key in located])
    root = Path(run.settings.root).resolve().as_uri().rstrip("/") + "/"
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "tpulint", "version": __version__, "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(run.rules[code], run) for code in fired],
            }},
            "originalUriBaseIds": {ROOT: {"uri": root}},
            "invocations": [{
                "executionSuccessful": not run.errors,
                "toolExecutionNotifications": bounded.json_value([
                    {"level": "error", "message": {"text": model.error or ""},
                     "locations": [{"physicalLocation": _artifact(model.relpath)}]}
                    for model in run.errors] + [_omitted(left) for left in bounded.omissions(run)]),
            }],
            "artifacts": bounded.json_value([_model_artifact(model) for model in run.models
                                             if not model.error]),
            "results": results,
        }],
    }


def _rule(rule: Rule, run: RunResult) -> dict[str, Any]:
    page = rule_page(rule)
    level = run.settings.severity.get(rule.code, rule.severity.value)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.doc or rule.summary},
        "help": {"text": page, "markdown": page},
        "helpUri": rule.url,
        "defaultConfiguration": {"level": LEVELS[level]},
        "properties": {"tags": [rule.prefix, rule.scope], "precision": "high"},
    }


def _result(path: str, finding: Finding, key: str, index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "level": LEVELS[finding.severity.value],
        "message": {"text": headline(finding)},
        "locations": [_location(path, finding)],
        "partialFingerprints": {"primaryLocationLineHash": key},
    }
    if finding.code in index:
        result["ruleIndex"] = index[finding.code]
    return result


def _location(path: str, finding: Finding) -> dict[str, Any]:
    location: dict[str, Any] = {"physicalLocation": _artifact(path)}
    anchor = finding.location.anchor
    if anchor:
        kind = "function" if finding.location.operator is not None else \
            "variable" if finding.location.tensor is not None else "module"
        logical: dict[str, Any] = {"fullyQualifiedName": f"{path}:{anchor}", "kind": kind}
        name = finding.operator or finding.tensor
        if name:
            logical["name"] = name
        location["logicalLocations"] = [logical]
    return location


def _omitted(left: bounded.Omitted) -> dict[str, Any]:
    return {"level": "note", "message": {"text": left.text},
            "locations": [{"physicalLocation": _artifact(left.path)}],
            "associatedRule": {"id": left.code}, "properties": {"omitted": left.count}}


def _model_artifact(model: ModelResult) -> dict[str, Any]:
    """A checked model, with its latency estimate in the property bag."""
    artifact: dict[str, Any] = {"location": _artifact(model.relpath)["artifactLocation"]}
    if model.latency is not None:
        artifact["properties"] = {"tpulint/latency": bounded.json_value(
            describe(model.latency), bounded.OPERATOR_ROWS)}
    return artifact


def _artifact(path: str) -> dict[str, Any]:
    if Path(path).is_absolute():  # outside the root and the working directory
        artifact = {"uri": Path(path).as_uri()}
    else:  # a name that is not UTF-8 is percent-encoded as the bytes it holds
        artifact = {"uri": quote(path.encode("utf-8", "surrogateescape")), "uriBaseId": ROOT}
    return {"artifactLocation": artifact,
            "region": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}}
