"""The latency estimate: operator counts, CPU positions, board arithmetic, reports, options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from irbuild import GraphBuilder

from tpulint.analysis.boards import BOARDS, HOSTS
from tpulint.analysis.cost import operator_cost
from tpulint.analysis.facts import ModelFacts
from tpulint.analysis.latency import MIB, describe, estimate, latency_line
from tpulint.analysis.workload import AFTER, BEFORE, Work, Workload
from tpulint.cli import main
from tpulint.reader import read_model

FIXTURES = Path(__file__).parent.parent / "fixtures"
STRANDING = FIXTURES / "TPU401" / "bad_unsupported_mid.tflite"  # real converter output
GOOD = FIXTURES / "TPU102" / "good_int8.tflite"


def test_operator_arithmetic() -> None:
    g = GraphBuilder()
    x = g.input((1, 8, 8, 16))
    conv = g.tensor((1, 8, 8, 32))
    g.op("CONV_2D", [x, g.const((32, 3, 3, 16)), g.const((32,), "int32")], [conv])
    dw = g.tensor((1, 4, 4, 32))
    g.op("DEPTHWISE_CONV_2D", [conv, g.const((1, 3, 3, 32)), g.const((32,), "int32")], [dw])
    pooled = g.tensor((1, 2, 2, 32))
    g.op("MAX_POOL_2D", [dw], [pooled], options={"filter_width": 2, "filter_height": 2})
    flat = g.unary("RESHAPE", pooled, (1, 128))
    fc = g.tensor((1, 10))
    g.op("FULLY_CONNECTED", [flat, g.const((10, 128)), g.const((10,), "int32")], [fc])
    model = g.model()
    costs = [operator_cost(model.main, op) for op in model.main.operators]
    assert costs[0].macs == 8 * 8 * 32 * 3 * 3 * 16
    assert costs[1].macs == 4 * 4 * 32 * 3 * 3
    assert costs[2].macs == 2 * 2 * 32 * 4
    assert (costs[3].macs, costs[3].elements) == (0, 128)
    assert costs[4].macs == 10 * 128
    # the Edge TPU's time: output channels rounded up to a group of 512
    assert costs[0].array_macs == costs[0].macs * 512 // 32
    assert costs[4].array_macs == 512 * 128
    assert (costs[3].array_macs, costs[2].array_macs) == (0, costs[2].macs)  # no weights


def test_cpu_operators_before_and_after_the_region() -> None:
    g = GraphBuilder()
    x = g.input((1, 8, 8, 4), "float32", quantized=False)
    q = g.unary("QUANTIZE", x, dtype="int8")  # float input: stays on the CPU, before
    a = g.unary("RELU", q)
    b = g.unary("LEAKY_RELU", a, dtype="float32")  # float: CPU, ends the region
    g.unary("RELU", b, dtype="float32")
    model = g.model()
    facts = ModelFacts(model)
    workload = facts.workload
    assert workload.cpu[BEFORE].operators == 1 and workload.cpu[AFTER].operators == 2
    assert workload.tpu.operators == 1
    assert workload.transfer_bytes == 2 * 8 * 8 * 4  # int8 in from QUANTIZE, out to LEAKY


def test_estimate_is_the_board_arithmetic() -> None:
    # a made-up operator time: the shipped one is fitted at 0, which would hide a wrong term
    board, host = BOARDS["usb3"].replace(ms_per_operator=0.25), HOSTS["x86"]
    work = Workload(Work(2 * 10**9, 3 * 10**6, 5, 3 * 10**9), streamed_bytes=4 * MIB,
                    transfer_bytes=MIB, cpu={BEFORE: Work(), "between": Work(),
                                             AFTER: Work(10**9, 10**6, 2)},
                    stranded={7: Work(10**9, 10**6, 2)})
    found = estimate(work, board)
    # array MACs, and the 5 Edge TPU operators
    assert found.tpu_ms == pytest.approx(board.fixed_ms + 3 * board.ms_per_gmac + 5 * 0.25)
    assert found.streaming_ms == pytest.approx(4 * board.ms_per_streamed_mib)
    assert found.transfer_ms == pytest.approx(board.ms_per_transfer_mib)
    cpu = host.fixed_ms + host.ms_per_gmac + host.ms_per_melement
    assert dict(found.cpu_ms) == {AFTER: pytest.approx(cpu)}
    assert found.stranded_cost_ms(7) == pytest.approx(cpu) and found.stranded_cost_ms(1) is None
    assert found.total_ms == pytest.approx(found.tpu_ms + found.streaming_ms
                                           + found.transfer_ms + cpu)
    assert found.low_ms < found.total_ms < found.high_ms
    on_a53 = estimate(work, board, "cortex-a53")
    assert on_a53.host.key == "cortex-a53" and on_a53.total_ms > found.total_ms


def test_boards_without_evidence_give_no_figure() -> None:
    facts = ModelFacts(read_model(STRANDING), board="devboard-micro")
    entry = describe(facts.latency)
    assert entry["estimate"] is False and "no estimate" in entry["reason"]
    assert "total_ms" not in entry
    assert "no estimate" in latency_line(facts.latency)
    assert not facts.latency.stranded_ms  # nor a CPU figure for its Cortex-M7
    usb2 = ModelFacts(read_model(STRANDING), board="usb2").latency
    assert usb2.no_estimate and usb2.stranded_ms  # the CPU cost needs only the host
    on_m7 = ModelFacts(read_model(STRANDING), host="cortex-m7").latency
    assert on_m7.no_estimate.startswith("CPU operators: no estimate")


def test_every_board_states_its_basis() -> None:
    for board in BOARDS.values():
        assert (board.basis and board.host in HOSTS) or not board.supported
        if board.supported:
            assert 0 < board.error <= board.worst and board.ms_per_gmac >= 0.5


def test_check_json_carries_the_latency(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["check", "--isolated", "--no-cache", "--format", "json", str(STRANDING)]
    main(args)
    latency = json.loads(capsys.readouterr().out)["models"][0]["latency"]
    assert latency["board"] == "usb3" and latency["estimate"] is True
    parts = latency["breakdown_ms"]
    assert set(parts) == {"edgetpu_compute", "parameter_streaming", "input_output_transfer",
                          "cpu_before", "cpu_between", "cpu_after"}
    # a toy: the Edge TPU's fixed time per inference outweighs its arithmetic
    fixed = float(f"{BOARDS['usb3'].fixed_ms:.2g}")  # JSON rounds to 2 significant figures
    assert parts["edgetpu_compute"] >= fixed and parts["cpu_after"] > 0
    assert latency["low_ms"] <= latency["total_ms"] <= latency["high_ms"]
    assert latency["extrapolated"] is True  # a toy model, far below the benchmark rows
    [stranded] = latency["stranded_cpu_ms"]
    assert stranded["operator"] == 1 and stranded["ms"] > 0
    main([*args, "--board", "devboard"])
    latency = json.loads(capsys.readouterr().out)["models"][0]["latency"]
    assert (latency["board"], latency["host"]) == ("devboard", "cortex-a53")


def test_board_from_config_and_bad_values(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "tpulint.toml").write_text('board = "devboard"\nhost = "x86"\n')
    config = str(tmp_path / "tpulint.toml")
    main(["check", "--config", config, "--no-cache", "--format", "json", str(GOOD)])
    latency = json.loads(capsys.readouterr().out)["models"][0]["latency"]
    assert (latency["board"], latency["host"]) == ("devboard", "x86")
    (tmp_path / "tpulint.toml").write_text('board = "usb4"\n')
    assert main(["check", "--config", config, str(GOOD)]) == 2
    assert "board must be one of usb3, devboard" in capsys.readouterr().err
    assert main(["check", "--board", "nope", str(GOOD)]) == 2
    assert "argument --board: invalid choice: 'nope'" in capsys.readouterr().err


def test_tpu401_names_the_cpu_time(capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", "--isolated", "--no-cache", "--select", "TPU401", "--format", "json",
          str(STRANDING)])
    [finding] = json.loads(capsys.readouterr().out)["models"][0]["findings"]
    assert "ms of CPU time per inference (estimate on x86, ±" in finding["message"]
    assert finding["data"]["stranded_cpu_ms"] > 0


@pytest.mark.parametrize("fmt", ["sarif", "junit", "full"])
def test_other_formats_carry_it(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", "--isolated", "--no-cache", "--format", fmt, "--color", "never", str(GOOD)])
    out = capsys.readouterr().out
    if fmt == "sarif":
        [artifact] = json.loads(out)["runs"][0]["artifacts"]
        assert artifact["properties"]["tpulint/latency"]["board"] == "usb3"
    elif fmt == "junit":
        assert 'name="latency.total_ms"' in out
    else:
        text = " ".join(out.split())
        assert "ms per inference on USB Accelerator on USB 3" in text
        assert "outside the 2.1-296 ms it was fitted on" in text


def test_cached_estimate_is_the_computed_one_per_board(capsys: pytest.CaptureFixture[str]) -> None:
    def latency(*extra: str) -> object:
        main(["check", "--isolated", "--format", "json", *extra, str(STRANDING)])
        return json.loads(capsys.readouterr().out)["models"][0]["latency"]

    fresh = latency("--no-cache")
    assert latency() == fresh and latency() == fresh  # computed, then read from the cache
    on_devboard = latency("--board", "devboard")
    assert on_devboard != fresh and latency("--board", "devboard") == on_devboard
