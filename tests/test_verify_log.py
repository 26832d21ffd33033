"""The compiler output parser on real operation logs (tests/data/verify/logs, sources in the
README there) and on stdout in the shape the compiler prints it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tpulint.verify.log import StatusRow, parse, parse_size

LOGS = Path(__file__).parent / "data" / "verify" / "logs"
MAPPED = "Mapped to Edge TPU"
UNSPECIFIED = "Operation is otherwise supported, but not mapped due to some unspecified limitation"
DATA_TYPE = "Operation is working on an unsupported data type"
SUBGRAPH = "More than one subgraph is not supported"
RANK = "Tensor has unsupported rank (up to 3 innermost dimensions mapped)"


def rows(*table: tuple[str, int, str]) -> list[StatusRow]:
    return [StatusRow(*row) for row in table]


def read(name: str) -> str:
    return (LOGS / name).read_text(encoding="utf-8")


def test_compiler_16_log() -> None:
    output = parse(read("pperonski+KapiBara-ROS-2-Package__model__model_edgetpu.log"))
    assert output.compiler_version == "16.0.384591198"
    assert len(output.reports) == 1
    report = output.reports[0]
    assert (report.input, report.output) == ("model.tflite", "model_edgetpu.tflite")
    assert report.rows == rows(
        ("QUANTIZE", 1, UNSPECIFIED), ("DEQUANTIZE", 1, DATA_TYPE),
        ("FULLY_CONNECTED", 5, MAPPED), ("RESHAPE", 1, MAPPED), ("SOFTMAX", 1, MAPPED),
        ("CONV_2D", 1, MAPPED))
    assert output.errors == []
    assert output.succeeded is None  # a log does not say; stdout does


def test_compiler_2_1_log() -> None:
    output = parse(read("EntrepreneurshipShowcase+id-card-matching__model_edgetpu.log"))
    assert output.compiler_version == "2.1.302470888"
    assert output.reports[0].rows == rows(
        ("ADD", 17, MAPPED), ("MAX_POOL_2D", 1, MAPPED), ("PAD", 2, MAPPED), ("MUL", 1, MAPPED),
        ("QUANTIZE", 1, UNSPECIFIED), ("CONV_2D", 53, MAPPED), ("DEQUANTIZE", 1, DATA_TYPE),
        ("FULLY_CONNECTED", 1, MAPPED))


def test_custom_operator_row() -> None:
    report = parse(read("cmpss94068+tensorflowlite__detect_edgetpu.log")).reports[0]
    assert report.statuses("CUSTOM") == rows(("CUSTOM", 1, DATA_TYPE))
    assert sum(row.count for row in report.rows) == 115


def test_compiler_15_table_pasted_from_stdout() -> None:
    output = parse(read("tetutaro+yolo_various_framework__weights__README.md.yolov5s.log"))
    assert output.compiler_version == "15.0.340273435"
    assert output.reports[0].input == "/home/yolov5/yolov5s_int8.tflite"
    assert output.reports[0].rows == rows(
        ("QUANTIZE", 1, MAPPED), ("QUANTIZE", 1, UNSPECIFIED), ("QUANTIZE", 24, SUBGRAPH),
        ("LOGISTIC", 62, SUBGRAPH), ("TRANSPOSE", 3, "Operation not supported"),
        ("SUB", 3, SUBGRAPH), ("CONCATENATION", 1, UNSPECIFIED), ("CONCATENATION", 17, SUBGRAPH),
        ("MAX_POOL_2D", 3, SUBGRAPH), ("STRIDED_SLICE", 9, SUBGRAPH),
        ("STRIDED_SLICE", 4, "Only Strided-Slice with unitary strides supported"),
        ("CONV_2D", 62, SUBGRAPH), ("MUL", 80, SUBGRAPH),
        ("RESIZE_NEAREST_NEIGHBOR", 2, "Operation version not supported"),
        ("RESHAPE", 3, UNSPECIFIED), ("RESHAPE", 3, SUBGRAPH), ("PAD", 6, SUBGRAPH),
        ("ADD", 10, SUBGRAPH))


def test_nothing_mapped_with_rank_status() -> None:
    report = parse(read("MaxwellHogan+coral_wifi_webserver__yolov5n-fp16_edgetpu.log")).report
    assert report is not None
    assert report.statuses("DEQUANTIZE") == rows(("DEQUANTIZE", 60, RANK),
                                                 ("DEQUANTIZE", 71, DATA_TYPE))
    assert not any(row.status == MAPPED for row in report.rows)
    assert sum(row.count for row in report.rows) == 386


def test_several_models_in_one_text() -> None:
    # The two real logs of one co-compilation, joined as a user pasting both would.
    detection = read("zye1996+facemesh_EdgeTPU__models__cocompile__face_detection_front_128_"
                     "full_integer_quant_edgetpu.log")
    landmark = read("zye1996+facemesh_EdgeTPU__models__cocompile__face_landmark_192_"
                    "full_integer_quant_edgetpu.log")
    output = parse(detection + "\n" + landmark)
    assert [r.input for r in output.reports] == [
        "face_detection_front_128_full_integer_quant.tflite",
        "face_landmark_192_full_integer_quant.tflite"]
    assert [r.compiler_version for r in output.reports] == ["15.0.340273435"] * 2
    assert output.reports[0].statuses("QUANTIZE") == rows(("QUANTIZE", 1, UNSPECIFIED),
                                                          ("QUANTIZE", 2, MAPPED))
    assert output.reports[1].rows == rows(
        ("PAD", 3, MAPPED), ("ADD", 20, MAPPED), ("MAX_POOL_2D", 5, MAPPED),
        ("QUANTIZE", 46, MAPPED), ("QUANTIZE", 1, UNSPECIFIED), ("MUL", 23, MAPPED),
        ("DEQUANTIZE", 2, DATA_TYPE), ("CONV_2D", 25, MAPPED), ("MAXIMUM", 23, MAPPED),
        ("DEPTHWISE_CONV_2D", 20, MAPPED))


# Stdout in the shape docs/compiler-facts.md §1 shows (compiler 16, `-s -d`); figures made up.
STDOUT = """\
Edge TPU Compiler version 16.0.384591198
Searching for valid delegate with step 1
Try to compile segment with 254 ops
Started a compilation timeout timer of 180 seconds.

