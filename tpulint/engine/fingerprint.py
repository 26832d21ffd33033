"""Stable identity of a finding across runs, for baselines and code-scanning services.

Built from the rule code, the model's root-relative path (`ModelResult.relpath`, never an
absolute one, so a checkout elsewhere gives the same value), the subgraph, the operator type and
its first output's name: it survives re-exports that renumber operators, and changes when the
offending operator does.
"""

from __future__ import annotations

from tpulint.api import Finding

try:  # CPython's own SHA-256: `hashlib` loads OpenSSL first, a few ms of every start-up
    from _sha256 import sha256  # type: ignore[import-not-found]
except ImportError:  # other interpreters and versions: the same digest
    from hashlib import sha256


def fingerprint(finding: Finding, path: str | None = None) -> str:
    """`path` is the finding's file as reports name it; the location's path by default."""
    loc = finding.location
    where = (loc.path if path is None else path).replace("\\", "/")
    parts = [finding.code, where, str(loc.subgraph), finding.operator or "", finding.tensor or ""]
    # surrogateescape: a file name that is not UTF-8 hashes as the bytes it holds
    key = "\x1f".join(parts).encode("utf-8", "surrogateescape")
    digest: str = sha256(key).hexdigest()
    return digest[:32]
