"""Adopt the gate on an existing model zoo: remember today's findings, report only new ones.

`tpulint check --write-baseline [FILE]` writes the fingerprint of every finding left after the
ignores; `baseline = "FILE"` in the configuration (relative to its directory) drops findings whose
fingerprint is in it and counts them as suppressed. A fingerprint listed twice absorbs two
findings. Configuration findings (TPU09x) are never baselined.

    {"tool": "tpulint", "version": 1,
     "findings": [{"fingerprint", "code", "path", "location", "message"}]}

`path`, `location` and `message` are there for the reviewer of a baseline diff; only
`fingerprint` is compared.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from tpulint.engine.config import ConfigError
from tpulint.engine.fingerprint import fingerprint
from tpulint.safeio import (
    UnsafeInput,
    atomic_writer,
    is_regular_file_or_missing,
    read_text,
)

if TYPE_CHECKING:
    from tpulint.engine.config import Settings
    from tpulint.results import ModelResult, RunResult

DEFAULT_FILE = ".tpulint-baseline.json"
MAX_BASELINE_BYTES = 64 << 20  # a few hundred bytes a finding
VERSION = 1


class Baseline:
    def __init__(self, fingerprints: Counter[str]) -> None:
        self.fingerprints = fingerprints

    @classmethod
    def load(cls, settings: Settings) -> Baseline:
        return cls.load_file(configured_path(settings))

    @classmethod
    def load_file(cls, path: Path) -> Baseline:
        try:
            document = json.loads(read_text(path, MAX_BASELINE_BYTES))
            entries = document["findings"]
            return cls(Counter(str(entry["fingerprint"]) for entry in entries))
        except FileNotFoundError:
            raise ConfigError(f"baseline {path} does not exist (create it with "
                              "`tpulint check --write-baseline`)") from None
        except OSError as error:
            raise ConfigError(f"baseline {path}: cannot read: {error.strerror}") from None
        except (ValueError, KeyError, TypeError, RecursionError):
            raise ConfigError(f"baseline {path} is not a tpulint baseline file") from None

    def apply(self, results: list[ModelResult]) -> None:
        remaining = Counter(self.fingerprints)
        for result in results:
            kept = []
            for finding in result.findings:
                key = fingerprint(finding, result.relpath)
                if remaining[key] > 0:
                    remaining[key] -= 1
                    result.suppressed += 1
                else:
                    kept.append(finding)
            result.findings = kept


def configured_path(settings: Settings) -> Path:
    return Path(settings.root) / (settings.baseline or DEFAULT_FILE)


def write(run: RunResult, path: Path) -> int:
    """Write every model finding of `run` to `path`; the number written."""
    entries = [{"fingerprint": fingerprint(finding, model.relpath), "code": finding.code,
                "path": model.relpath, "location": finding.location.anchor,
                "message": finding.message}
               for model in run.models for finding in model.findings]
    document = {"tool": "tpulint", "version": VERSION, "findings": entries}
    path.parent.mkdir(parents=True, exist_ok=True)
    if not is_regular_file_or_missing(path):  # never write into a FIFO, device or link
        raise UnsafeInput("not a regular file")
    with atomic_writer(path) as stream:
        stream.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return len(entries)
