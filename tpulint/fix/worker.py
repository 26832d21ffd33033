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
from tpulint.fix import runner
from tpulint.fix.signature import Mismatch

if TYPE_CHECKING:
    import numpy as np

    from tpulint.fix.signature import Port

DRIFT_SAMPLES = 64


class Unfixable(Exception):
    """The source cannot be converted into what the plan asks: reported as a failed fix."""


def main(argv: list[str]) -> int:
    request_path, result_path = argv
    _die_with_parent(Path(request_path).parent)
    started = time.monotonic()
    request = json.loads(Path(request_path).read_text(encoding="utf-8"))
    try:
        result = run(request)
    except (datasets.DataError, Mismatch) as error:
        result = {"status": "input", "message": str(error)}
    except ModuleNotFoundError as error:
        result = {"status": "missing", "message": str(error.name or error)}
    except Unfixable as error:
        result = {"status": "failed", "message": str(error)}
    except Exception as error:
        result = {"status": "failed", "message": runner.error_line(error)}
    result["seconds"] = round(time.monotonic() - started, 1)
    Path(result_path).write_text(json.dumps(result), encoding="utf-8")
    return 0


def _die_with_parent(scratch: Path) -> None:
    """Remove the scratch folder and exit on SIGTERM, which the kernel sends when tpulint dies
    (Linux `PR_SET_PDEATHSIG`): a killed `fix` leaves no scratch folder behind."""
    import shutil
    import signal

    def leave(signum: int, _frame: object) -> None:
        shutil.rmtree(scratch, ignore_errors=True)
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGHUP, leave)
    runner.die_with_parent(signal.SIGTERM)


def run(request: dict[str, Any]) -> dict[str, Any]:
    phases: dict[str, float] = {"start the worker": round(time.monotonic() - STARTED, 2)}
    cpu_phases: dict[str, float] = {"start the worker": round(time.process_time(), 2)}
    clock = _Clock(phases, cpu_phases)
    conversion = None
    if request["source"]["kind"] != "tflite":  # started first: it takes longest, on the other core
        from tpulint.fix import tfconvert

        conversion = tfconvert.Conversion(request["source"]["kind"], request["source"]["path"],
                                          Path(request["output"]).with_name("source.tflite"))
    try:
        return _run(request, conversion, clock, phases, cpu_phases)
    finally:
        if conversion is not None:
            conversion.stop()


def _run(request: dict[str, Any], conversion: Any, clock: _Clock, phases: dict[str, float],
         cpu_phases: dict[str, float]) -> dict[str, Any]:
    from tpulint.fix import drift, rewrite, signature

    settings: dict[str, Any] = request["settings"]
    spec = datasets.DataSpec(request["data"]["kind"], request["data"]["value"])
    given = tuple(request["range"]) if request.get("range") else None
    path = request["source"]["path"]
    original = Path(request["model"]).read_bytes()
    inputs = signature.ports(rewrite.read(original))
    samples = datasets.load(spec, inputs, request["limit"], given, request["seed"])
    calibration, held_out = split(samples)
    if spec.kind == datasets.RANDOM:
        held_out = datasets.load(spec, inputs, HELD_OUT_RANDOM, given, request["seed"] + 1)
    clock.lap("read the model and the data")
    notes: list[str] = []
    reference = None
    if conversion is None:
        source = original if Path(path) == Path(request["model"]) else Path(path).read_bytes()
        converter = ""
    else:
        from tpulint.fix import tfconvert
        from tpulint.fix.quantize import warm_up

        conversion.send_batch(int(samples[0][0].shape[0]))
        clock.lap(f"import the quantizer {ALONGSIDE}", warm_up)
        reference = drift.Reference(original, held_out)
        clock.lap(f"run the original on the held-out samples {ALONGSIDE}")
        try:
            source, converted_phases = conversion.result(
                sys.stderr if request.get("debug") else None)
        except tfconvert.ConversionFailed as error:
            raise Unfixable(str(error)) from None
        clock.lap("wait for the float .tflite")
        for name, (wall, cpu) in converted_phases.items():
            phases[name], cpu_phases[name] = wall, cpu
        converter = f"TensorFlow {_tf_version()} (float) + "
    per_channel = True
    converted, used = _from_tflite(source, inputs, calibration, settings, per_channel, notes,
                                   quiet_shapes=conversion is not None)
    unknown = _unknown(converted)
    if unknown and settings.get("op_versions"):
        notes.append(f"per-channel weights gave {', '.join(unknown)}: "
                     "retried with per-tensor weights")
        per_channel = False
        converted, used = _from_tflite(source, inputs, calibration, settings, per_channel, [],
                                       quiet_shapes=conversion is not None)
    clock.lap("quantize")
    Path(request["output"]).write_bytes(converted)
    measured = drift.measure(original, converted, held_out, reference)
    clock.lap("measure the drift")
    return {"status": "ok", "message": "", "notes": notes, "converter": converter + used,
            "per_channel": per_channel, "samples": len(calibration),
            "drift_samples": len(held_out), "phases": phases,
            "cpu_phases": cpu_phases,
            "drift": [d.to_json() for d in measured]}