Model compiled successfully in 2745 ms.

Input model: yolov8n_full_integer_quant.tflite
Input size: 3.21MiB
Output model: yolov8n_full_integer_quant_edgetpu.tflite
Output size: 3.89MiB
On-chip memory used for caching model parameters: 3.33MiB
On-chip memory remaining for caching model parameters: 3.73MiB
Off-chip memory used for streaming uncached model parameters: 0.00B
Number of Edge TPU subgraphs: 1
Total number of operations: 255
Operation log: yolov8n_full_integer_quant_edgetpu.log

Model successfully compiled but not all operations are supported by the Edge TPU. A percentage \
of the model will instead run on the CPU, which is slower.
Number of operations that will run on Edge TPU: 230
Number of operations that will run on CPU: 25

Operator                       Count      Status

CONV_2D                        64         Mapped to Edge TPU
CONV_2D                        1          More than one subgraph is not supported
Compilation child process completed within timeout period.
Compilation succeeded!
"""


def test_stdout_summary() -> None:
    output = parse(STDOUT)
    assert output.succeeded is True
    assert output.timeout_seconds == 180
    assert output.compile_ms == 2745
    assert output.search_steps == ["Searching for valid delegate with step 1",
                                   "Try to compile segment with 254 ops"]
    assert len(output.reports) == 1
    report = output.reports[0]
    assert report.input == "yolov8n_full_integer_quant.tflite"
    assert report.output == "yolov8n_full_integer_quant_edgetpu.tflite"
    assert report.input_bytes == round(3.21 * 1024**2)
    assert report.on_chip_used_bytes == round(3.33 * 1024**2)
    assert report.on_chip_remaining_bytes == round(3.73 * 1024**2)
    assert report.off_chip_used_bytes == 0
    assert (report.edgetpu_subgraphs, report.total_operations) == (1, 255)
    assert (report.tpu_operations, report.cpu_operations) == (230, 25)
    assert report.log_file == "yolov8n_full_integer_quant_edgetpu.log"
    assert report.rows == rows(("CONV_2D", 64, MAPPED), ("CONV_2D", 1, SUBGRAPH))


def test_compiler_2_0_says_available() -> None:
    report = parse("On-chip memory available for caching model parameters: 7.62MiB").report
    assert report is not None and report.on_chip_remaining_bytes == round(7.62 * 1024**2)


@pytest.mark.parametrize(("text", "first"), [
    # google-coral/edgetpu#631: an operator version compiler 16 cannot parse.
    ("ERROR: Didn't find op for builtin opcode 'CONV_2D' version '6'. An older version of this "
     "builtin might be supported. Are you using an old TFLite binary with a newer model?\n\n"
     "ERROR: Registration failed.\n\nInvalid model: m.tflite\nModel could not be parsed\n",
     "ERROR: Didn't find op for builtin opcode 'CONV_2D' version '6'. An older version of this "
     "builtin might be supported. Are you using an old TFLite binary with a newer model?"),
    # The generic lines come after the specific ones, whatever the stream order.
    ("Invalid model: m.tflite\nModel not quantized\n", "Model not quantized"),
    ("ERROR: Restored original execution plan after delegate application failure.\n"
     "Compilation failed: Compilation failed due to large activation tensors in model.\n",
     "Compilation failed: Compilation failed due to large activation tensors in model."),
    ("Internal compiler error. Aborting!\nCompilation failed!\n",
     "Internal compiler error. Aborting!"),
    ("loc(\"model/strided_slice\"): error: 'tfl.strided_slice' op is not supported on DarwiNN.",
     "loc(\"model/strided_slice\"): error: 'tfl.strided_slice' op is not supported on DarwiNN."),
])
def test_fatal_errors(text: str, first: str) -> None:
    output = parse(text)
    assert output.errors[0] == first
    assert "ERROR: Registration failed." not in output.errors
    assert output.reports == []


@pytest.mark.parametrize(("text", "expected"), [
    ("0.00B", 0), ("512B", 512), ("2.75KiB", 2816), ("7.31MiB", round(7.31 * 1024**2)),
    ("1.00GiB", 1024**3), ("many", None),
])
def test_sizes(text: str, expected: int | None) -> None:
    assert parse_size(text) == expected
