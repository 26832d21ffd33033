"""What the `tpulint fix` tests check on a run and on a fixed model."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tpulint.cli import main
from tpulint.engine.check import check_file
from tpulint.engine.config import load_settings
from tpulint.engine.registry import load_registry
from tpulint.engine.selection import Selection
from tpulint.fix.versions import unknown_versions
from tpulint.reader import read_model

MIN_SQNR = 15.0


def digest(path: Path) -> str:
    if path.is_dir():
        return hashlib.sha256(b"".join(digest(p).encode() for p in sorted(path.rglob("*"))
                                       if p.is_file())).hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fix(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["fix", *arguments, "--isolated"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def sqnr_values(out: str) -> list[float]:
    return [float(v) for v in re.findall(r"SQNR (-?[\d.]+) dB", out)]


def assert_maps_fully(path: Path, io_dtype: str = "int8") -> None:
    """Full integer, static, versions compiler 16 parses, every operator on the Edge TPU."""
    model = read_model(str(path))
    main_graph = model.main
    edges = set(main_graph.inputs) | set(main_graph.outputs)
    for tensor in main_graph.tensors:
        if not tensor.constant:
            wanted = io_dtype if tensor.index in edges else "int8"
            assert tensor.dtype == wanted, (tensor.name, tensor.dtype)
        assert -1 not in (tensor.shape_signature or ()), tensor.name
        assert -1 not in tensor.shape, tensor.name
    assert unknown_versions(model) == []
    settings = load_settings(isolated=True)
    result = check_file(str(path), Selection(load_registry(), settings).enabled, settings)
    assert not result.fatal
    assert result.summary.tpu == result.summary.operators > 0
    assert result.findings == [], [f.message for f in result.findings]
