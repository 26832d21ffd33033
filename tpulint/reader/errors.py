"""The one error the reader raises."""

from __future__ import annotations


class ModelReadError(Exception):
    """A file that cannot be read as a TensorFlow Lite model.

    `step` names the parse step that failed ("open", "file identifier", "subgraph 0 tensors", ...).
    """

    def __init__(self, path: str, step: str, reason: str) -> None:
        where = "" if step == "open" else f"{step}: "
        super().__init__(f"{path}: {where}{reason}")
        self.path = path
        self.step = step
        self.reason = reason
