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
  `bad_data.npy`: the wrong size;
- `scores.tflite`: the classifier with a SOFTMAX on its logits (class scores);
- `two_<same|mixed>.tflite`, `.keras`, `_savedmodel/`: two inputs, `zeta` then `alpha` (so their
  signature's alphabetical order differs from the model's), of equal shapes ([8, 8, 3] both) or
  different ones ([8, 8, 3] and [8, 8, 1]), with data `two_<kind>.npz` in very different ranges
  (zeta ±0.1, alpha ±10): calibrating one input with the other's range ruins the result;
- `detect.tflite`: a YOLO-style head, [1, 6, 64]: 4 box coordinates in pixels (0..640) and 2
  class scores (0..1) in one tensor, and `detect.npy`;
- `unsigned_float16.tflite`, `unsigned_dynamic_range.tflite`: the float16 and dynamic-range
  models without a signature, as many public exports are;
- `old_schema_dynamic_range.tflite`: the dynamic-range model without a signature and with its
  operator codes in `deprecated_builtin_code` alone (`builtin_code` 0), as converters before
  TensorFlow 2.3 wrote them and as Ultralytics' YOLOv8n `_int8` exports still have them;
- `variables.tflite`: a float model that reads its weights from resource variables (a concrete
  function converted without freezing): ai-edge-quantizer's calibration crashes on it;
- `shaped_savedmodel/` and `shaped.tflite`: a convolution whose output is flattened with the
  batch size read at run time (`tf.shape`), a SavedModel with an open batch size and its float
  model with batch 1: the SavedModel importer keeps SHAPE operators in such a graph;
- `inverse_savedmodel/`: a SavedModel with the input of `float32.tflite` whose graph inverts a
  matrix (`tf.linalg.inv`): TensorFlow Lite has no builtin for it, so the converter refuses it.
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


def two_inputs(kind: str) -> keras.Model:
    keras.backend.clear_session()
    keras.utils.set_random_seed(SEED)
    layers = keras.layers
    zeta = keras.Input(SHAPE, name="zeta")
    alpha = keras.Input(SHAPE if kind == "same" else (*SHAPE[:2], 1), name="alpha")
    x = layers.Conv2D(4, 3, padding="same", name="conv_zeta")(zeta)
    y = layers.Conv2D(4, 3, padding="same", name="conv_alpha")(alpha)
    return keras.Model([zeta, alpha], layers.Add(name="sum")([x * 100.0, y]), name="two")


def detector() -> keras.Model:
    keras.backend.clear_session()
    keras.utils.set_random_seed(SEED)
    layers = keras.layers
    inp = keras.Input((8, 8, 3), batch_size=1, name="image")
    boxes = layers.Conv2D(4, 1, activation="sigmoid", name="boxes")(inp)
    boxes = layers.Rescaling(640.0, name="pixels")(boxes)
    scores = layers.Conv2D(2, 1, activation="sigmoid", name="scores")(inp)
    head = layers.Concatenate(name="head")([boxes, scores])
    head = layers.Permute((2, 1), name="features_first")(layers.Reshape((64, 6))(head))
    return keras.Model(inp, head, name="detect")


def without_signature(model: bytes) -> bytes:
    from tpulint.fix import rewrite

    tree = rewrite.read(model)
    tree.signatureDefs = []
    return rewrite.write(tree)


def old_schema(model: bytes) -> bytes:
    from tpulint.fix import rewrite

    tree = rewrite.read(model)
    for code in tree.operatorCodes:
        code.deprecatedBuiltinCode, code.builtinCode = max(code.builtinCode,
                                                           code.deprecatedBuiltinCode), 0
    return rewrite.write(tree)


class Shaped(tf.Module):
    def __init__(self, rng: np.random.Generator) -> None:
        super().__init__()
        self.kernel = tf.Variable(rng.uniform(-0.5, 0.5, (3, 3, 3, 4)).astype(np.float32))

    def forward(self, image: tf.Tensor) -> tf.Tensor:
        features = tf.nn.relu(tf.nn.conv2d(image, self.kernel, 1, "SAME"))
        return tf.reshape(features, [tf.shape(image)[0], -1])


def write_shaped(out: Path, rng: np.random.Generator) -> None:
    shaped = Shaped(rng)
    serve = tf.function(shaped.forward).get_concrete_function(
        tf.TensorSpec((None, *SHAPE), tf.float32, name="image"))
    tf.saved_model.save(shaped, str(out / "shaped_savedmodel"),
                        signatures={"serving_default": serve})
    function = tf.function(shaped.forward).get_concrete_function(
        tf.TensorSpec((1, *SHAPE), tf.float32, name="image"))
    (out / "shaped.tflite").write_bytes(
        tf.lite.TFLiteConverter.from_concrete_functions([function], shaped).convert())


class Inverse(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec((None, *SHAPE), tf.float32, name="image")])
    def forward(self, image: tf.Tensor) -> tf.Tensor:
        return tf.linalg.inv(image[..., 0] + 4.0 * tf.eye(SHAPE[0]))


def write_extra(out: Path, rng: np.random.Generator) -> None:
    inverse = Inverse()
    tf.saved_model.save(inverse, str(out / "inverse_savedmodel"),
                        signatures={"serving_default": inverse.forward})
    for kind in ("same", "mixed"):
        model = two_inputs(kind)
        model.save(out / f"two_{kind}.keras")
        model.export(str(out / f"two_{kind}_savedmodel"), verbose=False)
        (out / f"two_{kind}.tflite").write_bytes(
            tf.lite.TFLiteConverter.from_keras_model(model).convert())
        zeta = rng.uniform(-0.1, 0.1, (32, *SHAPE))
        alpha = rng.uniform(-10.0, 10.0, (32, *model.inputs[1].shape[1:]))
        np.savez(out / f"two_{kind}.npz", zeta=zeta.astype(np.float32),
                 alpha=alpha.astype(np.float32))
    (out / "detect.tflite").write_bytes(
        tf.lite.TFLiteConverter.from_keras_model(detector()).convert())
    np.save(out / "detect.npy", rng.uniform(-1.0, 1.0, (32, 8, 8, 3)).astype(np.float32))
    classifier = network(1)
    scores = keras.Model(classifier.inputs, keras.layers.Softmax()(classifier.outputs[0]))
    (out / "scores.tflite").write_bytes(
        tf.lite.TFLiteConverter.from_keras_model(scores).convert())
    for name in ("float16", "dynamic_range"):
        (out / f"unsigned_{name}.tflite").write_bytes(
            without_signature((out / f"{name}.tflite").read_bytes()))
    (out / "old_schema_dynamic_range.tflite").write_bytes(
        old_schema((out / "unsigned_dynamic_range.tflite").read_bytes()))
    function = tf.function(lambda x: classifier(x)).get_concrete_function(
        tf.TensorSpec((1, *SHAPE), tf.float32, name="image"))
    (out / "variables.tflite").write_bytes(
        tf.lite.TFLiteConverter.from_concrete_functions([function], classifier).convert())


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
    write_extra(out, rng)
    write_shaped(out, rng)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
