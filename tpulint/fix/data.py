"""Representative data: what calibrates the quantizer and what the drift is measured on.

Accepted: a `.npy` file (one input: an array of samples stacked on the batch axis), a `.npz` file
(one array per input, by input name or in input order), a folder of images (resized to the
model input and scaled to `--input-range`), or `module:callable` returning an iterable of samples
(each an array, a list of arrays in input order, or a dict by input name; TensorFlow's
`representative_dataset` generators qualify). Random data only with `--random-calibration`.

Samples are lists of arrays in the order of the model's inputs; dict keys and `.npz` names are
the inputs' signature names (or tensor names). Every value is checked against its input
(`scale`). `parse` runs in tpulint's process (no numpy); `load` runs in the conversion worker.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tpulint.fix.scale import DataError as DataError
from tpulint.fix.scale import check_ranges, conform, input_range
from tpulint.fix.signature import Port

if TYPE_CHECKING:
    import numpy as np

NPY, NPZ, IMAGES, CALLABLE, RANDOM = "npy", "npz", "images", "callable", "random"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif")
CALLABLE_PATTERN = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


@dataclass(frozen=True)
class DataSpec:
    kind: str
    value: str = ""

    def describe(self) -> str:
        if self.kind == RANDOM:
            return "seeded random data (--random-calibration)"
        return {NPY: "array", NPZ: "arrays", IMAGES: "images", CALLABLE: "generator"}[
            self.kind] + f" {self.value}"


def parse(value: str | None, random: bool) -> DataSpec:
    """Check the data argument without loading it."""
    if value is None:
        if random:
            return DataSpec(RANDOM)
        raise DataError("representative data is required: --data FILE|FOLDER|module:callable "
                        "(or --random-calibration, which does not preserve accuracy)")
    path = Path(value)
    if path.is_dir():
        if not any(p.suffix.lower() in IMAGE_SUFFIXES for p in path.iterdir()):
            raise DataError(f"{value}: folder has no images ({', '.join(IMAGE_SUFFIXES)})")
        return DataSpec(IMAGES, value)
    if path.suffix.lower() in (".npy", ".npz"):
        if not path.is_file():
            raise DataError(f"{value}: data file not found")
        return DataSpec(path.suffix.lower()[1:], value)
    if CALLABLE_PATTERN.match(value) and not path.exists():
        return DataSpec(CALLABLE, value)
    if not path.exists():
        raise DataError(f"{value}: data not found (a .npy/.npz file, an image folder or "
                        "module:callable)")
    raise DataError(f"{value}: unsupported data (a .npy/.npz file, an image folder or "
                    "module:callable)")


def load(spec: DataSpec, inputs: list[Port], limit: int,
         given: tuple[float, float] | None, seed: int) -> list[list[np.ndarray]]:
    """Up to `limit` samples, each a float32 array per input with a batch dimension of 1, in the
    input's own scale; `given` is `--input-range` (None when not given)."""
    if spec.kind == NPY:
        samples = _rows([_read_array(spec.value)], inputs, spec.value, given)
    elif spec.kind == NPZ:
        samples = _rows(_read_npz(spec.value, inputs), inputs, spec.value, given)
    elif spec.kind == IMAGES:
        samples = _images(Path(spec.value), inputs, limit, given)
    elif spec.kind == CALLABLE:
        samples = _generated(spec.value, inputs, limit, given)
    else:
        samples = _random(inputs, limit, given, seed)
    if not samples:
        raise DataError(f"{spec.describe()}: no samples")
    samples = samples[:limit]
    if spec.kind in (NPY, NPZ, CALLABLE):
        check_ranges(samples, inputs, spec.value, given)
    return samples


def generated_range(port: Port, given: tuple[float, float] | None) -> tuple[float, float]:
    """The range images are scaled to and random data drawn from: the input's, else -1..1."""
    return input_range(port, given) or (-1.0, 1.0)


def _read_array(path: str) -> np.ndarray:
    import numpy as np

    try:
        return np.asarray(np.load(path, allow_pickle=False))
    except (OSError, ValueError) as error:
        raise DataError(f"{path}: cannot read as a .npy array: {error}") from None


def _read_npz(path: str, inputs: list[Port]) -> list[np.ndarray]:
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: np.asarray(archive[name]) for name in archive.files}
    except (OSError, ValueError) as error:
        raise DataError(f"{path}: cannot read as a .npz archive: {error}") from None
    if len(arrays) == 1 and len(inputs) == 1:
        return list(arrays.values())
    ordered = []
    for position, info in enumerate(inputs):
        key = next((k for k in (info.name, info.key, f"arr_{position}")
                    if k in arrays), None)
        if key is None:
            raise DataError(f"{path}: no array for input '{info.name}' (keys: "
                            f"{', '.join(sorted(arrays))})")
        ordered.append(arrays[key])
    return ordered


