"""The cache key hashes exactly the bytes a check reads, and a warm run reads nothing else.

A compiled model's parameters (inside the `edgetpu-custom-op`'s options) are most of its bytes
and no check reads them, so they are left out of the key like large weights; every other byte
is in it. A warm run of cached files imports no analysis of its own (`engine.check`), and a
compiled model is read without the flatbuffers runtime. Entries are believed only byte for byte.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from flatbuffers import flexbuffers

import tpulint.reader.sparse
from tpulint.engine.batch import check_path
from tpulint.engine.cache import Cache
from tpulint.engine.config import Settings
from tpulint.engine.registry import load_registry
from tpulint.engine.selection import Selection
from tpulint.reader import read_model_bytes, read_source
from tpulint.reader.edgetpu import PACKAGE_KEY, parameter_spans
from tpulint.reader.payloads import BLOCK_BYTES
from tpulint.reader.wire import Wire
from tpulint.results import OperatorRow
from tpulint.typed import well_typed

# A real model compiled by edgetpu_compiler (tests/data/corpus/README.md): 496 KB of its
# 570 KB are the package's parameters.
COMPILED = Path(__file__).parent / "data" / "corpus" / "kapibara-model_edgetpu.tflite"


def _custom_options(data: bytes) -> tuple[int, int]:
    model = Wire(data).root("Model")
    codes = [code.get("custom_code") for code in model.get("operator_codes")]
    [operator] = [op for op in model.get("subgraphs")[0].get("operators")
                  if codes[op.get("opcode_index")] == "edgetpu-custom-op"]
    return operator.span("custom_options")


def test_the_package_is_found_where_the_flexbuffer_runtime_finds_it() -> None:
    data = COMPILED.read_bytes()
    start, size = _custom_options(data)
    value = flexbuffers.GetRoot(bytearray(data[start : start + size])).AsMap[PACKAGE_KEY.decode()]
    package = bytes(value.AsStringBytes)
    model = read_model_bytes(data, str(COMPILED))
    [compiled] = [op.compiled for op in model.main.operators if op.compiled]
    spans = parameter_spans(data)
    # The runtime's bytes hold the parameters where parameter_spans says they are.
    offset = data.find(package, start)
    assert offset > start and package[4:8] == b"DWN1"
    assert all(offset <= begin < end <= offset + len(package) for begin, end in spans)
    assert compiled.parameter_bytes == sum(end - begin for begin, end in spans) > 490_000
    assert compiled.compiler_version and compiled.min_runtime_version


def test_the_parameters_are_left_out_of_the_key_and_every_other_byte_is_in(
        tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache", "salt")
    path = tmp_path / "model.tflite"
    data = bytearray(COMPILED.read_bytes())
    path.write_bytes(data)
    source = read_source(path)
    key = cache.key_of(source)
    [(start, end)] = source.holes  # the parameters: no weight here reaches SKIP_BYTES
    assert (start, end) in parameter_spans(bytes(data))
    data[start:end] = bytes(reversed(data[start:end]))
    path.write_bytes(data)
    assert cache.key(str(path)) == key
    for position in (0, 100, start - 1, end, end + 1000, len(data) - 1):
        changed = bytearray(data)
        changed[position] ^= 0x01
        path.write_bytes(changed)
        assert cache.key(str(path)) != key, position


def test_checking_a_compiled_model_reads_no_parameter(tmp_path: Path) -> None:
    settings = Settings()
    rules = Selection(load_registry(plugins=False), settings).enabled
    cache = Cache.open(rules, settings)
    source = read_source(COMPILED)
    cache.key_of(source)
    read_model_bytes(source, str(COMPILED))
    assert source.filled == 0  # nothing read inside a hole, so the result may be stored
    key, result = check_path(str(COMPILED), rules, settings, cache)
    assert key is not None and not result.error and result.compiled


def test_a_warm_run_imports_no_analysis_of_its_own(tmp_path: Path) -> None:
    model = tmp_path / "model.tflite"
    model.write_bytes(COMPILED.read_bytes())
    probe = ("import sys\nfrom tpulint.cli import main\n"
             "code = main(['check', '--isolated', '--format', 'json', '-o', sys.argv[1], "
             "sys.argv[2]])\n"
             "print(code, 'tpulint.engine.check' in sys.modules, 'flatbuffers' in sys.modules)")
    env = {"TPULINT_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    runs = [subprocess.run([sys.executable, "-c", probe, str(tmp_path / f"{n}.json"), str(model)],
                           capture_output=True, text=True, env=env, check=True).stdout.split()
            for n in range(2)]
    assert runs[0] == [runs[0][0], "True", "False"]  # cold: checked, without the runtime
    assert runs[1] == [runs[0][0], "False", "False"]  # warm: every answer from the cache
    assert (tmp_path / "0.json").read_text() == (tmp_path / "1.json").read_text()


def test_an_entry_is_believed_byte_for_byte(tmp_path: Path) -> None:
    settings = Settings()
    rules = Selection(load_registry(plugins=False), settings).enabled
    cache = Cache(tmp_path / "cache", "salt")
    key, result = check_path(str(COMPILED), rules, settings, cache)
    assert key is not None
    cache.put(key, result)
    assert cache.get(key, str(COMPILED)) == result
    [entry] = (tmp_path / "cache").rglob("*.json")
    text = entry.read_text()
    data = json.loads(text)
    assert isinstance(data["operators"][0], list)  # rows as lists of their fields
    # The same data written otherwise (spaces, another order, a row's placement) is a miss.
    for changed in (json.dumps(data), json.dumps(dict(reversed(data.items())),
                                                  separators=(",", ":")),
                    text.replace('"tpu"', '"cpu"', 1)):
        assert changed != text
        entry.write_text(changed)
        assert cache.get(key, str(COMPILED)) is None
    entry.write_text(text)
    assert cache.get(key, str(COMPILED)) == result


@pytest.mark.parametrize(("field", "value", "typed"), [
    ("subgraph", True, False), ("subgraph", 1.0, False), ("cause", None, True),
    ("cause", "3", False), ("label", None, False), ("edgetpu_subgraph", 2, True),
])
def test_rows_read_back_are_type_checked(field: str, value: object, typed: bool) -> None:
    row = {"subgraph": 0, "index": 1, "opcode": "ADD", "label": "ADD 'x'", "version": 1,
           "placement": "tpu", "reason": "Mapped", "confidence": "high", "cause": 2,
           "output": "x", "edgetpu_subgraph": 0, "kind": "tpu"}
    assert well_typed(OperatorRow(**{**row, field: value})) is typed


def test_a_large_compiled_model_is_read_without_its_parameters(
        monkeypatch: pytest.MonkeyPatch) -> None:
    whole = read_source(COMPILED)
    monkeypatch.setattr(tpulint.reader.sparse, "SPARSE_FROM_BYTES", 0)
    sparse = read_source(COMPILED)
    assert not sparse.whole and sparse.holes == whole.holes
    [(start, end)] = sparse.holes
    # Never read, but for the blocks at its ends that hold tables: zeros stand in for it.
    read = len(bytes(sparse.buffer[start:end]).replace(b"\0", b""))
    assert read < 2 * BLOCK_BYTES < 100_000 < len(whole.buffer[start:end].replace(b"\0", b""))
    cache = Cache(Path("unused"), "salt")
    assert cache.key_of(sparse) == cache.key_of(whole)
    models = [read_model_bytes(source, str(COMPILED)) for source in (sparse, whole)]
    assert models[0].subgraphs == models[1].subgraphs
    assert any(op.compiled and op.compiled.parameter_bytes for op in models[0].main.operators)
    assert sparse.filled == 0
