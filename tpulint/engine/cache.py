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

The folder is trusted only as far as it is private: entries are written to private temporary
files and renamed into place (never through a link), read only when they are regular files this
user owns and no one else may write, and checked against the tool version, their key, a digest
of their bytes (so an entry edited by hand or damaged on disk, such as one whose findings were
removed, is not believed) and the types of every field; anything else is a miss. The digest
cannot stop someone who can run tpulint and write to the folder from forging an entry: the
folder's privacy does. Entries have a size cap, and the folder is pruned
by age and total size once a day.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tpulint import __version__
from tpulint.engine.cache_entry import MAX_ENTRY_BYTES, dump, entry_text, load
from tpulint.reader import FileBytes, read_source
from tpulint.reader.errors import ModelReadError
from tpulint.results import ModelResult
from tpulint.safeio import UnsafeInput, atomic_writer, owned_privately, read_regular
from tpulint.typed import well_typed

if TYPE_CHECKING:
    from tpulint.api import Rule
    from tpulint.engine.config import Settings

FORMAT = 6  # raised when what an entry means changes (3: the latency model of array MACs;
# 4: a digest of the fields; 5: keys hash the bytes the check reads, not the weights;
# 6: operator rows as lists, the digest over the entry's bytes as written)
# The key hashes the bytes the check reads (the tables, not the large payloads); above this
# many, hashing would cost about as much as checking.
MAX_CACHED_BYTES = 32 << 20
# Pruning: entries not used for this long go, then the oldest until the folder is this small.
MAX_AGE_SECONDS = 30 * 24 * 3600
MAX_TOTAL_BYTES = 512 << 20
PRUNE_EVERY_SECONDS = 24 * 3600
TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# tpulint's cache: safe to delete.\n"


class Cache:
    """Entries in a folder only this user can write; anything else found there is a miss."""

    def __init__(self, directory: Path, salt: str) -> None:
        self.directory = directory
        self.salt = salt.encode("utf-8")

    @classmethod
    def open(cls, rules: list[Rule], settings: Settings) -> Cache:
        return cls(cache_directory(settings), salt(rules, settings))

    def key_of(self, source: FileBytes) -> str | None:
        """The entry name for a model's bytes as read (the very bytes that are then parsed)
        and the places of the payloads left unread; None when too much was read to be worth
        hashing."""
        holes = source.holes
        if len(source) - sum(end - start for start, end in holes) > MAX_CACHED_BYTES:
            return None
        digest = hashlib.sha256(self.salt)
        for part in source.solid_parts():
            digest.update(part)
        digest.update(repr((len(source), holes)).encode("ascii"))
        return digest.hexdigest()

    def key(self, path: str) -> str | None:
        """The entry name for the file's current content; None when it cannot be read."""
        try:
            return self.key_of(read_source(path))
        except ModelReadError:
            return None

    def _head(self, key: str, body: bytes) -> bytes:
        """What an entry holding `body` (a JSON object) starts with: the tool, its version, the
        cache format, the key and the digest of the body's bytes, as the first fields of one
        JSON object whose remaining fields are the body's (its opening brace becomes a comma).
        Always `_head_size` bytes long."""
        digest = hashlib.sha256(self.salt + key.encode() + body).hexdigest()
        head = json.dumps({"tool": ["tpulint", __version__, FORMAT, key], "digest": digest},
                          separators=(",", ":"))
        return head[:-1].encode() + b","

    def _entry(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str, path: str) -> ModelResult | None:
        """The stored result, or None when missing, unreadable, foreign, tampered with or of
        another tpulint: every doubt is a miss, which only costs a check."""
        entry = self._entry(key)
        try:
            _check_private(entry.parent)  # a link planted as a shard folder is not followed
            raw = read_regular(entry, MAX_ENTRY_BYTES, follow=False, private=True)
            # The digest covers the very bytes then parsed: any change to them is a miss.
            size = len(self._head(key, b""))
            body = b"{" + raw[size:]
            if raw[:size] != self._head(key, body):
                return None  # another tpulint's, or edited or damaged since tpulint wrote it
            result = load(json.loads(body), path)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None
        if not well_typed(result):
            return None
        with contextlib.suppress(OSError):
            os.utime(entry)  # pruning goes by last use
        return result

    def put(self, key: str, result: ModelResult) -> None:
        try:
            body = entry_text(dump(result))
        except (TypeError, ValueError):
            return  # a plugin's finding data JSON cannot hold: not cached
        if body is None:
            return
        data = body.encode("ascii")  # the encoder escapes every other character
        text = (self._head(key, data) + data[1:]).decode("ascii")
        if len(text) > MAX_ENTRY_BYTES:
            return
        try:
            self._prepare()
            entry = self._entry(key)
            _private_directory(entry.parent)
            with atomic_writer(entry, private=True) as stream:
                stream.write(text)
            self._prune_now_and_then()
        except OSError:
            pass  # a read-only or full disk costs speed, never a result

    def _prepare(self) -> None:
        """Create the folder; `UnsafeInput` when it is not ours alone (shared or planted)."""
        _private_directory(self.directory)
        for name, text in ((".gitignore", "*\n"), ("CACHEDIR.TAG", TAG)):
            marker = self.directory / name
            # lstat: a planted link is replaced by the rename below, never written through.
            if not (marker.is_symlink() or not marker.exists()):
                continue
            with atomic_writer(marker, private=True) as stream:
                stream.write(text)

    def _prune_now_and_then(self) -> None:
        stamp = self.directory / "last-pruned"
        try:
            if time.time() - stamp.lstat().st_mtime < PRUNE_EVERY_SECONDS:
                return
        except FileNotFoundError:
            pass
        with atomic_writer(stamp, private=True) as stream:
            stream.write("")
        prune(self.directory)


def _private_directory(directory: Path) -> None:
    """Make `directory` (mode 0700) or check an existing one is a real folder of ours alone."""
    with contextlib.suppress(FileExistsError):
        directory.mkdir(mode=0o700, parents=True)
    _check_private(directory)


def _check_private(directory: Path) -> None:
    info = directory.lstat()
    if not stat.S_ISDIR(info.st_mode) or not owned_privately(info):
        raise UnsafeInput(f"{directory} is not a private folder of this user")


def prune(directory: Path, now: float | None = None) -> int:
    """Remove entries unused for `MAX_AGE_SECONDS`, then the least recently used until the
    entries take at most `MAX_TOTAL_BYTES`; the number removed."""
    now = time.time() if now is None else now
    entries = []
    for sub in directory.iterdir():
        if sub.is_symlink() or not sub.is_dir() or len(sub.name) != 2:
            continue
        for entry in sub.iterdir():
            with contextlib.suppress(OSError):
                info = entry.lstat()
                if stat.S_ISREG(info.st_mode):
                    entries.append((info.st_mtime, info.st_size, entry))
    entries.sort()
    total = sum(size for _mtime, size, _entry in entries)
    removed = 0
    for mtime, size, entry in entries:
        if now - mtime < MAX_AGE_SECONDS and total <= MAX_TOTAL_BYTES:
            break
        with contextlib.suppress(OSError):
            entry.unlink()
            removed += 1
        total -= size
    return removed


def cache_directory(settings: Settings) -> Path:
    """`TPULINT_CACHE_DIR` (which must be absolute: a relative one would put a cache in
    whatever folder tpulint runs from), else the user's cache directory."""
    configured = os.environ.get("TPULINT_CACHE_DIR")
    if configured and not Path(configured).is_absolute():
        from tpulint.engine.config import ConfigError

        raise ConfigError(f"TPULINT_CACHE_DIR must be an absolute path, not {configured!r}")
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
