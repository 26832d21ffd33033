"""Full-integer post-training quantization of a float `.tflite` with ai-edge-quantizer.

The recipe is ai-edge-quantizer's static int8 one (int8 activations per tensor, int8 weights per
channel, or per tensor when asked). Calibration keeps the true minimum and maximum over every
sample (`qsv_utils.min_max_update`): the quantizer's default, a moving average that weighs the
first samples most, clips ranges that later samples reach and loses accuracy on real data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


def quantize(model: bytes, samples: list[list[np.ndarray]], per_channel: bool) -> bytes:
    """An int8 model with int8 inputs and outputs, calibrated on `samples`."""
    from ai_edge_litert.interpreter import Interpreter
    from ai_edge_quantizer import calibrator, qtyping, quantizer, recipe, recipe_manager
    from ai_edge_quantizer.utils import qsv_utils

    chosen = recipe.static_wi8_ai8()
    if not per_channel:
        for entry in chosen:
            entry["op_config"]["weight_tensor_config"]["granularity"] = (
                qtyping.QuantGranularity.TENSORWISE)
    manager = recipe_manager.RecipeManager()
    manager.load_quantization_recipe(chosen)
    signatures = Interpreter(model_content=model).get_signature_list()
    if not signatures:
        raise ValueError("the model has no signature: ai-edge-quantizer calibrates through one")
    key = next(iter(signatures))
    names = list(signatures[key]["inputs"])
    ordered = _ordered(model, key, names)
    dataset: dict[str, Any] = {key: [dict(zip(ordered, sample, strict=True))
                                     for sample in samples]}
    calibration = calibrator.Calibrator(model, num_threads=2,
                                        qsv_update_func=qsv_utils.min_max_update)
    calibration.calibrate(dataset, manager)
    engine = quantizer.Quantizer(model, chosen)
    result = engine.quantize(calibration.get_model_qsvs(), enable_progress_report=False,
                             enable_progress_bar=False)
    if result.quantized_model is None:
        raise ValueError("ai-edge-quantizer returned no model")
    return bytes(result.quantized_model)


def _ordered(model: bytes, key: str, names: list[str]) -> list[str]:
    """Signature input names in the order of the model's input tensors."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=model)
    runner = interpreter.get_signature_runner(key)
    details = runner.get_input_details()
    order = [detail["index"] for detail in interpreter.get_input_details()]
    return sorted(names, key=lambda name: order.index(details[name]["index"])
                  if details[name]["index"] in order else len(order))
