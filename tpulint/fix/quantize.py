"""Full-integer post-training quantization of a float `.tflite` with ai-edge-quantizer.

The recipe is ai-edge-quantizer's static int8 one (int8 activations per tensor, int8 weights per
channel, or per tensor when asked). Calibration keeps the true minimum and maximum over every
sample (`qsv_utils.min_max_update`): the quantizer's default, a moving average that weighs the
first samples most, clips ranges that later samples reach and loses accuracy on real data.
The statistics are gathered by the interpreter itself (`CALIBRATION_PROFILER_BASED`: the same
minima and maxima as keeping every tensor and reading it from Python, which is ai-edge-quantizer's
default mode, in a third of the time).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


def warm_up() -> None:
    """Import ai-edge-quantizer (2 s of CPU) while something else waits on another core."""
    from ai_edge_quantizer import calibrator, quantizer  # noqa: F401


def quantize(model: bytes, key: str, samples: list[dict[str, np.ndarray]],
             per_channel: bool) -> bytes:
    """An int8 model with int8 inputs and outputs, calibrated on `samples` by the input names of
    its signature `key` (`signature.add_signature` gives a model without one a signature)."""
    from ai_edge_quantizer import calibrator, qtyping, quantizer, recipe, recipe_manager
    from ai_edge_quantizer.utils import qsv_utils

    chosen = recipe.static_wi8_ai8()
    if not per_channel:
        for entry in chosen:
            entry["op_config"]["weight_tensor_config"]["granularity"] = (
                qtyping.QuantGranularity.TENSORWISE)
    manager = recipe_manager.RecipeManager()
    manager.load_quantization_recipe(chosen)
    dataset: dict[str, Any] = {key: samples}
    calibration = calibrator.Calibrator(
        model, num_threads=2, mode=calibrator.CalibrationMode.CALIBRATION_PROFILER_BASED,
        qsv_update_func=qsv_utils.min_max_update)
    calibration.calibrate(dataset, manager)
    engine = quantizer.Quantizer(model, chosen)
    result = engine.quantize(calibration.get_model_qsvs(), enable_progress_report=False,
                             enable_progress_bar=False)
    if result.quantized_model is None:
        raise ValueError("ai-edge-quantizer returned no model")
    return bytes(result.quantized_model)
