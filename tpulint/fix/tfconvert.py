"""Reconvert a SavedModel or a Keras model with the TensorFlow Lite converter.

Full-integer post-training quantization as Coral documents it: `optimizations=[DEFAULT]`, the
representative dataset, `TFLITE_BUILTINS_INT8` only, and integer (or, when asked, float) inputs
and outputs. Every input size is fixed from the data (batch 1), through a concrete function, so
the result has no dynamic dimension.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np



@dataclass(frozen=True)
class Loaded:
    """The source's inputs, and for a SavedModel a `tf.function` taking them positionally."""

    kind: str
    function: Any  # None for Keras models, which convert through their own export
    names: list[str]
    specs: list[Any]  # tf.TensorSpec per input, None for unknown sizes
    owner: Any  # what keeps the variables alive: the Keras model or the loaded SavedModel

    @property
    def shapes(self) -> list[tuple[int, ...]]:
        return [tuple(-1 if d is None else int(d) for d in spec.shape) for spec in self.specs]


def load(kind: str, path: str) -> Loaded:
    import tensorflow as tf

    if kind == "keras":
        import keras

        model = keras.models.load_model(path, compile=False)
        names = [str(getattr(t, "name", f"input_{i}")).split(":")[0]
                 for i, t in enumerate(model.inputs)]
        specs = [tf.TensorSpec(tuple(t.shape), t.dtype, name=n)
                 for t, n in zip(model.inputs, names, strict=True)]
        return Loaded(kind, None, names, specs, model)
    loaded = tf.saved_model.load(path)
    signatures = dict(loaded.signatures)
    if not signatures:
        raise ValueError(f"{path}: the SavedModel has no serving signature")
    signature = signatures.get("serving_default") or next(iter(signatures.values()))
    spec_map = dict(signature.structured_input_signature[1])
    names = sorted(spec_map)

    def serve(*args: Any) -> Any:
        return signature(**dict(zip(names, args, strict=True)))

    return Loaded(kind, tf.function(serve), names, [spec_map[n] for n in names], loaded)


def convert(source: Loaded, samples: list[list[np.ndarray]], io_type: str,
            per_channel: bool) -> bytes:
    """A full-integer model with every input size taken from the first sample."""
    import tensorflow as tf

    fixed = [tf.TensorSpec(value.shape, spec.dtype, name=name)
             for value, spec, name in zip(samples[0], source.specs, source.names,
                                          strict=True)]
    with tempfile.TemporaryDirectory(prefix="tpulint-keras-") as scratch:
        if source.kind == "keras":
            # Keras 3 models convert through a SavedModel export, here with fixed sizes.
            signature = [fixed] if len(fixed) > 1 else fixed
            source.owner.export(scratch, input_signature=signature, verbose=False)
            converter = tf.lite.TFLiteConverter.from_saved_model(scratch)
        else:
            concrete = source.function.get_concrete_function(*fixed)
            converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete],
                                                                        source.owner)
        return _full_integer(converter, source, samples, io_type, per_channel)


def _full_integer(converter: Any, source: Loaded, samples: list[list[np.ndarray]],
                  io_type: str, per_channel: bool) -> bytes:
    import tensorflow as tf

    converter.optimizations = [tf.lite.Optimize.DEFAULT]

    def representative() -> Iterator[list[Any]]:
        for sample in samples:
            yield [tf.constant(value, dtype=spec.dtype)
                   for value, spec in zip(sample, source.specs, strict=True)]

    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    dtype = getattr(tf, io_type)
    converter.inference_input_type = dtype
    converter.inference_output_type = dtype
    # Per-tensor weights when per-channel ones give versions compiler 16 cannot parse.
    converter._experimental_disable_per_channel = not per_channel
    return bytes(converter.convert())
