"""Rebuild the architectures of Coral's "Edge TPU performance benchmarks" table as int8 models.

Latency depends on the architecture (operators, shapes, parameter bytes), not on trained weights,
so each model is built with random weights (`weights=None`), converted with full-integer
quantization (int8 inputs and outputs, a few random calibration images) at the input size Coral
published, and cached. Nothing is downloaded.

Not rebuilt: Inception v1/v4, EfficientNet-EdgeTpu, the SSD detectors and DeepLab (no Keras
application); U-Net MobileNet v2, because this TensorFlow writes its TRANSPOSE_CONV as version 4,
which compiler 16 cannot read.

    python tools/make_latency_models.py [--out DIR] [NAME ...]

Default DIR: /tmp/tpulint-latency. Existing files are kept, so an interrupted run resumes.
Conversion of the large models (VGG, ResNet-152) takes minutes each.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

DEFAULT_OUT = Path("/tmp/tpulint-latency")


def _apps() -> Any:
    import tensorflow as tf

    return tf.keras.applications


def _squeezenet(size: int) -> Any:
    """SqueezeNet 1.1 (Iandola et al. 2016): fire modules, no dense layer."""
    import tensorflow as tf

    layers = tf.keras.layers

    def fire(x: Any, squeeze: int, expand: int) -> Any:
        s = layers.Conv2D(squeeze, 1, activation="relu")(x)
        left = layers.Conv2D(expand, 1, activation="relu")(s)
        right = layers.Conv2D(expand, 3, padding="same", activation="relu")(s)
        return layers.Concatenate()([left, right])

    inputs = tf.keras.Input((size, size, 3), batch_size=1)
    x = layers.Conv2D(64, 3, strides=2, activation="relu")(inputs)
    x = layers.MaxPooling2D(3, 2)(x)
    x = fire(fire(x, 16, 64), 16, 64)
    x = layers.MaxPooling2D(3, 2)(x)
    x = fire(fire(x, 32, 128), 32, 128)
    x = layers.MaxPooling2D(3, 2)(x)
    for squeeze, expand in ((48, 192), (48, 192), (64, 256), (64, 256)):
        x = fire(x, squeeze, expand)
    x = layers.Conv2D(1000, 1, activation="relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    return tf.keras.Model(inputs, layers.Softmax()(x))


def _app(name: str, size: int, **kwargs: Any) -> Callable[[], Any]:
    def build() -> Any:
        import tensorflow as tf

        # A fixed batch of 1, as in Coral's models: no run-time shape arithmetic.
        inputs = tf.keras.Input((size, size, 3), batch_size=1)
        return getattr(_apps(), name)(weights=None, input_tensor=inputs, **kwargs)

    return build


# name -> (input size, builder); names match the rows of tpulint/analysis/latency_data.py
MODELS: dict[str, tuple[int, Callable[[], Any]]] = {
    "mobilenet_v1": (224, _app("MobileNet", 224)),
    "mobilenet_v2": (224, _app("MobileNetV2", 224)),
    "squeezenet": (224, lambda: _squeezenet(224)),
    "densenet121": (224, _app("DenseNet121", 224)),
    "resnet50_v1": (299, _app("ResNet50", 299)),
    "resnet50_v2": (299, _app("ResNet50V2", 299)),
    "inception_resnet_v2": (299, _app("InceptionResNetV2", 299)),
    "resnet152_v2": (299, _app("ResNet152V2", 299)),
    "vgg16": (224, _app("VGG16", 224)),
    "vgg19": (224, _app("VGG19", 224)),
}


def convert(name: str, out: Path) -> Path:
    import numpy as np
    import tensorflow as tf

    size, build = MODELS[name]
    model = build()
    rng = np.random.default_rng(0)

    def representative() -> Iterator[list[Any]]:
        for _ in range(2):
            yield [rng.uniform(-1, 1, (1, size, size, 3)).astype("float32")]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    target = out / f"{name}.tflite"
    partial = target.with_suffix(".part")
    partial.write_bytes(converter.convert())
    partial.replace(target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("names", nargs="*", help=f"some of {', '.join(MODELS)} (default: all)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    unknown = set(args.names) - set(MODELS)
    if unknown:
        parser.error(f"unknown model(s): {', '.join(sorted(unknown))}")
    for name in args.names or list(MODELS):
        if (args.out / f"{name}.tflite").exists():
            continue
        start = time.monotonic()
        path = convert(name, args.out)
        print(f"{path} ({path.stat().st_size / 2**20:.1f} MiB, "
              f"{time.monotonic() - start:.0f} s)", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
