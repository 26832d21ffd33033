"""The one error the reader raises."""

from __future__ import annotations


class ModelReadError(Exception):
    """A file that cannot be read as a TensorFlow Lite model.

    `step` names the parse step that failed ("open", "file identifier", "subgraph 0 tensors", ...).
    """

    def __init__(self, path: str, step: str, reason: str) -> None:
        super().__init__(f"{path}: cannot read {step}: {reason}")
        self.path = path
        self.step = step
        self.reason = reason
