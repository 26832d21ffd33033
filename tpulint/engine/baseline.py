"""Adopt the gate on an existing model zoo: remember today's findings, report only new ones.

`tpulint check --write-baseline [FILE]` writes the fingerprint of every finding left after the
ignores; `baseline = "FILE"` in the configuration (relative to its directory) drops findings whose
fingerprint is in it and counts them as suppressed. A fingerprint listed twice absorbs two
findings. Configuration findings (TPU09x) are never baselined.

    {"tool": "tpulint", "version": 1,
     "findings": [{"fingerprint", "code", "path", "location", "message"}]}

`path`, `location` and `message` are there for the reviewer of a baseline diff; only
`fingerprint` is compared.

A configured baseline lies inside the project, the directory holding the configuration: a
repository's `baseline = "../../somewhere"` (or an absolute path, or a link leading out) would
make `--write-baseline` write, and `check` read, a file the repository does not own, so both are
refused. A file named on the command line (`--write-baseline FILE`) is the user's explicit
choice and may be anywhere. The file is replaced atomically, never written through a link.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from tpulint.engine.config import ConfigError
from tpulint.engine.fingerprint import fingerprint
from tpulint.safeio import UnsafeInput, atomic_writer, read_text, replaceable

if TYPE_CHECKING:
    from tpulint.engine.config import Settings
    from tpulint.results import ModelResult

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
                key = fingerprint(finding, result.baseline_path)
                if remaining[key] > 0:
                    remaining[key] -= 1
                    result.suppressed += 1
                else:
                    kept.append(finding)
            result.findings = kept


def configured_path(settings: Settings) -> Path:
    """The configured baseline file; a `ConfigError` if it lies outside the project."""
    root = Path(settings.root)
    path = root / (settings.baseline or DEFAULT_FILE)
    try:
        inside = path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a link loop
        inside = False
    if not inside:
        where = settings.source or "the configuration"
        raise ConfigError(f"baseline = \"{settings.baseline}\" in {where} points outside the "
                          f"project ({root.resolve()}): a configured baseline must lie inside "
                          "it (name another file with --write-baseline FILE)")
    return path


def write(models: list[ModelResult], path: Path) -> int:
    """Write every finding of `models` to `path`; the number written."""
    entries = [{"fingerprint": fingerprint(finding, model.baseline_path), "code": finding.code,
                "path": model.baseline_path, "location": finding.location.anchor,
                "message": finding.message}
               for model in models for finding in model.findings]
    document = {"tool": "tpulint", "version": VERSION, "findings": entries}
    if not replaceable(path, links=True):  # a device, pipe or folder: never replaced
        kind = "a directory" if path.is_dir() else "not a regular file"
        raise UnsafeInput(f"is {kind}: a baseline is written only to a regular file")
    path.parent.mkdir(parents=True, exist_ok=True)
    # ASCII: a file name that is not UTF-8 arrives as `\udcff`, which JSON escapes and reads back
    with atomic_writer(path) as stream:
        stream.write(json.dumps(document, indent=2) + "\n")
    return len(entries)

