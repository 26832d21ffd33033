"""Run models: the original on the CPU reference interpreter, the compiled one on an Edge TPU.

Both get the same inputs: arrays from `--data` (`.npy` for a single input, `.npz` by input name
or order), else seeded random values over the whole range of each input's type. Outputs are
compared after dequantization (SQNR and largest absolute error), and each run is timed over
repeated invokes after one warm-up. numpy and the interpreter are imported here, on use.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from tpulint.verify import tools


class DataError(Exception):
    """Input data that cannot feed the model: one line, exit 3."""


@dataclass
class Timing:
    runs: int
    mean_ms: float
    median_ms: float
    min_ms: float


@dataclass
class OutputComparison:
    name: str
    sqnr_db: float  # inf when the outputs are identical
    max_abs_error: float


@dataclass
class DeviceReport:
    reference: Timing | None = None
    tpu: Timing | None = None
    tpu_skipped: str | None = None  # why the Edge TPU run did not happen
    tpu_error: str | None = None  # the Edge TPU run started but failed
    no_device: bool = False  # skipped because no Edge TPU (or runtime) was found
    device: str | None = None
    outputs: list[OutputComparison] = field(default_factory=list)
    inputs: str = ""  # where the inputs came from


def load_data(path: Path | None, details: list[dict[str, Any]], seed: int) -> list[Any]:
    """One array per model input."""
    import numpy as np

    if path is None:
        rng = np.random.default_rng(seed)
        return [_random(rng, d) for d in details]
    try:
        loaded = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise DataError(f"{path}: cannot read as .npy or .npz: {error}") from None
    if isinstance(loaded, np.ndarray):
        arrays = [loaded]
    else:
        with loaded:
            by_name = {name: loaded[name] for name in loaded.files}
        names = [d["name"] for d in details]
        arrays = [by_name[n] for n in names] if set(names) <= set(by_name) else \
            list(by_name.values())
    if len(arrays) != len(details):
        raise DataError(f"{path}: {len(arrays)} array(s) for {len(details)} model input(s)")
    return [_fit(path, array, d) for array, d in zip(arrays, details, strict=True)]


def _random(rng: Any, detail: dict[str, Any]) -> Any:
    import numpy as np

    dtype, shape = np.dtype(detail["dtype"]), tuple(int(s) for s in detail["shape"])
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)
    if dtype == np.bool_:
        return rng.integers(0, 1, size=shape, endpoint=True).astype(bool)
    return rng.uniform(-1.0, 1.0, size=shape).astype(dtype)


def _fit(path: Path, array: Any, detail: dict[str, Any]) -> Any:
    import numpy as np

    shape = tuple(int(s) for s in detail["shape"])
    if tuple(array.shape) != shape:
        raise DataError(f"{path}: input '{detail['name']}' needs shape {list(shape)}, "
                        f"the data has {list(array.shape)}")
    return np.asarray(array).astype(detail["dtype"], copy=False)


def invoke(interpreter: Any, inputs: list[Any], runs: int) -> tuple[list[Any], Timing]:
    """Outputs of the first invoke and the time of `runs` more."""
    interpreter.allocate_tensors()
    for detail, array in zip(interpreter.get_input_details(), inputs, strict=True):
        interpreter.set_tensor(detail["index"], array)
    interpreter.invoke()  # warm-up; on the Edge TPU it also loads the parameters
    outputs = [interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        interpreter.invoke()
        times.append((time.perf_counter() - start) * 1000)
    ordered = sorted(times)
    timing = Timing(runs, sum(times) / len(times), ordered[len(ordered) // 2], ordered[0]) \
        if times else Timing(0, 0.0, 0.0, 0.0)
    return outputs, timing


def dequantized(interpreter: Any, outputs: list[Any]) -> list[tuple[str, Any]]:
    import numpy as np

    result = []
    for detail, value in zip(interpreter.get_output_details(), outputs, strict=True):
        scale, zero = detail.get("quantization", (0.0, 0))
        data = value.astype(np.float64)
        if scale:
            data = (data - zero) * scale
        result.append((str(detail["name"]), data))
    return result


def compare_outputs(reference: list[tuple[str, Any]],
                    candidate: list[tuple[str, Any]]) -> list[OutputComparison]:
    import numpy as np

    found = []
    for (name, ref), (_, other) in zip(reference, candidate, strict=True):
        noise = float(np.sum((ref - other) ** 2))
        signal = float(np.sum(ref**2))
        sqnr = float("inf") if noise == 0 else (
            10 * float(np.log10(signal / noise)) if signal else float("-inf"))
        error = float(np.max(np.abs(ref - other))) if ref.size else 0.0
        found.append(OutputComparison(name, sqnr, error))
    return found


def edgetpu_interpreter(module: ModuleType, compiled: Path,
                        device: str | None) -> tuple[Any, str] | str:
    """An interpreter running `compiled` on an Edge TPU and the device used, or why not."""
    pycoral = tools.pycoral_edgetpu()
    if pycoral is not None:
        found = pycoral.list_edge_tpus()
        if not found:
            return "no Edge TPU found (pycoral lists none)"
        return pycoral.make_interpreter(str(compiled), device=device), device or \
            f"{found[0]['type']}:0"
    library = tools.edgetpu_library()
    problem = tools.library_loadable(library)
    if problem is not None:
        return f"no Edge TPU found ({problem})"
    options = {"device": device} if device else {}
    try:
        delegate = module.load_delegate(library, options)
    except (ValueError, RuntimeError, OSError) as error:
        return f"no Edge TPU found ({library}: {error})"
    interpreter = module.Interpreter(model_path=str(compiled), experimental_delegates=[delegate])
    return interpreter, device or "first Edge TPU"


def run(module: ModuleType, original: Path, compiled: Path | None, data: Path | None,
        seed: int, runs: int, device: str | None) -> DeviceReport:
    """The CPU reference run, then the Edge TPU run and the comparison when possible, with
    LiteRT's own log lines ("INFO: Created TensorFlow Lite XNNPACK delegate ...") silenced."""
    with native_stderr_silenced():
        return _run(module, original, compiled, data, seed, runs, device)


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """File descriptor 2 goes to the null device: the interpreter's C++ code logs there
    directly, past `sys.stderr`. Python's own `sys.stderr` is flushed first and restored."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with Path(os.devnull).open("w") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _run(module: ModuleType, original: Path, compiled: Path | None, data: Path | None,
         seed: int, runs: int, device: str | None) -> DeviceReport:
    report = DeviceReport(inputs=str(data) if data else f"seeded random (seed {seed})")
    reference = module.Interpreter(model_path=str(original))
    inputs = load_data(data, reference.get_input_details(), seed)
    expected, report.reference = invoke(reference, inputs, runs)
    if compiled is None:
        report.tpu_skipped = "no compiled model"
        return report
    try:
        found = edgetpu_interpreter(module, compiled, device)
        if isinstance(found, str):
            report.tpu_skipped, report.no_device = found, True
            return report
        interpreter, report.device = found
        actual, report.tpu = invoke(interpreter, inputs, runs)
    except (RuntimeError, ValueError) as error:
        # e.g. "Package requires runtime version (14), which is newer than this runtime ..."
        report.tpu_error = str(error).splitlines()[0] if str(error) else type(error).__name__
        return report
    report.outputs = compare_outputs(dequantized(reference, expected),
                                     dequantized(interpreter, actual))
    return report
