"""The reader's scalar plans (`Table.scalars`): the same values as reading field by field, one
plan per table layout however many tables share it, and a field-by-field read, with the same
error, for a table whose layout is corrupt. And the collector paused while a model is read."""

from __future__ import annotations

import gc
import struct
from pathlib import Path

import make_large_model
import pytest

from tpulint._schema.tflite import BUILTIN_OPTIONS, TABLES
from tpulint.engine import batch
from tpulint.engine.config import Settings
from tpulint.reader import ModelReadError, read_model_bytes
from tpulint.reader.tflite import _TENSOR_SCALARS
from tpulint.reader.wire import Table, Wire

ROOT = Path(__file__).resolve().parent.parent
MODELS = sorted({*ROOT.glob("fixtures/*/*.tflite"), *ROOT.glob("tests/data/corpus/*.tflite")})


def _scalar_names(kind: str) -> tuple[str, ...]:
    return tuple(name for name, (_slot, field_kind, _detail, _default) in TABLES[kind].items()
                 if field_kind in ("scalar", "enum"))


def _tables(wire: Wire) -> list[Table]:
    """Every tensor, quantization, operator and options table of the model."""
    found = []
    for subgraph in wire.root("Model").get("subgraphs"):
        for tensor in subgraph.get("tensors"):
            found.append(tensor)
            quantization = tensor.get("quantization")
            if quantization is not None:
                found.append(quantization)
        for op in subgraph.get("operators"):
            found.append(op)
            kind = BUILTIN_OPTIONS.get(op.get("builtin_options_type"), "NONE")
            options = op.union("builtin_options", kind) if kind in TABLES else None
            if options is not None:
                found.append(options)
    return found


@pytest.mark.parametrize("path", MODELS, ids=lambda path: path.stem)
def test_plans_read_what_fields_read(path: Path) -> None:
    wire = Wire(path.read_bytes())
    tables = _tables(wire)
    assert tables
    for table in tables:
        names = _scalar_names(table.kind)
        if not names:
            continue
        assert table.scalars(names) == tuple(table.get(name) for name in names), table.kind
        # and in another order, of some fields only
        assert table.scalars(names[::-2]) == tuple(table.get(name) for name in names[::-2])


def test_one_plan_per_layout_however_many_tables() -> None:
    counts = []
    for blocks in (10, 300):
        data = make_large_model.build(blocks=blocks, channels=4)
        wire = Wire(data)
        for table in _tables(wire):
            names = _scalar_names(table.kind)
            if names:
                table.scalars(names)
        counts.append(len(wire.plans))
    assert counts[0] == counts[1] < 20  # by vtable, not by table: 30 times the tables


def _first_tensor(data: bytes) -> Table:
    return Wire(data).root("Model").get("subgraphs")[0].get("tensors")[0]


def test_a_field_outside_its_table_is_read_field_by_field() -> None:
    data = bytearray(make_large_model.build(blocks=2, channels=4))
    tensor = _first_tensor(bytes(data))
    buffer_entry = tensor.vtable + 2 * (TABLES["Tensor"]["buffer"][0] // 2)
    struct.pack_into("<H", data, buffer_entry, tensor.size)  # the field now lies past the table
    broken = _first_tensor(bytes(data))
    assert broken.scalars(_TENSOR_SCALARS) is None
    with pytest.raises(ModelReadError, match=r"subgraph 0 tensors.*lies outside its table"):
        read_model_bytes(bytes(data))


def test_collector_paused_while_a_model_is_read_and_checked(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    path = tmp_path / "model.tflite"
    path.write_bytes(make_large_model.build(blocks=2, channels=4))
    seen = []
    real = batch.read_model_bytes

    def reading(*args: object) -> object:
        seen.append(gc.isenabled())
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "read_model_bytes", reading)
    assert gc.isenabled()
    _key, result = batch.check_path(str(path), [], Settings(), None)
    assert result.error is None and seen == [False]
    assert gc.isenabled()
