"""What `fix` converts from: a SavedModel directory, a Keras file, or a float `.tflite` alone.

Detection looks at the path only (and the first bytes of a `.tflite`), never imports TensorFlow:
a wrong source is a one-line error before any converter starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SAVED_MODEL = "savedmodel"
KERAS = "keras"
TFLITE = "tflite"

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


class SourceError(Exception):
    """The source model is missing or of a kind `fix` cannot convert: exit 3."""


@dataclass(frozen=True)
class Source:
    kind: str
    path: str

    @property
    def needs_tensorflow(self) -> bool:
        return self.kind in (SAVED_MODEL, KERAS)

    def describe(self) -> str:
        names = {SAVED_MODEL: "SavedModel", KERAS: "Keras model", TFLITE: "TFLite model"}
        return f"{names[self.kind]} {self.path}"


def detect(path: str) -> Source:
    """The kind of `path`, or a `SourceError` saying why it cannot be a source."""
    candidate = Path(path)
    if not candidate.exists():
        raise SourceError(f"{path}: source model not found")
    if candidate.is_dir():
        if (candidate / "saved_model.pb").is_file() or (candidate / "saved_model.pbtxt").is_file():
            return Source(SAVED_MODEL, path)
        raise SourceError(f"{path}: a directory without saved_model.pb is not a SavedModel")
    suffix = candidate.suffix.lower()
    if suffix in KERAS_SUFFIXES:
        return Source(KERAS, path)
    if suffix == ".tflite" or _is_tflite(candidate):
        return Source(TFLITE, path)
    raise SourceError(f"{path}: not a SavedModel directory, a Keras file (.keras, .h5) or a "
                      ".tflite model")


def source_given_as_model(model: str) -> str:
    """The message for a SavedModel folder or Keras file given where the .tflite goes, or ""."""
    try:
        kind = detect(model).kind
    except SourceError:
        return ""
    if kind == TFLITE:
        return ""
    what = "a SavedModel folder" if kind == SAVED_MODEL else "a Keras model"
    return (f"{model}: {what}, not a .tflite: pass it as --source {model}, with MODEL the "
            ".tflite converted from it")


def _is_tflite(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            head = stream.read(8)
    except OSError:
        return False
    return head[4:8] == b"TFL3"


def from_settings(model_path: str, table: Mapping[str, Any],
                  root: str) -> tuple[str | None, str | None]:
    """The configured source and representative data for `model_path`, as
    `[tool.tpulint.fix.sources."<model>"] model = ..., representative-data = ...`."""
    sources = table.get("sources", {})
    if not isinstance(sources, dict):
        return None, None
    base = Path(root)
    wanted = _normal(Path(model_path))
    for key, entry in sources.items():
        if not isinstance(entry, dict) or _normal(base / str(key)) != wanted:
            continue
        model = entry.get("model")
        data = entry.get("representative-data")
        model_path_out = str(base / model) if isinstance(model, str) else None
        data_out = _data_path(data, base) if isinstance(data, str) else None
        return model_path_out, data_out
    return None, None


def _normal(path: Path) -> Path:
    return path.resolve()


def _data_path(value: str, base: Path) -> str:
    """Files are relative to the configuration; `module:callable` stays as it is."""
    from tpulint.fix.data import CALLABLE_PATTERN

    if CALLABLE_PATTERN.match(value) and not (base / value).exists():
        return value
    return str(base / value)