def _rows(arrays: list[np.ndarray], inputs: list[Port], origin: str,
          given: tuple[float, float] | None) -> list[list[Any]]:
    if len(arrays) != len(inputs):
        raise DataError(f"{origin}: {len(arrays)} array(s) for {len(inputs)} model inputs")
    counts = {len(a) for a in arrays if a.ndim}
    if len(counts) != 1:
        raise DataError(f"{origin}: arrays hold different numbers of samples")
    for array, info in zip(arrays, inputs, strict=True):
        if array.ndim != len(info.shape):
            raise DataError(f"{origin}: array of shape {list(array.shape)} for input "
                            f"'{info.name}' {list(info.shape)}: stack samples on the batch axis")
    total = counts.pop()
    return [[_fit(array[i:i + 1], info, origin, given)
             for array, info in zip(arrays, inputs, strict=True)] for i in range(total)]


def _fit(sample: Any, info: Port, origin: str, given: tuple[float, float] | None) -> np.ndarray:
    """A float32 sample with a batch dimension of 1 whose static sizes match the input."""
    import numpy as np

    array = np.asarray(sample)
    if array.ndim == len(info.shape) - 1:
        array = array[np.newaxis]
    wanted = (1, *info.shape[1:])
    if array.ndim != len(info.shape) or any(
            want not in (-1, got)
            for want, got in zip(wanted, array.shape, strict=True)):
        raise DataError(f"{origin}: sample of shape {list(array.shape)} does not fit input "
                        f"'{info.name}' {list(info.shape)}")
    return conform(array, info, origin, given)


def _images(folder: Path, inputs: list[Port], limit: int,
            given: tuple[float, float] | None) -> list[list[np.ndarray]]:
    import numpy as np

    if len(inputs) != 1 or len(inputs[0].shape) != 4 or -1 in inputs[0].shape[1:]:
        raise DataError(f"{folder}: an image folder needs one input of static shape "
                        "[1, height, width, channels]; use a .npy file instead")
    _, height, width, channels = inputs[0].shape
    import tensorflow as tf

    low, high = generated_range(inputs[0], given)
    samples = []
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
        try:
            image = tf.io.decode_image(path.read_bytes(), channels=channels,
                                       expand_animations=False)
        except (tf.errors.InvalidArgumentError, OSError) as error:
            raise DataError(f"{path}: cannot decode image: "
                            f"{str(error).splitlines()[0]}") from None
        pixels = tf.image.resize(tf.cast(image, tf.float32), (height, width)).numpy()
        scaled = low + pixels / 255.0 * (high - low)
        samples.append([scaled[np.newaxis].astype(np.float32)])
        if len(samples) >= limit:
            break
    return samples


def _generated(target: str, inputs: list[Port], limit: int,
               given: tuple[float, float] | None) -> list[list[np.ndarray]]:
    module_name, _, attribute = target.partition(":")
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:
        function = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise DataError(f"{target}: cannot import: {error}") from None
    try:
        produced: Iterable[Any] = function()
        samples = []
        for item in produced:
            samples.append(_sample(item, inputs, target, given))
            if len(samples) >= limit:
                break
    except DataError:
        raise
    except Exception as error:
        raise DataError(f"{target} raised {type(error).__name__}: {error}") from None
    return samples


def _sample(item: Any, inputs: list[Port], origin: str,
            given: tuple[float, float] | None) -> list[np.ndarray]:
    if isinstance(item, dict):
        missing = [i.name for i in inputs if i.name not in item and i.key not in item]
        if missing:
            raise DataError(f"{origin}: sample has no value for input(s) {', '.join(missing)}")
        values = [item[i.name] if i.name in item else item[i.key] for i in inputs]
    elif isinstance(item, (list, tuple)):
        values = list(item)
    else:
        values = [item]
    if len(values) != len(inputs):
        raise DataError(f"{origin}: sample has {len(values)} value(s) for {len(inputs)} inputs")
    return [_fit(v, info, origin, given) for v, info in zip(values, inputs, strict=True)]


def _random(inputs: list[Port], limit: int, given: tuple[float, float] | None,
            seed: int) -> list[list[np.ndarray]]:
    import numpy as np

    for info in inputs:
        if -1 in info.shape[1:]:
            raise DataError(f"input '{info.name}' {list(info.shape)} has dynamic sizes: random "
                            "data needs them; give real data")
    rng = np.random.default_rng(seed)
    ranges = [generated_range(info, given) for info in inputs]
    return [[rng.uniform(low, high, (1, *info.shape[1:])).astype(np.float32)
             for info, (low, high) in zip(inputs, ranges, strict=True)] for _ in range(limit)]
