"""JUnit XML for test dashboards: a testsuite per model, a failing testcase per finding.

A model without findings has one passing testcase, so dashboards count it; a model that could not
be read has one testcase with an `<error>`. Findings about the configuration (TPU09x) form a
testsuite named after the configuration file. Model-derived strings pass through `printable`, so
no control character, lone surrogate or noncharacter (invalid in XML 1.0) reaches the document.
A rule with more findings in a model than a report lists (`tpulint.report.bounded`) gets one
more failing testcase, of type `omitted`, saying how many are left out.
"""

from __future__ import annotations

from typing import TextIO
from xml.etree import ElementTree as ET

from tpulint.analysis.latency import LatencyEstimate, flat_latency
from tpulint.api import Finding
from tpulint.report import DEFAULT, ReportOptions, bounded
from tpulint.report._common import headline
from tpulint.results import RunResult
from tpulint.text import printable

PASSED = "Edge TPU compatibility"


def render(run: RunResult, stream: TextIO, color: str,
           options: ReportOptions = DEFAULT) -> None:
    root = ET.Element("testsuites", name="tpulint")
    for model in run.models:
        suite = _suite(root, model.relpath)
        if model.latency is not None:
            _latency_properties(suite, model.latency)
        if model.error:
            case = _case(suite, model.relpath, "read model")
            ET.SubElement(case, "error", message=printable(model.error), type="bad-input")
        elif not model.findings:
            _case(suite, model.relpath, PASSED)
        findings, omitted = bounded.listed(model.findings, model.relpath)
        for finding in findings:
            _failure(suite, model.relpath, finding)
        for left in omitted:
            case = _case(suite, model.relpath, f"{left.code} {left.name} omitted")
            ET.SubElement(case, "failure", message=left.text, type="omitted")
    if run.config_findings:
        path = run.config_findings[0].location.path
        suite = _suite(root, path)
        for finding in run.config_findings:
            _failure(suite, path, finding)
    _count(root)
    ET.indent(root)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(ET.tostring(root, encoding="unicode"))
    stream.write("\n")


def _suite(root: ET.Element, path: str) -> ET.Element:
    return ET.SubElement(root, "testsuite", name=printable(path))


def _case(suite: ET.Element, path: str, name: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", classname=printable(path), name=printable(name),
                         file=printable(path), time="0")


def _failure(suite: ET.Element, path: str, finding: Finding) -> None:
    where = finding.location.anchor or "model"
    case = _case(suite, path, f"{finding.code} {finding.name} {where}")
    failure = ET.SubElement(case, "failure", message=printable(headline(finding)),
                            type=finding.severity.value)
    failure.text = printable(f"{finding.code} [{finding.name}] {headline(finding)}")


def _latency_properties(suite: ET.Element, estimate: LatencyEstimate) -> None:
    properties = ET.SubElement(suite, "properties")
    for name, value in flat_latency(estimate).items():
        ET.SubElement(properties, "property", name=name, value=str(value))


def _count(root: ET.Element) -> None:
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for suite in root:
        counts = {"tests": len(suite.findall("testcase")),
                  "failures": len(suite.findall("testcase/failure")),
                  "errors": len(suite.findall("testcase/error"))}
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("skipped", "0")
        suite.set("time", "0")
    for key, value in totals.items():
        root.set(key, str(value))
