"""A whole `check` run: find files, then per configuration select rules, check its models and
filter what they found.

Each model is checked with the settings of its own configuration (`tpulint.engine.projects`):
the models of one configuration are checked together, with its rules, cache key, ignores and
baseline. Results come from `batch` (the cache first, then worker processes with `--jobs`) before
suppression, so changing ignores, severities or the baseline needs no new check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from tpulint.api import ConfigContext, Finding, Rule, UnusedSuppression
from tpulint.engine.batch import Progress, check_files
from tpulint.engine.config import Settings
from tpulint.engine.discover import discover, relative
from tpulint.engine.projects import by_settings
from tpulint.engine.registry import Registry
from tpulint.engine.selection import Selection
from tpulint.engine.suppress import Suppressions, override
from tpulint.results import ModelResult, Project, RunResult


def run(paths: Iterable[str], settings: Settings, registry: Registry,
        force_exclude: bool = False, *, jobs: int = 1, progress: Progress | None = None,
        use_baseline: bool = True,
        settings_at: Callable[[Path], Settings] | None = None) -> RunResult:
    """Check every model under `paths` with the selected rules, and filter the findings.
    `settings_at(directory)` gives the settings of the models in a directory (default:
    `settings` for all); `settings` is the run's own (its root names configuration files)."""
    at = settings_at or (lambda _directory: settings)
    unlisted: list[tuple[str, str]] = []
    found = discover(paths, settings, force_exclude=force_exclude, settings_at=at,
                     problems=unlisted)
    total, done = len(found), 0
    projects = []
    for own, files in by_settings(found, at, first=settings):
        def advance(count: int, _total: int, offset: int = done) -> None:
            if progress:
                progress(offset + count, total)

        projects.append(_check_project(files, own, registry, at, jobs=jobs,
                                       progress=advance if progress else None,
                                       use_baseline=use_baseline, run_root=Path(settings.root)))
        done += len(files)
    projects = [project for project in projects
                if project.models or project.config_findings or project.settings is settings]
    for project in projects:
        if project.settings is not settings:  # reports point from the run's root
            for model in project.models:
                model.relpath = relative(Path(model.path), Path(settings.root))
    # A folder that cannot be listed is bad input of its own, outside any project's models.
    unreadable = [ModelResult(path, error=f"{path}: {reason}", relpath=path)
                  for path, reason in unlisted]
    models = sorted([*(model for project in projects for model in project.models), *unreadable],
                    key=lambda r: r.path)
    config_findings = [f for project in projects for f in project.config_findings]
    return RunResult(models, settings, {rule.code: rule for rule in registry}, config_findings,
                     projects if len(projects) > 1 else [])


def _check_project(files: list[str], settings: Settings, registry: Registry,
                   at: Callable[[Path], Settings], *, jobs: int, progress: Progress | None,
                   use_baseline: bool, run_root: Path) -> Project:
    """The models of one configuration, checked and filtered with its settings."""
    selection = Selection(registry, settings)
    selection.validate_suppressions()
    results = check_files(files, selection.enabled, settings, jobs=jobs, progress=progress)
    root = Path(settings.root)
    suppressions = Suppressions(settings, selection.codes_matching)
    for result in results:
        result.relpath = result.project_relpath = relative(Path(result.path), root)
        if not result.error:
            suppressions.apply(result)
    if use_baseline and settings.baseline:
        from tpulint.engine.baseline import Baseline

        Baseline.load(settings).apply(results)
    checked = {result.relpath for result in results}

    def project() -> list[str]:
        """The project's models: those under its root that this configuration applies to."""
        return [relative(Path(model), root) for model in
                discover([settings.root], settings, settings_at=at)
                if at(Path(model).parent) is settings]

    unused = suppressions.unused(checked, project)
    source = relative(Path(settings.source), run_root) if settings.source else "--config"
    return Project(settings, results, _config_findings(selection.enabled, settings, source,
                                                       unused))


def _config_findings(rules: list[Rule], settings: Settings, source: str,
                     unused: tuple[UnusedSuppression, ...]) -> list[Finding]:
    findings: list[Finding] = []
    for rule in rules:
        if rule.scope == "config":
            findings.extend(rule.check(ConfigContext(rule, source, unused)))
    return [override(finding, settings) for finding in findings]
