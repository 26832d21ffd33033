"""Make the small models and data the fix tests convert: `python tests/fix_models.py OUTDIR`.

Run in a subprocess by the tests (TensorFlow warns at import, and pytest turns warnings into
errors). Everything is seeded. Writes:

- `net.keras`: a Keras classifier with a dynamic batch (`keras.Input` without `batch_size`),
  and `net.h5`, the same in the legacy HDF5 format;
- `net_savedmodel/`: the same network exported as a SavedModel (dynamic batch);
- `float32.tflite`, `float16.tflite` (`supported_types=[tf.float16]`) and
  `dynamic_range.tflite` (`optimizations=[DEFAULT]`, no dataset): the tutorial recipes;
- `images/`: four 12x10 PNG images (resized to the input by `fix`);
- `data.npy`: 32 samples of shape [8, 8, 3] and different ranges, stacked on the batch axis;
  `bad_data.npy`: the wrong size.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.filterwarnings("ignore")

import keras  # noqa: E402  (after TensorFlow, which picks the backend)
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

SEED = 7
SHAPE = (8, 8, 3)


def network(batch_size: int | None) -> keras.Model:
    keras.backend.clear_session()
    keras.utils.set_random_seed(SEED)
    layers = keras.layers
    inp = keras.Input(SHAPE, batch_size=batch_size, name="image")
    x = layers.Conv2D(16, 3, padding="same", activation="relu", name="conv")(inp)
    y = layers.DepthwiseConv2D(3, padding="same", activation="relu", name="depthwise")(x)
    x = layers.Add(name="residual")([x, y])
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    # 16x64 = 1024 weights: large enough that dynamic-range quantization makes it hybrid.
    x = layers.Dense(64, activation="relu", name="hidden")(x)
    out = layers.Dense(5, name="logits")(x)
    return keras.Model(inp, out, name="net")


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    # Samples of different loudness, as real data has: a calibration that averages ranges
    # instead of keeping min/max (ai-edge-quantizer's default) clips them and fails the drift.
    loudness = rng.uniform(0.2, 3.0, (32, 1, 1, 1))
    samples = rng.uniform(-1.0, 1.0, (32, *SHAPE)) * loudness
    np.save(out / "data.npy", samples.astype(np.float32))
    np.save(out / "bad_data.npy", rng.uniform(-1.0, 1.0, (4, 5, 5, 3)).astype(np.float32))

    images = out / "images"
    images.mkdir(exist_ok=True)
    for number in range(4):
        pixels = rng.integers(0, 256, (12, 10, 3), dtype=np.uint8)
        (images / f"{number}.png").write_bytes(tf.io.encode_png(pixels).numpy())

    dynamic = network(None)
    dynamic.save(out / "net.keras")
    dynamic.save(out / "net.h5")
    dynamic.export(str(out / "net_savedmodel"), verbose=False)

    static = network(1)
    converter = tf.lite.TFLiteConverter.from_keras_model(static)
    (out / "float32.tflite").write_bytes(converter.convert())
    converter = tf.lite.TFLiteConverter.from_keras_model(static)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.target_spec.supported_types = [tf.float16]
    (out / "float16.tflite").write_bytes(converter.convert())
    converter = tf.lite.TFLiteConverter.from_keras_model(static)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    (out / "dynamic_range.tflite").write_bytes(converter.convert())
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
