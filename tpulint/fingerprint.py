"""Stable identity of a finding across runs, for baselines and code-scanning services.

Built from the rule code, the model's repository path, the subgraph, the operator type and its
first output's name: it survives re-exports that renumber operators, and changes when the
offending operator does.
"""

from __future__ import annotations

import hashlib

from tpulint.api import Finding


def fingerprint(finding: Finding) -> str:
    loc = finding.location
    parts = [finding.code, loc.path.replace("\\", "/"), str(loc.subgraph),
             finding.operator or "", finding.tensor or ""]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]
