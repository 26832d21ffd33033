"""Convert a SavedModel or a Keras model into a float `.tflite`.

The float model then takes the same route as a float `.tflite` source (ai-edge-quantizer with
min/max calibration): one quantizer for every source, and no TensorFlow calibration loop.

The source is loaded once and converted as a frozen concrete function with its batch size taken
from the data. `from_keras_model` and `from_saved_model` are slower for the same float model:
the first exports the Keras model to a SavedModel and reads it back twice, the second loads the
SavedModel twice before converting it (MobileNetV2: 22 s and 10 s of CPU time against 7 s and
6 s this way). The inputs keep the source's names (Keras input names, SavedModel signature
keys): that is how `fix` pairs them with the inputs of the model being fixed (`signature.align`).
"""

from __future__ import annotations

from typing import Any

SIGNATURE = "serving_default"


def to_float_tflite(kind: str, path: str, batch: int) -> bytes:
    """The float model of the source at `path` (`keras` or `savedmodel`), batch size `batch`."""
    import tensorflow as tf

    function, owner = _keras(path, batch) if kind == "keras" else _saved_model(path, batch)
    converter = tf.lite.TFLiteConverter.from_concrete_functions([function], owner)
    converter.experimental_lower_to_saved_model = False  # no SavedModel round trip
    return bytes(converter.convert())


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
