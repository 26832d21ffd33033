"""`verify`'s results as a `RunResult`, so every CI format of `check` (concise, github, gitlab,
junit, sarif, json-lines, markdown, html) reports verify's TPU5xx findings the same way."""

from __future__ import annotations

from pathlib import Path

from tpulint.api import Rule
from tpulint.engine.config import Settings
from tpulint.engine.discover import relative
from tpulint.results import ModelResult, RunResult
from tpulint.verify.pipeline import Verification


def as_run(results: list[Verification], settings: Settings, rules: list[Rule]) -> RunResult:
    """A model per verified file with its TPU5xx findings (check's own findings are verify's
    input, not its output); a file that could not be used carries its error."""
    models = []
    for result in results:
        relpath = relative(Path(result.path), Path(settings.root))
        if result.error or result.check is None or result.not_verified:
            error = result.error or f"not verified: {result.not_verified or 'no compiler'}"
            models.append(ModelResult(path=result.path, error=error, relpath=relpath))
            continue
        models.append(result.check.replace(findings=list(result.findings), relpath=relpath))
    return RunResult(models, settings, {rule.code: rule for rule in rules})
