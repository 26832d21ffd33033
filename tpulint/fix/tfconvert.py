"""Convert a SavedModel or a Keras model into a float `.tflite`.

The float model then takes the same route as a float `.tflite` source (its sizes fixed from the
data, ai-edge-quantizer with min/max calibration): one quantizer for every source, and no
TensorFlow calibration loop, which runs the representative data through TensorFlow and is most
of the time a TensorFlow full-integer conversion takes. The inputs keep the source's names
(Keras input names, SavedModel signature keys): that is how `fix` pairs them with the inputs of
the model being fixed (`signature.align`).
"""

from __future__ import annotations


def to_float_tflite(kind: str, path: str) -> bytes:
    import tensorflow as tf

    if kind == "keras":
        import keras

        model = keras.models.load_model(path, compile=False)
        converter = tf.lite.TFLiteConverter.from_keras_model(model)
    else:
        loaded = tf.saved_model.load(path)
        if not dict(loaded.signatures):
            raise ValueError(f"{path}: the SavedModel has no serving signature")
        del loaded
        converter = tf.lite.TFLiteConverter.from_saved_model(path)
    return bytes(converter.convert())