STARTED = time.monotonic()
ALONGSIDE = "(while the source converts)"  # phases that overlap the conversion process
HELD_OUT_SHARE = 4  # every 4th sample is held out from calibration to measure the drift
HELD_OUT_RANDOM = 16


def split(samples: list[list[np.ndarray]]) -> tuple[list[list[np.ndarray]],
                                                     list[list[np.ndarray]]]:
    """Calibration samples and held-out samples (every fourth, at most DRIFT_SAMPLES)."""
    if len(samples) < 2:
        raise datasets.DataError(f"{len(samples)} sample(s): at least 2 are needed, one to "
                                 "calibrate and one held out to measure the drift")
    held = [s for i, s in enumerate(samples) if i % HELD_OUT_SHARE == HELD_OUT_SHARE - 1
            or (len(samples) < HELD_OUT_SHARE and i == len(samples) - 1)][:DRIFT_SAMPLES]
    kept = [s for s in samples if not any(s is h for h in held)]
    return kept, held


class _Clock:
    """Wall and CPU time of each phase of a conversion, for `tools/benchmark_fix.py`."""

    def __init__(self, phases: dict[str, float], cpu_phases: dict[str, float]) -> None:
        self.phases, self.cpu_phases = phases, cpu_phases
        self.last, self.last_cpu = time.monotonic(), time.process_time()

    def lap(self, name: str, work: Any = None) -> None:
        if work is not None:
            work()
        now, cpu = time.monotonic(), time.process_time()
        self.phases[name] = round(now - self.last, 2)
        self.cpu_phases[name] = round(cpu - self.last_cpu, 2)
        self.last, self.last_cpu = now, cpu


def _from_tflite(source: bytes, inputs: list[Port], samples: list[list[np.ndarray]],
                 settings: dict[str, Any], per_channel: bool, notes: list[str],
                 quiet_shapes: bool = False) -> tuple[bytes, str]:
    """Convert `source`, calibrated on `samples` (in the order of `inputs`, the inputs of the
    model being fixed, which `source` may list in another order). `quiet_shapes`: the source
    is a float model converted here from a SavedModel whose batch size is open; fixing it is
    no news to the user."""
    from tpulint.analysis import recipe as recipes
    from tpulint.fix import interface, rewrite, signature
    from tpulint.reader import read_model_bytes

    kind = recipes.classify(read_model_bytes(source)).kind
    if kind == recipes.INT16_ACTIVATIONS:
        raise Unfixable("a 16x8 model keeps no float weights to requantize from: reconvert "
                        "from the source model (--source SavedModel or Keras file)")
    model = rewrite.read(source)
    order = signature.align(inputs, signature.ports(model))
    samples = [[sample[i] for i in order] for sample in samples]
    converter = "tpulint rewrite (no requantization)"
    if kind in (recipes.FLOAT16, recipes.DYNAMIC_RANGE):
        notes.extend(rewrite.to_float(model))
        notes.append(f"{kind} model: quantized again from the float32 weights it holds")
    untouched = kind == recipes.FLOAT  # then `source` is the model as it is: no writing it again
    if settings.get("static_shapes") or _dynamic(model):
        untouched = False
        count = rewrite.freeze_shapes(model, [tuple(v.shape) for v in samples[0]])
        if count and not quiet_shapes:
            notes.append(f"fixed {count} dynamic tensor shape(s) to the data's sizes")
    floating = kind in (recipes.FLOAT, recipes.FLOAT16, recipes.DYNAMIC_RANGE)
    io_type = settings.get("io_type", "int8")
    if floating and settings.get("quantization") == "int8":
        from importlib.metadata import version

        from tpulint.fix.quantize import quantize

        if rewrite.widen_opcodes(model):
            untouched = False
            notes.append("operator codes moved to the field current readers use (the model "
                         "was written in the schema of TensorFlow before 2.3)")
        if signature.add_signature(model):
            untouched = False
            notes.append("gave the model a signature from its inputs and outputs (it had none)")
        key = signature.text(model.signatureDefs[0].signatureKey)
        names = [port.name for port in signature.ports(model)]
        by_name = [dict(zip(names, sample, strict=True)) for sample in samples]
        floats = source if untouched else rewrite.write(model)
        model = rewrite.read(quantize(floats, key, by_name, per_channel))
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


def _tf_version() -> str:
    """TensorFlow's version, from its package metadata (TensorFlow is not imported here)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tensorflow")
    except PackageNotFoundError:
        return "?"


def _dynamic(model: Any) -> bool:
    return any(t.shapeSignature is not None and -1 in list(t.shapeSignature)
               for t in model.subgraphs[0].tensors)


def _unknown(converted: bytes) -> list[str]:
    from tpulint.fix.versions import unknown_versions
    from tpulint.reader import read_model_bytes

    return unknown_versions(read_model_bytes(converted))


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    runner.exit_now(main(sys.argv[1:]))
