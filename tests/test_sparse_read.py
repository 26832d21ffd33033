"""Large models are read without their large payloads, and nothing that reads inside one is lied to.

The reader leaves the payloads of at least `SKIP_BYTES` unread in files of `SPARSE_FROM_BYTES`
or more (lowered here, so small generated models take that path); anything that reads inside
one fills it from the same file first, and counts as a late read, which keeps the result out of
the cache.
"""

from __future__ import annotations

import struct
from pathlib import Path

import make_large_model
import pytest

import tpulint.reader.sparse
from tpulint.engine.batch import check_path
from tpulint.engine.cache import Cache
from tpulint.engine.config import Settings
from tpulint.engine.registry import load_registry
from tpulint.engine.selection import Selection
from tpulint.reader import ModelReadError, read_file, read_model, read_model_bytes, read_source

CHANNELS = 96  # 1x1 convolution weights of 96 x 96 bytes: payloads above SKIP_BYTES


@pytest.fixture
def model_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(tpulint.reader.sparse, "SPARSE_FROM_BYTES", 0)
    path = tmp_path / "model.tflite"
    path.write_bytes(make_large_model.build(blocks=6, channels=CHANNELS))
    return path


def test_large_payloads_are_left_unread_and_the_model_is_the_same(model_path: Path) -> None:
    source = read_source(model_path)
    holes = source.holes
    assert len(holes) == 6  # one per convolution's weights
    assert all(end - start == CHANNELS * CHANNELS for start, end in holes)
    assert not isinstance(source.buffer, bytes)  # anonymous memory, not the file mapped
    sparse, whole = read_model_bytes(source, str(model_path)), read_model_bytes(
        read_file(model_path), str(model_path))
    assert (sparse.subgraphs, sparse.buffers) == (whole.subgraphs, whole.buffers)
    assert source.filled == 0
    assert sum(len(part) for part in source.solid_parts()) == \
        model_path.stat().st_size - 6 * CHANNELS * CHANNELS


def test_a_payload_asked_for_is_read_from_the_file(model_path: Path) -> None:
    model = read_model(model_path)
    weights = model.main.tensors[1]
    span = model.buffers[weights.buffer]
    assert bytes(model.data(weights)) == model_path.read_bytes()[span.offset:][:span.size]
    assert any(bytes(model.data(weights)))
    assert model.source is not None and model.source.filled == 1  # type: ignore[attr-defined]


def test_a_file_changed_before_a_payload_is_read_is_an_error(model_path: Path) -> None:
    model = read_model(model_path)
    with model_path.open("r+b") as stream:
        stream.truncate(model_path.stat().st_size // 2)
    with pytest.raises(ModelReadError, match="changed while it was checked"):
        model.data(model.main.tensors[1])


def test_the_key_covers_what_is_read_not_the_payloads(model_path: Path) -> None:
    settings = Settings()
    cache = Cache.open(Selection(load_registry(plugins=False), settings).enabled, settings)
    key = cache.key(str(model_path))
    start, end = read_source(model_path).holes[0]
    data = bytearray(model_path.read_bytes())
    data[start:end] = bytes(end - start)  # other weights: the check reads none of them
    model_path.write_bytes(data)
    assert cache.key(str(model_path)) == key
    data[start - 1] ^= 0xFF  # a byte the check reads
    model_path.write_bytes(data)
    assert cache.key(str(model_path)) != key


def test_tables_placed_inside_a_payload_are_read(model_path: Path) -> None:
    # A crafted file: the last weights' length grows to cover every table after it, which a
    # reader that trusted the holes would see as zeros.
    data = bytearray(model_path.read_bytes())
    start, _end = read_source(model_path).holes[-1]
    struct.pack_into("<I", data, start - 4, len(data) - start)
    model_path.write_bytes(data)
    source = read_source(model_path)
    assert source.holes[-1] == (start, len(data))
    sparse = read_model_bytes(source, str(model_path))
    whole = read_model_bytes(bytes(data), str(model_path))
    assert (sparse.subgraphs, sparse.buffers) == (whole.subgraphs, whole.buffers)
    assert source.filled > 0


def test_a_result_that_needed_a_late_read_is_not_cached(model_path: Path,
                                                        tmp_path: Path) -> None:
    settings = Settings()
    rules = Selection(load_registry(plugins=False), settings).enabled
    cache = Cache(tmp_path / "cache", "salt")
    key, result = check_path(str(model_path), rules, settings, cache)
    assert key is not None and not result.error
    data = bytearray(model_path.read_bytes())
    start, _end = read_source(model_path).holes[-1]
    struct.pack_into("<I", data, start - 4, len(data) - start)
    model_path.write_bytes(data)
    key, result = check_path(str(model_path), rules, settings, cache)
    assert key is None and not result.error


def test_small_files_are_read_whole_and_hash_only_what_is_read(tmp_path: Path) -> None:
    path = tmp_path / "model.tflite"
    path.write_bytes(make_large_model.build(blocks=2, channels=CHANNELS))
    source = read_source(path)
    assert isinstance(source.buffer, bytes)
    holes = source.holes
    assert len(holes) == 2  # located in memory, for the key
    start, end = holes[0]
    assert source[start:end] == path.read_bytes()[start:end]
    assert source.filled == 1 and source.holes == holes[1:]
