"""Per-file ignores, operator ignores and severity overrides, applied to each model's findings.

Every output format sees the same filtered set. `Suppressions` remembers which entries
suppressed something, so TPU091 can flag the ones that match nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tpulint.api import Finding, Severity, UnusedSuppression
from tpulint.engine.config import IgnoreOp, Settings
from tpulint.engine.discover import glob_match
from tpulint.results import ModelResult, OperatorRow


def override(finding: Finding, settings: Settings) -> Finding:
    severity = settings.severity.get(finding.code)
    return finding.with_severity(Severity(severity)) if severity else finding


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
            kept.append(override(finding, self.settings))
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
