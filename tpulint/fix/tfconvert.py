"""Convert a SavedModel or a Keras model into a float `.tflite`, in a process of its own.

The float model then takes the same route as a float `.tflite` source (ai-edge-quantizer with
min/max calibration): one quantizer for every source, and no TensorFlow calibration loop.

The conversion runs in its own process (`python -m tpulint.fix.tfconvert KIND PATH OUT`), started
first: importing TensorFlow and converting take most of the time and one core, while the worker
reads the data, imports the quantizer and runs the original model on the held-out samples on the
other core. The batch size arrives on the process's stdin once the worker has read the data.

A SavedModel is read by the converter's own SavedModel importer, never loaded into Python
(`imported_saved_model`). A Keras model, or a SavedModel whose graph computes shapes at run time,
is loaded once and converted as a frozen concrete function with its batch size taken from the
data. `from_keras_model` and `from_saved_model` are slower for the same float model: the first
exports the Keras model to a SavedModel and reads it back twice, the second loads the SavedModel
three times (MobileNetV2: 22 s and 10 s of CPU time against 5 s and 3.3 s). The inputs keep the
source's names (Keras input names, SavedModel signature keys): that is how `fix` pairs them with
the inputs of the model being fixed (`signature.align`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

from tpulint.fix import runner

SIGNATURE = "serving_default"
OWN_PROCESS = "(own process) "  # prefix of the phases this process reports


class ConversionFailed(Exception):
    """The source did not convert: the converter's message, or how its process died."""


class Conversion:
    """A conversion running in its own process; `result` waits for the float model."""

    def __init__(self, kind: str, path: str, output: Path) -> None:
        self.output, self.report = output, output.with_suffix(".json")
        self.log_path = output.with_suffix(".log")
        self.log: IO[str] = self.log_path.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tpulint.fix.tfconvert", kind, path, str(output)],
            stdin=subprocess.PIPE, stdout=self.log, stderr=self.log, text=True)

    def send_batch(self, batch: int) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(f"{batch}\n")
            self.process.stdin.close()
        except BrokenPipeError:  # it died already: `result` says how
            pass

    def result(self, debug_stream: IO[str] | None = None) -> tuple[bytes, dict[str, Any]]:
        """The float model and the process's phases, or `ConversionFailed`."""
        code = self.process.wait()
        self.log.close()
        log = self.log_path.read_text(encoding="utf-8", errors="replace")
        if debug_stream is not None and log:
            debug_stream.write(log)
        report = json.loads(self.report.read_text(encoding="utf-8")) \
            if self.report.is_file() else {}
        if code == 0 and self.output.is_file():
            return self.output.read_bytes(), report.get("phases", {})
        raise ConversionFailed(report.get("error") or runner.crash(code, log))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()


def main(argv: list[str]) -> int:
    kind, path, output = argv
    runner.die_with_parent()
    phases: dict[str, list[float]] = {}
    report = Path(output).with_suffix(".json")
    last = [time.monotonic(), time.process_time()]

    def lap(name: str) -> None:
        now = [time.monotonic(), time.process_time()]
        phases[OWN_PROCESS + name] = [round(now[0] - last[0], 2), round(now[1] - last[1], 2)]
        last[:] = now

    try:
        import tensorflow  # noqa: F401

        lap("import TensorFlow")
        model = imported_saved_model(path) if kind == "savedmodel" else None
        if model is None:
            batch = int(sys.stdin.readline() or 1)
            model = to_float_tflite(kind, path, batch)
        Path(output).write_bytes(model)
        lap("convert the source to a float .tflite")
    except Exception as error:
        report.write_text(json.dumps({"error": runner.error_line(error)}), encoding="utf-8")
        return 1
    report.write_text(json.dumps({"phases": phases}), encoding="utf-8")
    return 0


