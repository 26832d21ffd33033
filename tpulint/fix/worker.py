"""The conversion worker: `python -m tpulint.fix.worker REQUEST.json RESULT.json`.

tpulint runs conversions in this separate process: importing TensorFlow is slow and noisy, and a
converter can abort the process. The request names the source, the data and the merged plan's
settings; the worker writes the converted model to the requested path and a JSON result
(status `ok`, `input`, `missing` or `failed`, a message, notes and the measured drift).
Nothing here prints to tpulint's output.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tpulint.fix import data as datasets

if TYPE_CHECKING:
    import numpy as np

DRIFT_SAMPLES = 64


class Unfixable(Exception):
    """The source cannot be converted into what the plan asks: reported as a failed fix."""


def main(argv: list[str]) -> int:
    request_path, result_path = argv
    started = time.monotonic()
    request = json.loads(Path(request_path).read_text(encoding="utf-8"))
    try:
        result = run(request)
    except datasets.DataError as error:
        result = {"status": "input", "message": str(error)}
    except ModuleNotFoundError as error:
        result = {"status": "missing", "message": str(error.name or error)}
    except Unfixable as error:
        result = {"status": "failed", "message": str(error)}
    except Exception as error:
        first = (str(error).strip().splitlines() or [""])[0]
        result = {"status": "failed", "message": f"{type(error).__name__}: {first}"}
    result["seconds"] = round(time.monotonic() - started, 1)
    Path(result_path).write_text(json.dumps(result), encoding="utf-8")
    return 0


def run(request: dict[str, Any]) -> dict[str, Any]:
    from tpulint.fix import drift

    settings: dict[str, Any] = request["settings"]
    spec = datasets.DataSpec(request["data"]["kind"], request["data"]["value"])
    value_range = (float(request["range"][0]), float(request["range"][1]))
    kind, path = request["source"]["kind"], request["source"]["path"]
    notes: list[str] = []
    per_channel = True
    if kind == "tflite":
        source = Path(path).read_bytes()
        inputs = _tflite_inputs(source)
        samples = datasets.load(spec, inputs, request["limit"], value_range, request["seed"])
        converted, converter = _from_tflite(source, samples, settings, per_channel, notes)
        unknown = _unknown(converted)
        if unknown and settings.get("op_versions"):
            notes.append(f"per-channel weights gave {', '.join(unknown)}: "
                         "retried with per-tensor weights")
            per_channel = False
            converted, converter = _from_tflite(source, samples, settings, per_channel, [])
    else:
        from tpulint.fix import tfconvert

        loaded = tfconvert.load(kind, path)
        inputs = [datasets.InputInfo(name, shape, "float32")
                  for name, shape in zip(loaded.names, loaded.shapes, strict=True)]
        samples = datasets.load(spec, inputs, request["limit"], value_range, request["seed"])
        io_type = settings.get("io_type", "int8")
        converted = tfconvert.convert(loaded, samples, io_type, per_channel)
        unknown = _unknown(converted)
        if unknown and settings.get("op_versions"):
            notes.append(f"per-channel weights gave {', '.join(unknown)}: "
                         "retried with per-tensor weights")
            per_channel = False
            converted = tfconvert.convert(loaded, samples, io_type, per_channel)
        import tensorflow as tf

        converter = f"TensorFlow {tf.__version__} converter"
    Path(request["output"]).write_bytes(converted)
    original = Path(request["model"]).read_bytes()
    measured = drift.measure(original, converted, samples[:DRIFT_SAMPLES])
    return {"status": "ok", "message": "", "notes": notes, "converter": converter,
            "per_channel": per_channel, "samples": len(samples),
            "drift_samples": min(len(samples), DRIFT_SAMPLES),
            "drift": [d.to_json() for d in measured]}


def _tflite_inputs(model: bytes) -> list[datasets.InputInfo]:
    from ai_edge_litert.interpreter import Interpreter

    details = Interpreter(model_content=model).get_input_details()
    return [datasets.InputInfo(d["name"], tuple(int(x) for x in d["shape_signature"]),
                               str(d["dtype"].__name__)) for d in details]


def _from_tflite(source: bytes, samples: list[list[np.ndarray]], settings: dict[str, Any],
                 per_channel: bool, notes: list[str]) -> tuple[bytes, str]:
    from tpulint.analysis import recipe as recipes
    from tpulint.fix import interface, rewrite
    from tpulint.reader import read_model_bytes

    kind = recipes.classify(read_model_bytes(source)).kind
    if kind == recipes.INT16_ACTIVATIONS:
        raise Unfixable("a 16x8 model keeps no float weights to requantize from: reconvert "
                        "from the source model (--source SavedModel or Keras file)")
    if kind == recipes.COMPILED:
        raise Unfixable("the model is already compiled for the Edge TPU: fix the model it was "
                        "compiled from")
    model = rewrite.read(source)
    converter = "tpulint rewrite (no requantization)"
    if kind in (recipes.FLOAT16, recipes.DYNAMIC_RANGE):
        notes.extend(rewrite.to_float(model))
        notes.append(f"{kind} model: quantized again from the float32 weights it holds")
    if settings.get("static_shapes") or _dynamic(model):
        count = rewrite.freeze_shapes(model, [tuple(v.shape) for v in samples[0]])
        if count:
            notes.append(f"fixed {count} dynamic tensor shape(s) to the data's sizes")
    floating = kind in (recipes.FLOAT, recipes.FLOAT16, recipes.DYNAMIC_RANGE)
    io_type = settings.get("io_type", "int8")
    if floating and settings.get("quantization") == "int8":
        from importlib.metadata import version

        from tpulint.fix.quantize import quantize

        model = rewrite.read(quantize(rewrite.write(model), samples, per_channel))
        converter = (f"ai-edge-quantizer {version('ai-edge-quantizer')}, static int8, "
                     f"min/max calibration, {'per-channel' if per_channel else 'per-tensor'} "
                     "weights")
        changed = rewrite.normalize_versions(model)
        if changed:
            notes.append("operator versions set for int8: " + ", ".join(changed))
    elif io_type in ("int8", "uint8"):
        stripped = interface.strip_float_io(model)
        if stripped:
            notes.append(f"removed {stripped} float input/output conversion(s)")
    if io_type in ("uint8", "float32") and interface.wrap_io(model, io_type):
        notes.append(f"{io_type} inputs and outputs around the int8 model")
    return rewrite.write(model), converter


def _dynamic(model: Any) -> bool:
    return any(t.shapeSignature is not None and -1 in list(t.shapeSignature)
               for t in model.subgraphs[0].tensors)


def _unknown(converted: bytes) -> list[str]:
    from tpulint.fix.versions import unknown_versions
    from tpulint.reader import read_model_bytes

    return unknown_versions(read_model_bytes(converted))


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.exit(main(sys.argv[1:]))
