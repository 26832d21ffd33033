"""The reader against the `tflite` package (flatc-generated bindings), and on bad input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tpulint._schema import tflite as schema
from tpulint.ir import Model
from tpulint.reader import FileBytes, ModelReadError, read_model, read_model_bytes

ROOT = Path(__file__).resolve().parent.parent
MODELS = sorted({*ROOT.glob("fixtures/*/*.tflite"), *ROOT.glob("tests/data/corpus/*.tflite")})
OPTIONS_CLASSES = {name: name for name in schema.BUILTIN_OPTIONS.values()}


def _camel(field: str) -> str:
    return "".join(part.capitalize() for part in field.split("_"))


def _options(op: object, name: str) -> dict[str, object]:
    """The options table of `op` as the tflite package reads it: field -> value or list."""
    import tflite

    table = op.BuiltinOptions()  # type: ignore[attr-defined]
    options = getattr(tflite, name)()
    options.Init(table.Bytes, table.Pos)
    values: dict[str, object] = {}
    for field, (_slot, kind, _detail, _default) in schema.TABLES[name].items():
        getter = getattr(options, _camel(field))
        if kind == "vector":
            length = getattr(options, _camel(field) + "Length")()
            values[field] = [getter(i) for i in range(length)]
        else:
            values[field] = getter()
    return values


@pytest.mark.parametrize("path", MODELS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_reader_matches_the_tflite_package_field_by_field(path: Path) -> None:
    tflite = pytest.importorskip("tflite")
    data = path.read_bytes()
    reference = tflite.Model.GetRootAsModel(data, 0)
    model = read_model(path)

    assert model.schema_version == reference.Version()
    assert len(model.subgraphs) == reference.SubgraphsLength()
    assert len(model.buffers) == reference.BuffersLength()
    for i, span in enumerate(model.buffers):
        assert span.size == reference.Buffers(i).DataLength()
    assert [name for name, _ in model.metadata] == [
        reference.Metadata(i).Name().decode() for i in range(reference.MetadataLength())]
    assert len(model.signatures) == reference.SignatureDefsLength()

    for sg, ref_sg in ((sg, reference.Subgraphs(sg.index)) for sg in model.subgraphs):
        assert list(sg.inputs) == [ref_sg.Inputs(i) for i in range(ref_sg.InputsLength())]
        assert list(sg.outputs) == [ref_sg.Outputs(i) for i in range(ref_sg.OutputsLength())]
        assert len(sg.tensors) == ref_sg.TensorsLength()
        for tensor in sg.tensors:
            ref = ref_sg.Tensors(tensor.index)
            assert tensor.name == ref.Name().decode("utf-8", "replace")
            assert tensor.dtype.upper() == schema.TENSOR_TYPE[ref.Type()]
            assert list(tensor.shape) == [ref.Shape(i) for i in range(ref.ShapeLength())]
            signature = [ref.ShapeSignature(i) for i in range(ref.ShapeSignatureLength())]
            assert list(tensor.shape_signature or []) == signature
            assert tensor.buffer == ref.Buffer()
            assert tensor.is_variable == ref.IsVariable()
            assert tensor.has_rank == ref.HasRank()
            q = ref.Quantization()
            if q is None:
                assert tensor.quantization is None
            else:
                assert tensor.quantization is not None
                assert list(tensor.quantization.scale) == pytest.approx(
                    [q.Scale(i) for i in range(q.ScaleLength())])
                assert list(tensor.quantization.zero_point) == [
                    q.ZeroPoint(i) for i in range(q.ZeroPointLength())]
                assert tensor.quantization.axis == q.QuantizedDimension()
            assert tensor.constant == (0 < ref.Buffer() < reference.BuffersLength()
                                       and reference.Buffers(ref.Buffer()).DataLength() > 0)

        assert len(sg.operators) == ref_sg.OperatorsLength()
        for op in sg.operators:
            ref = ref_sg.Operators(op.index)
            code = reference.OperatorCodes(ref.OpcodeIndex())
            builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
            assert op.builtin_code == builtin
            assert op.opcode == schema.BUILTIN_OPERATOR[builtin]
            assert op.version == code.Version()
            custom = code.CustomCode()
            assert op.custom_code == (custom.decode() if custom is not None else None)
            assert list(op.inputs) == [ref.Inputs(i) for i in range(ref.InputsLength())]
            assert list(op.outputs) == [ref.Outputs(i) for i in range(ref.OutputsLength())]
            assert list(op.intermediates) == [
                ref.Intermediates(i) for i in range(ref.IntermediatesLength())]
            assert op.custom_options_size == ref.CustomOptionsLength()
            name = schema.BUILTIN_OPTIONS.get(ref.BuiltinOptionsType())
            if name in schema.TABLES:
                expected = _options(ref, name)
                assert set(op.options) == set(expected)
                for field, value in op.options.items():
                    raw = expected[field]
                    if isinstance(value, tuple):
                        assert list(value) == raw, field
                    elif isinstance(value, str):
                        assert value == _enum_name(name, field, raw), field
                    elif value is not None:
                        assert value == pytest.approx(raw), field


def _enum_name(table: str, field: str, raw: object) -> str:
    enum = schema.TABLES[table][field][2].split(":")[1]
    names = {"ActivationFunctionType": schema.ACTIVATION_FUNCTION_TYPE,
             "Padding": schema.PADDING, "TensorType": schema.TENSOR_TYPE,
             "FullyConnectedOptionsWeightsFormat": schema.FULLY_CONNECTED_OPTIONS_WEIGHTS_FORMAT,
             "LSTMKernelType": schema.LSTM_KERNEL_TYPE, "MirrorPadMode": schema.MIRROR_PAD_MODE}
    return names[enum][raw]  # type: ignore[index]


def test_every_corpus_file_in_the_tests_is_read() -> None:
    assert len(MODELS) >= 20
    for path in MODELS:
        assert isinstance(read_model(path), Model)


def test_compiled_package_is_decoded() -> None:
    model = read_model(ROOT / "fixtures/TPU001/bad_compiled.tflite")
    packages = [op.compiled for op in model.main.operators if op.is_edgetpu]
    assert packages and packages[0] is not None
    assert packages[0].min_runtime_version == 13
    assert packages[0].compiler_version == "cl/343520747"
    assert packages[0].parameter_bytes > 0


def test_large_files_are_read_once_not_mapped(tmp_path: Path) -> None:
    # A 4 MiB model truncated after it was read: the IR holds its own copy of the bytes, so
    # reading its weights cannot raise SIGBUS as a mapped file's would.
    source = ROOT / "tests/data/corpus/kapibara-model.tflite"
    data = source.read_bytes()
    padded = tmp_path / "padded.tflite"
    padded.write_bytes(data + bytes(4 << 20))
    model = read_model(padded)
    assert isinstance(model.source, FileBytes) and isinstance(model.source.buffer, bytes)
    with padded.open("r+b") as stream:
        stream.truncate(16)
    last = max(model.buffers, key=lambda span: span.offset + span.size)
    assert model.source[last.offset : last.offset + last.size] == \
        data[last.offset : last.offset + last.size]


GOOD = (ROOT / "fixtures/TPU102/good_int8.tflite").read_bytes()


@pytest.mark.parametrize(("data", "step", "words"), [
    (b"", "file identifier", "empty"),
    (b"TFL", "file identifier", "too short"),
    (b"version https://git-lfs.github.com/spec/v1\noid sha256:ab\nsize 12\n", "file identifier",
     "Git LFS pointer"),
    (b"\x89PNG\r\n\x1a\n" + bytes(64), "file identifier", "not a TensorFlow Lite model"),
    (b"PK\x03\x04" + bytes(64), "file identifier", "zip archive"),
    (os.urandom(0) + bytes(range(256)) * 4, "file identifier", "not a TensorFlow Lite model"),
])
def test_files_that_are_not_tflite(data: bytes, step: str, words: str) -> None:
    with pytest.raises(ModelReadError) as caught:
        read_model_bytes(data, "x.tflite")
    assert caught.value.step == step
    assert words in caught.value.reason
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("cut", [8, 16, 64, len(GOOD) // 4, len(GOOD) // 2, len(GOOD) - 16])
def test_truncated_files_fail_with_one_line(cut: int) -> None:
    with pytest.raises(ModelReadError) as caught:
        read_model_bytes(GOOD[:cut], "cut.tflite")
    assert "truncated or corrupt" in caught.value.reason
    assert "\n" not in str(caught.value)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelReadError, match="no such file"):
        read_model(tmp_path / "absent.tflite")
    with pytest.raises(ModelReadError, match="is a directory"):
        read_model(tmp_path)


def test_vector_claiming_billions_of_elements_is_refused() -> None:
    model = read_model_bytes(GOOD)
    tensor = model.main.tensors[0]
    # Find the tensor's shape vector length in the file and make it claim 2**31 elements.
    import struct

    shape = struct.pack(f"<I{len(tensor.shape)}i", len(tensor.shape), *tensor.shape)
    at = GOOD.find(shape)
    assert at > 0
    broken = bytearray(GOOD)
    broken[at:at + 4] = struct.pack("<I", 2**31)
    with pytest.raises(ModelReadError, match="truncated or corrupt"):
        read_model_bytes(bytes(broken))
