"""Read `.tflite` files into the IR (`tpulint.ir.Model`).

`read_model` never prints or exits: anything that stops it is a `ModelReadError` naming the file,
the parse step that failed and why, which the CLI prints as one line.
"""

from __future__ import annotations

from tpulint.reader.errors import ModelReadError
from tpulint.reader.files import read_file, read_source
from tpulint.reader.sparse import FileBytes
from tpulint.reader.tflite import read_model, read_model_bytes

__all__ = ["FileBytes", "ModelReadError", "read_file", "read_model", "read_model_bytes",
           "read_source"]
