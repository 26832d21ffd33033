"""Representative data checked against the inputs it feeds, before any conversion.

Calibration and the drift check see the same data, so data in the wrong scale (uint8 pixels
0..255 for an input that takes -1..1) passes the drift check while the fixed model is wrong on
real inputs. Hence nothing is guessed: numbers only (no complex, no strings), finite values, and
data that matches the input's range. Integer data for a real-valued input is scaled only when
`--input-range` says to what; whole numbers 0..255 for a float input whose range is not known
are refused as raw pixels. An input's range is `--input-range` when given, else its own
quantization's for an integer input; a float input's range is not written in the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tpulint.fix.signature import Port

if TYPE_CHECKING:
    import numpy as np

REAL_VALUED = ("float32", "float16", "int8", "uint8")  # int8/uint8: quantized real values
_TOLERANCE = 0.05  # of the range's width: what a rounded quantization range can miss by


class DataError(Exception):
    """Representative data that is missing or does not fit the model: exit 3."""


def input_range(port: Port, given: tuple[float, float] | None) -> tuple[float, float] | None:
    """The float range `port` takes: `--input-range`, else its quantization's, else unknown."""
    if given is not None:
        return given
    if port.dtype in ("int8", "uint8") and port.scale:
        low, high = (-128, 127) if port.dtype == "int8" else (0, 255)
        return port.scale * (low - port.zero_point), port.scale * (high - port.zero_point)
    return None


def conform(array: np.ndarray, port: Port, origin: str,
            given: tuple[float, float] | None) -> np.ndarray:
    """One sample as float32 values in the input's own scale, or a `DataError` saying why not."""
    import numpy as np

    kind = array.dtype.kind
    if kind not in "biuf":
        raise DataError(f"{origin}: input '{port.name}' gets {array.dtype} data: give real "
                        "numbers (float32 in the model's own scale)")
    if kind in "biu" and port.dtype in REAL_VALUED:
        if given is None:
            raise DataError(f"{origin}: input '{port.name}' takes real values but the data is "
                            f"{array.dtype}: give float data in the model's own scale, or "
                            "--input-range=LOW,HIGH (the model's float range) to scale it")
        low, high = (0, 1) if kind == "b" else _limits(array.dtype)
        share = (array.astype(np.float64) - low) / (high - low)
        return (given[0] + share * (given[1] - given[0])).astype(np.float32)
    values = array.astype(np.float32)
    if not np.isfinite(values).all():
        raise DataError(f"{origin}: input '{port.name}' gets NaN or infinite values: give "
                        "finite data")
    return values


def _limits(dtype: np.dtype) -> tuple[int, int]:
    import numpy as np

    info = np.iinfo(dtype)
    return int(info.min), int(info.max)


def check_ranges(samples: list[list[np.ndarray]], ports: list[Port], origin: str,
                 given: tuple[float, float] | None) -> None:
    """Refuse data whose values cannot be in the scale of the input they feed."""
    import numpy as np

    for position, port in enumerate(ports):
        if port.dtype not in REAL_VALUED:
            continue
        values = np.concatenate([sample[position].ravel() for sample in samples])
        low, high = float(values.min()), float(values.max())
        wanted = input_range(port, given)
        if wanted is not None:
            slack = _TOLERANCE * (wanted[1] - wanted[0])
            if low < wanted[0] - slack or high > wanted[1] + slack:
                why = "--input-range" if given is not None else "its quantization"
                raise DataError(f"{origin}: input '{port.name}' gets values {low:g}..{high:g}, "
                                f"outside its range {wanted[0]:g}..{wanted[1]:g} ({why}): give "
                                "data in the model's own scale")
        elif low >= 0 and 1.5 < high <= 255 and bool(np.all(values == np.round(values))):
            raise DataError(f"{origin}: input '{port.name}' gets whole numbers "
                            f"{low:g}..{high:g}, raw pixels by the look of it: give data in the "
                            "model's own scale, or --input-range=LOW,HIGH (0,255 if the model "
                            "takes pixels as they are)")