def imported_saved_model(path: str) -> bytes | None:
    """The float model of a SavedModel read by the converter's own SavedModel importer, without
    loading it into Python (MobileNetV2: 3.4 s of CPU against 6.2 s loaded and traced); None
    when that does not work or gives a graph that computes shapes at run time (SHAPE operators,
    where the signature leaves the batch size open): then it is traced with a fixed batch."""
    from tensorflow.lite.python import lite
    from tensorflow.python.saved_model import loader_impl

    from tpulint.reader import read_model_bytes

    graphs = loader_impl.parse_saved_model(path).meta_graphs
    serving = [graph for graph in graphs if "serve" in graph.meta_info_def.tags]
    if not serving or not serving[0].signature_def:
        return None
    keys = list(serving[0].signature_def)
    key = SIGNATURE if SIGNATURE in keys else keys[0]
    try:
        converter = lite.TFLiteSavedModelConverterV2(path, {"serve"}, [key])
        model = bytes(converter._convert_from_saved_model(serving[0].graph_def))
    except Exception:  # the traced route gives the error worth reporting
        return None
    graphs_of_model = read_model_bytes(model).subgraphs
    if any(op.opcode == "SHAPE" for graph in graphs_of_model for op in graph.operators):
        return None
    return model


def to_float_tflite(kind: str, path: str, batch: int) -> bytes:
    """The float model of the source at `path` (`keras` or `savedmodel`), batch size `batch`."""
    function, owner = _keras(path, batch) if kind == "keras" else _saved_model(path, batch)
    converter = _frozen_graph_converter()([function], owner)
    converter.experimental_lower_to_saved_model = False  # no SavedModel round trip
    return bytes(converter.convert())


def _frozen_graph_converter() -> Any:
    """TensorFlow's converter of concrete functions, freezing the variables without building a
    second concrete function from the frozen graph: the converter uses only the graph and the
    traced function's inputs and outputs, which keep their names. The same model in 1.4 s of
    CPU instead of 2.7 s (MobileNetV2); TensorFlow's own freezing where its internals differ."""
    import tensorflow as tf
    from tensorflow.lite.python import lite
    from tensorflow.python.framework import convert_to_constants

    class Converter(lite.TFLiteFrozenGraphConverterV2):  # type: ignore[misc]
        def _freeze_concrete_function(self) -> Any:
            function = self._funcs[0]
            try:
                data = convert_to_constants._FunctionConverterDataInEager(
                    func=function, lower_control_flow=False, aggressive_inlining=False)
                graph, _ = convert_to_constants._replace_variables_by_constants(
                    converter_data=data)
            except (AttributeError, TypeError):
                return super()._freeze_concrete_function()
            inputs = [tensor for tensor in function.inputs if tensor.dtype != tf.resource]
            return graph, inputs, function.outputs, function

    return Converter


def _keras(path: str, batch: int) -> tuple[Any, Any]:
    import keras
    import tensorflow as tf

    model = keras.models.load_model(path, compile=False)
    specs = {str(t.name).split(":")[0]: tf.TensorSpec(_sized(t.shape, batch), t.dtype,
                                                      name=str(t.name).split(":")[0])
             for t in model.inputs}
    names = list(specs)

    def serve(**inputs: Any) -> Any:
        given = [inputs[name] for name in names]
        return model(given if len(given) > 1 else given[0], training=False)

    traced: Any = tf.function(serve)
    return traced.get_concrete_function(**specs), model


def _saved_model(path: str, batch: int) -> tuple[Any, Any]:
    import tensorflow as tf

    loaded = tf.saved_model.load(path)
    signatures = dict(loaded.signatures)
    if not signatures:
        raise ValueError(f"{path}: the SavedModel has no serving signature")
    signature = signatures.get(SIGNATURE) or next(iter(signatures.values()))
    given = dict(signature.structured_input_signature[1])
    specs = {name: tf.TensorSpec(_sized(spec.shape, batch), spec.dtype, name=name)
             for name, spec in given.items()}

    def serve(**inputs: Any) -> Any:
        return signature(**inputs)

    traced: Any = tf.function(serve)
    return traced.get_concrete_function(**specs), loaded


def _sized(shape: Any, batch: int) -> list[int | None]:
    """The shape with its batch size fixed (other unknown sizes are fixed later, from the
    data, by `rewrite.freeze_shapes`)."""
    dims = [None if d is None else int(d) for d in list(shape)]
    if dims and dims[0] is None:
        dims[0] = batch
    return dims


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    runner.exit_now(main(sys.argv[1:]))
