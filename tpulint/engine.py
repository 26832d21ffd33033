"""Run the selected rules on models and collect what reporters need.

A `ModelResult` holds plain data (placements, findings, summary), not the model, so results can
cross process boundaries (`--jobs`) and be cached. Findings are filtered by severity overrides,
per-file ignores and operator ignores here, so every output format sees the same set.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath
from typing import Any

from tpulint.analysis.facts import ModelFacts
from tpulint.analysis.memory import MemoryEstimate
from tpulint.analysis.placement import CPU, Fatal
from tpulint.api import (
    Finding,
    ModelContext,
    OperatorContext,
    Rule,
    Severity,
    SubgraphContext,
    TensorContext,
    describe_operator,
)
from tpulint.config import IgnoreOp, Settings
from tpulint.ir import Model
from tpulint.reader import ModelReadError, read_model
from tpulint.registry import Registry
from tpulint.selection import Selection


class RuleFailure(Exception):
    """A rule raised: reported as an internal error (exit 2), naming the rule and the model."""


@dataclass(frozen=True)
class OperatorRow:
    subgraph: int
    index: int
    opcode: str
    label: str
    version: int
    placement: str
    reason: str
    confidence: str = "high"
    cause: int | None = None


@dataclass
class ModelResult:
    path: str
    error: str | None = None
    compiled: bool = False
    subgraphs: int = 0
    operators: list[OperatorRow] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    fatal: list[Fatal] = field(default_factory=list)
    memory: MemoryEstimate | None = None
    recipe: str | None = None
    cpu_segments: int = 0
    suppressed: int = 0

    @property
    def summary(self) -> dict[str, int]:
        main = [row for row in self.operators if row.subgraph == 0]
        tpu = sum(1 for row in main if row.placement != CPU)
        return {"operators": len(main), "tpu": tpu, "cpu": len(main) - tpu,
                "edgetpu_subgraphs": 1 if tpu and not self.fatal else 0,
                "cpu_segments": self.cpu_segments}


@dataclass
class RunResult:
    models: list[ModelResult]
    settings: Settings
    rules: dict[str, Rule]
    unused_ignores: list[str] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [f for m in self.models for f in m.findings]

    @property
    def errors(self) -> list[ModelResult]:
        return [m for m in self.models if m.error]

    def failing(self, fail_on: str) -> list[Finding]:
        if fail_on == "none":
            return []
        threshold = Severity(fail_on).rank
        return [f for f in self.findings if f.severity.rank >= threshold]


# Finding files -------------------------------------------------------------------------------


def discover(paths: Iterable[str], settings: Settings,
             force_exclude: bool = False) -> list[str]:
    """Model files under `paths`, in a stable order; explicit files are kept unless excluded
    with `force_exclude`, missing ones are kept so they are reported."""
    found: list[str] = []
    root = Path(settings.root)
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(_walk(path, settings, root)))
        elif not (force_exclude and is_excluded(path, settings, root)):
            found.append(raw)
    return list(dict.fromkeys(found))


def _walk(directory: Path, settings: Settings, root: Path) -> Iterator[str]:
    for current, dirs, files in os.walk(directory):
        base = Path(current)
        dirs[:] = sorted(d for d in dirs if not is_excluded(base / d, settings, root))
        for name in files:
            candidate = base / name
            if any(fnmatch(name, pattern) for pattern in settings.include) and \
                    not is_excluded(candidate, settings, root):
                yield str(candidate)


def relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def is_excluded(path: Path, settings: Settings, root: Path) -> bool:
    rel = relative(path, root)
    return any(glob_match(rel, pattern) for pattern in settings.excluded)


def glob_match(path: str, pattern: str) -> bool:
    """Ruff-style globs: a pattern without `/` matches any path component or the file name;
    `**/` matches any number of leading directories."""
    pure = PurePosixPath(path)
    if "/" not in pattern.rstrip("/"):
        return any(fnmatch(part, pattern.rstrip("/")) for part in pure.parts)
    if pattern.startswith("**/"):
        rest = pattern[3:]
        parts = pure.parts
        return any(glob_match("/".join(parts[i:]), rest) for i in range(len(parts)))
    return fnmatch(path, pattern) or fnmatch(path, pattern.rstrip("*").rstrip("/") + "/*")


# Checking ------------------------------------------------------------------------------------


def check_file(path: str, rules: list[Rule], settings: Settings) -> ModelResult:
    try:
        model = read_model(path)
    except ModelReadError as error:
        return ModelResult(path=path, error=str(error))
    return check_model(model, path, rules, settings)


def check_model(model: Model, path: str, rules: list[Rule], settings: Settings) -> ModelResult:
    facts = ModelFacts(model, settings.runtime)
    findings: list[Finding] = []
    for rule in rules:
        options = {**rule.options, **settings.rules.get(rule.code, {})}
        try:
            findings.extend(_run(rule, model, facts, options, path))
        except Exception as error:
            raise RuleFailure(f"rule {rule.code} failed on {path}: "
                              f"{type(error).__name__}: {error}") from error
    result = ModelResult(
        path=path, compiled=model.compiled, subgraphs=len(model.subgraphs),
        operators=_operator_rows(model, facts), fatal=list(facts.prediction.fatal),
        memory=facts.memory, recipe=facts.recipe.kind, cpu_segments=_cpu_segments(facts),
    )
    result.findings = sorted(findings, key=lambda f: f.sort_key)
    return result


def _run(rule: Rule, model: Model, facts: ModelFacts, options: dict[str, Any],
         path: str) -> Iterator[Finding]:
    context = ModelContext(rule, model, facts, options, path)
    if rule.scope == "model":
        yield from rule.check(context)
        return
    for sg in model.subgraphs:
        if rule.scope == "subgraph":
            yield from rule.check(SubgraphContext(context, sg.index))
        elif rule.scope == "operator":
            for op in sg.operators:
                yield from rule.check(OperatorContext(context, sg.index, op))
        else:
            for tensor in sg.tensors:
                yield from rule.check(TensorContext(context, sg.index, tensor))


def _operator_rows(model: Model, facts: ModelFacts) -> list[OperatorRow]:
    rows = []
    for sg, prediction in zip(model.subgraphs, facts.predictions):
        for op, placed in zip(sg.operators, prediction.operators):
            rows.append(OperatorRow(sg.index, op.index, op.opcode, describe_operator(sg, op),
                                    op.version, placed.placement, placed.reason,
                                    placed.confidence, placed.cause))
    return rows


def _cpu_segments(facts: ModelFacts) -> int:
    """Connected groups of CPU operators in the main subgraph."""
    graph, prediction = facts.graphs[0], facts.prediction
    cpu = {p.index for p in prediction.operators if p.placement == CPU}
    seen: set[int] = set()
    segments = 0
    for start in sorted(cpu):
        if start in seen:
            continue
        segments += 1
        stack = [start]
        seen.add(start)
        while stack:
            op = stack.pop()
            for nxt in (*graph.predecessors(op), *graph.successors(op)):
                if nxt in cpu and nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
    return segments


def run(paths: Iterable[str], settings: Settings, registry: Registry,
        force_exclude: bool = False) -> RunResult:
    """Check every model under `paths` with the selected rules, and filter the findings."""
    selection = Selection(registry, settings)
    for selectors in settings.per_file_ignores.values():
        for selector in selectors:
            selection.validate(selector)
    found = discover(paths, settings, force_exclude=force_exclude)
    results = [check_file(path, selection.enabled, settings) for path in found]
    suppressions = Suppressions(settings, selection.codes_matching)
    for result in results:
        if not result.error:
            suppressions.apply(result)
    return RunResult(sorted(results, key=lambda r: r.path), settings,
                     {rule.code: rule for rule in registry})


# Filtering -----------------------------------------------------------------------------------


class Suppressions:
    """Per-file ignores, operator ignores and severity overrides; remembers which were used."""

    def __init__(self, settings: Settings, codes_for: Any) -> None:
        self.settings = settings
        self.codes_for = codes_for  # selectors -> set of codes
        self.root = Path(settings.root)
        self.used: set[str] = set()

    def apply(self, result: ModelResult) -> None:
        rel = relative(Path(result.path), self.root)
        ignored_here: set[str] = set()
        for pattern, selectors in self.settings.per_file_ignores.items():
            if glob_match(rel, pattern):
                ignored_here |= self.codes_for(selectors)
                self.used.add(f"per-file-ignores '{pattern}'")
        kept = []
        for finding in result.findings:
            if finding.code in ignored_here or self._ignored_op(rel, finding, result):
                result.suppressed += 1
                continue
            override = self.settings.severity.get(finding.code)
            kept.append(finding.with_severity(Severity(override)) if override else finding)
        result.findings = kept

    def _ignored_op(self, rel: str, finding: Finding, result: ModelResult) -> bool:
        loc = finding.location
        if loc.operator is None or not self.settings.ignore_ops:
            return False
        row = next((r for r in result.operators
                    if r.subgraph == loc.subgraph and r.index == loc.operator), None)
        for number, entry in enumerate(self.settings.ignore_ops):
            if self._matches(entry, rel, finding, row):
                self.used.add(f"ignore-ops entry {number + 1}")
                return True
        return False

    def _matches(self, entry: IgnoreOp, rel: str, finding: Finding,
                 row: OperatorRow | None) -> bool:
        if not glob_match(rel, entry.path) or finding.code not in self.codes_for(entry.codes):
            return False
        label = finding.operator or ""
        if entry.op is not None and (row is None or entry.op not in (row.opcode, label.split()[0])):
            return False
        return entry.tensor is None or re.search(entry.tensor, label) is not None
