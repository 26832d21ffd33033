"""A whole `check` run: select rules, find files, check them, filter what they found.

Results come from `batch` (the cache first, then worker processes with `--jobs`) before
suppression, so changing ignores, severities or the baseline needs no new check.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tpulint.api import ConfigContext, Finding, Rule, UnusedSuppression
from tpulint.engine.batch import Progress, check_files
from tpulint.engine.config import Settings
from tpulint.engine.discover import discover, relative
from tpulint.engine.registry import Registry
from tpulint.engine.selection import Selection
from tpulint.engine.suppress import Suppressions, override
from tpulint.results import ModelResult, RunResult


def run(paths: Iterable[str], settings: Settings, registry: Registry,
        force_exclude: bool = False, *, jobs: int = 1, progress: Progress | None = None,
        use_baseline: bool = True) -> RunResult:
    """Check every model under `paths` with the selected rules, and filter the findings."""
    selection = Selection(registry, settings)
    selection.validate_suppressions()
    unlisted: list[tuple[str, str]] = []
    found = discover(paths, settings, force_exclude=force_exclude, problems=unlisted)
    results = check_files(found, selection.enabled, settings, jobs=jobs, progress=progress)
    results += [ModelResult(path, error=f"{path}: {reason}") for path, reason in unlisted]
    root = Path(settings.root)
    suppressions = Suppressions(settings, selection.codes_matching)
    for result in results:
        result.relpath = relative(Path(result.path), root)
        if not result.error:
            suppressions.apply(result)
    if use_baseline and settings.baseline:
        from tpulint.engine.baseline import Baseline

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
    return [override(finding, settings) for finding in findings]
