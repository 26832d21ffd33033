"""Reading by table layout (`reader.direct`) gives the model reading table by table gives, and
where one of its checks fails the step is read table by table, so errors keep their message."""

from __future__ import annotations

import struct
from pathlib import Path

import make_large_model
import pytest

from tpulint._schema.tflite import TABLES
from tpulint.ir import Model
from tpulint.reader import ModelReadError, read_model_bytes
from tpulint.reader.direct import Direct
from tpulint.reader.wire import Wire

ROOT = Path(__file__).resolve().parent.parent
MODELS = sorted({*ROOT.glob("fixtures/*/*.tflite"), *ROOT.glob("tests/data/**/*.tflite")})
STEPS = ("buffers", "tensors", "operators")


def _table_by_table(monkeypatch: pytest.MonkeyPatch) -> None:
    for step in STEPS:
        monkeypatch.setattr(Direct, step, lambda *args: None)


def _read(data: bytes) -> Model | str:
    try:
        return read_model_bytes(data)
    except ModelReadError as error:
        return f"error: {error}"


def _same(model: Model | str, other: Model | str) -> bool:
    if isinstance(model, str) or isinstance(other, str):
        return model == other
    return (model.subgraphs, model.buffers) == (other.subgraphs, other.buffers)


@pytest.mark.parametrize("path", MODELS, ids=lambda path: path.stem)
def test_layouts_read_what_tables_read(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = path.read_bytes()
    unread: list[str] = []
    for step in STEPS:
        real = getattr(Direct, step)
        monkeypatch.setattr(Direct, step, lambda self, *args, real=real, step=step:
                            real(self, *args) or unread.append(step))
    direct = _read(data)
    assert not isinstance(direct, str) and not unread  # every step of a real model by layout
    monkeypatch.undo()
    _table_by_table(monkeypatch)
    assert _same(direct, _read(data))


def _corruptions() -> list[tuple[str, bytes]]:
    """A generated model with one field of its first tensor, quantization, operator or buffer
    table moved outside its table, pointed outside the file, or its vtable broken."""
    data = make_large_model.build(blocks=2, channels=4)
    root = Wire(data).root("Model")
    graph = root.get("subgraphs")[0]
    tensor, operator = graph.get("tensors")[1], graph.get("operators")[0]
    tables = [tensor, tensor.get("quantization"), operator, root.get("buffers")[1]]
    cases = []
    for table in tables:
        for name, (slot, _kind, _detail, _default) in TABLES[table.kind].items():
            entry = table.vtable + slot
            if slot // 2 >= len(table.offsets) or not table.offsets[slot // 2]:
                continue
            moved = bytearray(data)
            struct.pack_into("<H", moved, entry, table.size + 8)
            cases.append((f"{table.kind}.{name} outside its table", bytes(moved)))
            far = bytearray(data)
            struct.pack_into("<I", far, table.pos + table.offsets[slot // 2], 0x7FFFFFF0)
            cases.append((f"{table.kind}.{name} = 0x7FFFFFF0", bytes(far)))
        broken = bytearray(data)
        struct.pack_into("<H", broken, table.vtable, 3)
        cases.append((f"{table.kind} vtable of 3 bytes", bytes(broken)))
    return cases


@pytest.mark.parametrize(("what", "data"), _corruptions(), ids=[c[0] for c in _corruptions()])
def test_a_corrupt_table_reads_as_table_by_table(what: str, data: bytes,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    direct = _read(data)
    _table_by_table(monkeypatch)
    assert _same(direct, _read(data)), what


def test_most_corruptions_are_errors() -> None:
    # the cases above test something: most of them are errors, not models
    assert sum(isinstance(_read(data), str) for _what, data in _corruptions()) > 20
