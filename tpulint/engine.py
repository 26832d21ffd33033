"""Run the selected rules on models and collect what reporters need.

A `ModelResult` holds plain data (placements, findings, summary), not the model, so results can
cross process boundaries (`--jobs`) and be cached. Findings are filtered by severity overrides,
per-file ignores and operator ignores here, so every output format sees the same set.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath
from typing import Any

from tpulint.analysis.facts import ModelFacts
from tpulint.analysis.memory import MemoryEstimate
from tpulint.analysis.placement import CPU, STRANDED, Fatal
from tpulint.api import (
    ConfigContext,
    Finding,
    ModelContext,
    OperatorContext,
    Rule,
    Severity,
    SubgraphContext,
    TensorContext,
    UnusedSuppression,
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
    output: str = ""  # the first output tensor's name, which `ignore-ops` `tensor` matches
    kind: str = ""  # "tpu", "cpu" or "stranded" (the analysis's placement kind)

    def __post_init__(self) -> None:
        if not self.kind:
            object.__setattr__(self, "kind", self.placement)


@dataclass
class ModelResult:
    path: str  # as given or found; `relpath` is the stable one for fingerprints and CI reports
    error: str | None = None
    compiled: bool = False
    subgraphs: int = 0
    operators: list[OperatorRow] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    fatal: list[Fatal] = field(default_factory=list)
    memory: MemoryEstimate | None = None
    recipe: str | None = None
    cpu_segments: int = 0
    groups_with_a: int = 0
    # Edge TPU operators if every size inside a limit's bracket were refused, or mapped, and the
    # limits concerned (None: no such guess changes the region)
    tpu_range: tuple[int, int] | None = None
    tpu_depends_on: tuple[str, ...] = ()
    suppressed: int = 0  # by per-file ignores, operator ignores and the baseline
    relpath: str = ""

    @property
    def summary(self) -> dict[str, int]:
        main = [row for row in self.operators if row.subgraph == 0]
        tpu = sum(1 for row in main if row.placement != CPU)
        stranded = sum(1 for row in main if row.kind == STRANDED)
        low, high = self.tpu_range or (tpu, tpu)
        return {"operators": len(main), "tpu": tpu, "cpu": len(main) - tpu,
                "tpu_low": low, "tpu_high": high,
                "edgetpu_subgraphs": 1 if tpu and not self.fatal else 0,
                "cpu_segments": self.cpu_segments,
                # what `edgetpu_compiler -a` (several Edge TPU subgraphs) would map instead
                "tpu_with_a": tpu + stranded if not self.fatal else 0,
                "edgetpu_subgraphs_with_a": self.groups_with_a if not self.fatal else 0}


@dataclass
class RunResult:
    models: list[ModelResult]
    settings: Settings
    rules: dict[str, Rule]
    # Findings about the configuration rather than a model (TPU09x); their path is the
    # configuration file's, relative like `ModelResult.relpath`.
    config_findings: list[Finding] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [*(f for m in self.models for f in m.findings), *self.config_findings]

    def located(self) -> Iterator[tuple[str, Finding]]:
        """Every finding with the stable, root-relative path of the file it is about."""
        for model in self.models:
            for finding in model.findings:
                yield model.relpath, finding
        for finding in self.config_findings:
            yield finding.location.path, finding

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
            if is_included(candidate, settings, root) and \
                    not is_excluded(candidate, settings, root):
                yield str(candidate)


def is_included(path: Path, settings: Settings, root: Path) -> bool:
    """`include` globs: one without `/` matches the file name, others the root-relative path."""
    return any(fnmatch(path.name, pattern) if "/" not in pattern
               else glob_match(relative(path, root), pattern) for pattern in settings.include)


def relative(path: Path, root: Path) -> str:
    """The stable name of a file, which globs in the configuration match and reports and
    fingerprints use: relative to the configuration's root, else to the working directory,
    else as given."""
    resolved = path.resolve()
    for base in (root.resolve(), Path.cwd()):
        if resolved.is_relative_to(base):
            return resolved.relative_to(base).as_posix()
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
        if rule.scope == "config":
            continue
        options = {**rule.options, **settings.rules.get(rule.code, {})}
        try:
            findings.extend(_run(rule, model, facts, options, path))
        except Exception as error:
            raise RuleFailure(f"rule {rule.code} failed on {path}: "
                              f"{type(error).__name__}: {error}") from error
    result = ModelResult(
        path=path, compiled=model.compiled, subgraphs=len(model.subgraphs),
        operators=_operator_rows(model, facts), fatal=list(facts.prediction.fatal),
        memory=facts.memory, recipe=facts.recipe.kind, cpu_segments=facts.cpu_segments,
        groups_with_a=facts.prediction.groups_with_a, tpu_range=facts.prediction.tpu_range,
        tpu_depends_on=facts.prediction.depends_on,
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
        scope = SubgraphContext(context, sg.index)
        if rule.scope == "subgraph":
            yield from rule.check(scope)
        elif rule.scope == "operator":
            for op in sg.operators:
                yield from rule.check(OperatorContext(scope, op))
        else:
            for tensor in sg.tensors:
                yield from rule.check(TensorContext(scope, tensor))


def _operator_rows(model: Model, facts: ModelFacts) -> list[OperatorRow]:
    rows = []
    for sg, prediction in zip(model.subgraphs, facts.predictions, strict=True):
        for op, placed in zip(sg.operators, prediction.operators, strict=True):
            output = sg.tensor(op.outputs[0]) if op.outputs else None
            rows.append(OperatorRow(sg.index, op.index, op.opcode, describe_operator(sg, op),
                                    op.version, placed.placement, placed.reason,
                                    placed.confidence, placed.cause,
                                    output.name if output is not None else "", placed.kind))
    return rows


Progress = Callable[[int, int], None]  # (models done, models to check)


def run(paths: Iterable[str], settings: Settings, registry: Registry,
        force_exclude: bool = False, *, jobs: int = 1, progress: Progress | None = None,
        use_baseline: bool = True) -> RunResult:
    """Check every model under `paths` with the selected rules, and filter the findings."""
    from tpulint.batch import check_files

    selection = Selection(registry, settings)
    selection.validate_suppressions()
    found = discover(paths, settings, force_exclude=force_exclude)
    results = check_files(found, selection.enabled, settings, jobs=jobs, progress=progress)
    root = Path(settings.root)
    suppressions = Suppressions(settings, selection.codes_matching)
    for result in results:
        result.relpath = relative(Path(result.path), root)
        if not result.error:
            suppressions.apply(result)
    if use_baseline and settings.baseline:
        from tpulint.baseline import Baseline

        Baseline.load(settings).apply(results)
    checked = {result.relpath for result in results}
    unused = suppressions.unused(checked, lambda: [relative(Path(found), root) for found in
                                                   discover([settings.root], settings)])
    config_findings = _config_findings(selection.enabled, settings, unused)
    return RunResult(sorted(results, key=lambda r: r.path), settings,
                     {rule.code: rule for rule in registry}, config_findings)


def _config_findings(rules: list[Rule], settings: Settings,
                     unused: tuple[UnusedSuppression, ...]) -> list[Finding]:
    source = relative(Path(settings.source), Path(settings.root)) if settings.source else \
        "--config"
    findings: list[Finding] = []
    for rule in rules:
        if rule.scope == "config":
            findings.extend(rule.check(ConfigContext(rule, source, unused)))
    return [_override(finding, settings) for finding in findings]


def _override(finding: Finding, settings: Settings) -> Finding:
    severity = settings.severity.get(finding.code)
    return finding.with_severity(Severity(severity)) if severity else finding


# Filtering -----------------------------------------------------------------------------------


class Suppressions:
    """Per-file ignores, operator ignores and severity overrides; remembers which entries
    suppressed something, for TPU091."""

    def __init__(self, settings: Settings, codes_for: Callable[[list[str]], set[str]]) -> None:
        self.settings = settings
        # The codes each per-file selector and each ignore-ops entry covers, resolved once.
        self.file_codes = {(pattern, selector): codes_for([selector])
                           for pattern, selectors in settings.per_file_ignores.items()
                           for selector in selectors}
        self.op_codes = [codes_for(list(entry.codes)) for entry in settings.ignore_ops]
        self.used: set[tuple[str, str] | int] = set()  # (glob, selector) and ignore-ops indexes

    def apply(self, result: ModelResult) -> None:
        rel = result.relpath
        ignored_here = [(pattern, selector) for pattern, selector in self.file_codes
                        if glob_match(rel, pattern)]
        kept = []
        for finding in result.findings:
            if self._ignored_file(finding, ignored_here) or \
                    self._ignored_op(rel, finding, result):
                result.suppressed += 1
                continue
            kept.append(_override(finding, self.settings))
        result.findings = kept

    def _ignored_file(self, finding: Finding, ignored_here: list[tuple[str, str]]) -> bool:
        hits = {entry for entry in ignored_here if finding.code in self.file_codes[entry]}
        self.used |= hits
        return bool(hits)

    def _ignored_op(self, rel: str, finding: Finding, result: ModelResult) -> bool:
        loc = finding.location
        if not self.settings.ignore_ops:
            return False
        row = None if loc.operator is None else next(
            (r for r in result.operators if r.subgraph == loc.subgraph and r.index == loc.operator),
            None)
        for number, entry in enumerate(self.settings.ignore_ops):
            if finding.code in self.op_codes[number] and self._matches(entry, rel, finding, row):
                self.used.add(number)
                return True
        return False

    def _matches(self, entry: IgnoreOp, rel: str, finding: Finding,
                 row: OperatorRow | None) -> bool:
        """Operator findings match `op` (type or custom code) and `tensor` (a regular expression
        searched in the operator's first output name); tensor findings match `tensor` alone."""
        if not glob_match(rel, entry.path):
            return False
        if row is None:  # a tensor or model finding
            return entry.op is None and entry.tensor is not None and finding.tensor is not None \
                and re.search(entry.tensor, finding.tensor) is not None
        if entry.op is not None and entry.op not in (row.opcode, row.label.split(" '")[0]):
            return False
        return entry.tensor is None or re.search(entry.tensor, row.output) is not None

    def unused(self, checked: set[str],
               project: Callable[[], list[str]]) -> tuple[UnusedSuppression, ...]:
        """Entries that suppressed nothing. An entry is judged only when every model of the
        project its path glob matches was checked (`project` lists them, walked only if needed),
        so a run on a few files never condemns ignores meant for the others."""
        candidates: list[tuple[str, str, str]] = [
            ("per-file-ignores", pattern, f"'{pattern}' = {selector}")
            for pattern, selectors in self.settings.per_file_ignores.items()
            for selector in selectors if (pattern, selector) not in self.used]
        for number, entry in enumerate(self.settings.ignore_ops):
            if number not in self.used:
                what = " ".join(f"{key}={value!r}" for key, value in
                                (("path", entry.path), ("op", entry.op), ("tensor", entry.tensor))
                                if value is not None)
                candidates.append(("ignore-ops", entry.path, f"entry {number + 1} ({what})"))
        models = project() if candidates else []
        found = []
        for setting, pattern, entry_text in candidates:
            matching = {model for model in models if glob_match(model, pattern)}
            if not matching <= checked:
                continue
            detail = f"no finding to suppress in the {len(matching)} model(s) it matches" \
                if matching else "its path matches no model in the project"
            found.append(UnusedSuppression(setting, entry_text, detail))
        return tuple(found)
