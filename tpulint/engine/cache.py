"""Remember each model's result, keyed by the file's content and everything that shapes it.

The key hashes the model's bytes (streamed: models can be large) with a salt made of the tpulint
version, the cache format, the compiler options, the enabled rules and their options, and the size
and modification time of the code that computes results (tpulint's own modules and each enabled
rule's module, so an edited rule or an upgraded plugin never reads stale answers). Results are
stored before suppression, so changing ignores, severities or the baseline needs no new check.

Where: `TPULINT_CACHE_DIR`, else the user's cache directory (`$XDG_CACHE_HOME/tpulint`,
`~/.cache/tpulint`, `~/Library/Caches/tpulint` on macOS, `%LOCALAPPDATA%/tpulint/Cache` on
Windows): never in the project, so nothing appears beside the models. Keys hash the content, so
projects share entries safely. Entries are JSON files, one per key; the directory holds a
`CACHEDIR.TAG` and a `.gitignore` of its own.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tpulint import __version__
from tpulint.analysis.latency import dump_latency, load_latency
from tpulint.analysis.memory import MemoryEstimate
from tpulint.analysis.placement import Fatal
from tpulint.api import Finding, FixPlan, Severity
from tpulint.ir import Location
from tpulint.results import ModelResult, OperatorRow

if TYPE_CHECKING:
    from tpulint.api import Rule
    from tpulint.engine.config import Settings

FORMAT = 1
CHUNK = 1 << 20
# Checking a model reads only its structure; hashing reads every byte. Above this size hashing
# costs more than checking (a 127 MB model checks in 0.3 s without reading its weights).
MAX_CACHED_BYTES = 32 << 20
TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# tpulint's cache: safe to delete.\n"


class Cache:
    def __init__(self, directory: Path, salt: str) -> None:
        self.directory = directory
        self.salt = salt.encode("utf-8")

    @classmethod
    def open(cls, rules: list[Rule], settings: Settings) -> Cache:
        return cls(cache_directory(settings), salt(rules, settings))

    def key(self, path: str) -> str | None:
        """The entry name for the file's current content; None when it cannot be read or is
        too large to be worth hashing."""
        digest = hashlib.sha256(self.salt)
        try:
            if Path(path).stat().st_size > MAX_CACHED_BYTES:
                return None
            with Path(path).open("rb") as stream:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
        except OSError:
            return None
        return digest.hexdigest()

    def _entry(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str, path: str) -> ModelResult | None:
        try:
            data = json.loads(self._entry(key).read_text(encoding="utf-8"))
            return load(data, path)
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing, unreadable or from another format: check again

    def put(self, key: str, result: ModelResult) -> None:
        entry = self._entry(key)
        try:
            text = json.dumps(dump(result), separators=(",", ":"))
        except (TypeError, ValueError):
            return  # a plugin's finding data JSON cannot hold: not cached
        try:
            self._prepare()
            entry.parent.mkdir(exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            Path(temporary).replace(entry)
        except OSError:
            pass  # a read-only or full disk costs speed, never a result

    def _prepare(self) -> None:
        if (self.directory / "CACHEDIR.TAG").exists():
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / ".gitignore").write_text("*\n", encoding="utf-8")
        (self.directory / "CACHEDIR.TAG").write_text(TAG, encoding="utf-8")


def cache_directory(settings: Settings) -> Path:
    configured = os.environ.get("TPULINT_CACHE_DIR")
    return Path(configured) if configured else user_cache_directory()


def user_cache_directory() -> Path:
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "tpulint" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "tpulint"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tpulint"


def salt(rules: list[Rule], settings: Settings) -> str:
    enabled = [(rule.code, {**rule.options, **settings.rules.get(rule.code, {})})
               for rule in rules]
    compiler = settings.compiler_options.as_dict()
    return json.dumps([__version__, FORMAT, compiler, settings.board, settings.host, enabled,
                       _code_stamp(rules)],
                      sort_keys=True, default=str)


def _code_stamp(rules: list[Rule]) -> list[tuple[str, int, int]]:
    files = {Path(p) for p in Path(__file__).parent.parent.rglob("*.py")}  # all of tpulint
    for rule in rules:
        module = sys.modules.get(rule.check.__module__)
        if module is not None and getattr(module, "__file__", None):
            files.add(Path(str(module.__file__)))
    stamp = []
    for file in sorted(files):
        try:
            stat = file.stat()
        except OSError:
            continue
        stamp.append((file.name, stat.st_size, stat.st_mtime_ns))
    return stamp


# Serialisation -------------------------------------------------------------------------------


def dump(result: ModelResult) -> dict[str, Any]:
    return {
        "compiled": result.compiled, "subgraphs": result.subgraphs,
        "operators": [asdict(row) for row in result.operators],
        "findings": [_dump_finding(f, result.path) for f in result.findings],
        "fatal": [asdict(f) for f in result.fatal],
        "memory": None if result.memory is None else asdict(result.memory),
        "latency": None if result.latency is None else dump_latency(result.latency),
        "recipe": result.recipe, "cpu_segments": result.cpu_segments,
        "groups_with_a": result.groups_with_a,
    }


def load(data: dict[str, Any], path: str) -> ModelResult:
    memory = data["memory"]
    return ModelResult(
        path=path, compiled=data["compiled"], subgraphs=data["subgraphs"],
        operators=[OperatorRow(**row) for row in data["operators"]],
        findings=[_load_finding(f, path) for f in data["findings"]],
        fatal=[Fatal(**f) for f in data["fatal"]],
        memory=None if memory is None else MemoryEstimate(**memory),
        latency=None if data["latency"] is None else load_latency(data["latency"]),
        recipe=data["recipe"], cpu_segments=data["cpu_segments"],
        groups_with_a=data["groups_with_a"],
    )


def _dump_location(location: Location, path: str) -> dict[str, Any]:
    # The model's own path is left out: the same content may be checked under another name.
    entry = asdict(location)
    entry["path"] = None if location.path == path else location.path
    return entry


def _load_location(entry: dict[str, Any], path: str) -> Location:
    return Location(**{**entry, "path": entry["path"] if entry["path"] is not None else path})


def _dump_finding(finding: Finding, path: str) -> dict[str, Any]:
    fix = finding.fix
    return {
        "code": finding.code, "name": finding.name, "severity": finding.severity.value,
        "message": finding.message, "location": _dump_location(finding.location, path),
        "operator": finding.operator, "tensor": finding.tensor,
        "related": [_dump_location(r, path) for r in finding.related],
        "fix": None if fix is None else {"settings": dict(fix.settings), "reason": fix.reason,
                                         "safe": fix.safe, "manual": fix.manual},
        "confidence": finding.confidence, "data": dict(finding.data),
    }


def _load_finding(entry: dict[str, Any], path: str) -> Finding:
    fix = entry["fix"]
    return Finding(
        code=entry["code"], name=entry["name"], severity=Severity(entry["severity"]),
        message=entry["message"], location=_load_location(entry["location"], path),
        operator=entry["operator"], tensor=entry["tensor"],
        related=tuple(_load_location(r, path) for r in entry["related"]),
        fix=None if fix is None else FixPlan(**fix),
        confidence=entry["confidence"], data=entry["data"],
    )
