"""Names from a model (tensors, custom operators) and file names reach every output escaped.

Each registered format renders real fixtures whose tensor names and custom codes were replaced by
hostile text: terminal escape sequences, rich markup, HTML, line breaks and bidirectional
overrides. The test iterates over `tpulint.report.FORMATS`, so formats added later are covered.
"""

from __future__ import annotations

import io
import json
import re
import struct
from pathlib import Path

import pytest

from tpulint._schema.tflite import TABLES
from tpulint.engine.config import load_settings
from tpulint.engine.registry import load_registry
from tpulint.engine.run import run
from tpulint.reader.wire import Table, Wire
from tpulint.report import FORMATS, renderer
from tpulint.results import RunResult

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = [
    "TPU101/bad_float_op_inside.tflite",  # float tensor findings name tensors
    "TPU201/bad_unsupported_mid.tflite",  # CPU segment rows name operators
    "TPU204/bad_custom.tflite",  # a custom operator's code is its label
    "TPU301/bad_dynamic_shape.tflite",  # the fatal prediction names a tensor
]
TITLE = "\x1b]0;pwned\x07"  # sets the terminal's title
HOSTILE = (f"{TITLE}\x1b[5m[bold red]<script>alert(1)</script>\nINJECTED\r\u202egnp.exe"
           "\u2066\u2028")
FILE_NAME = "m\x1b[5m[bold red]<b>\u202e.tflite"
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
MARKUP_FORMATS = {"html", "junit", "markdown"}


def _append_string(out: bytearray, field: int, text: str) -> None:
    """Point the string field at `field` to `text`, written at the end of the buffer."""
    out += bytes(-len(out) % 4)
    struct.pack_into("<I", out, field, len(out) - field)
    encoded = text.encode()
    out += struct.pack("<I", len(encoded)) + encoded + b"\0"


def _field(table: Table, kind: str, name: str) -> int:
    offset = table.offsets[TABLES[kind][name][0] // 2]  # type: ignore[index]
    return table.pos + int(offset)


def hostile_copy(source: Path) -> bytes:
    """`source` with every tensor name and custom code replaced by hostile text."""
    data = source.read_bytes()
    out = bytearray(data)
    root = Wire(data).root("Model")
    for code in root.get("operator_codes"):
        if code.has("custom_code"):
            _append_string(out, _field(code, "OperatorCode", "custom_code"), f"op{HOSTILE}")
    for subgraph in root.get("subgraphs"):
        for index, tensor in enumerate(subgraph.get("tensors")):
            if tensor.has("name"):
                _append_string(out, _field(tensor, "Tensor", "name"), f"t{index}{HOSTILE}")
    return bytes(out)


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    directory = tmp_path_factory.mktemp("hostile")
    for number, name in enumerate(FIXTURES):
        (directory / f"{number}{FILE_NAME}").write_bytes(hostile_copy(ROOT / "fixtures" / name))
    (directory / f"broken{FILE_NAME}").write_bytes(b"TFL3 is not at byte 4")
    settings = load_settings(None, isolated=True)
    settings.preview = True
    return run([str(directory)], settings, load_registry(plugins=False))


def test_hostile_names_reach_the_findings(result: RunResult) -> None:
    assert len(result.models) == len(FIXTURES) + 1 and len(result.errors) == 1
    messages = " ".join(f.message + (f.operator or "") for f in result.findings)
    assert HOSTILE in messages
    assert f"op{HOSTILE}" in messages  # the custom operator's label


def _render(result: RunResult, name: str, color: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COLUMNS", "2000")  # no wrapping inside a name
    stream = io.StringIO()
    renderer(name)(result, stream, color)
    return stream.getvalue()


def _decoded(text: str) -> list[object] | None:
    """The JSON document(s) of a JSON or JSON-lines output, or None."""
    try:
        return [json.loads(text)]
    except ValueError:
        pass
    try:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except ValueError:
        return None


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_no_format_lets_hostile_text_through(name: str, result: RunResult,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    text = _render(result, name, "never", monkeypatch)
    assert "INJECTED" in text or "pwned" in text, "the output should name the tensors"
    leaked = sorted({f"U+{ord(c):04X}" for c in CONTROLS.findall(text)})
    assert not leaked, f"raw control or bidi characters in {name} output: {leaked}"
    assert not re.search(r"^[\s│|>*#-]*INJECTED", text, re.MULTILINE), "a name broke a line"
    documents = _decoded(text)
    if documents is not None:
        # Structured output escapes with its encoder and keeps the name exactly.
        assert any(HOSTILE in text for text in _strings(documents))
        return
    # Markdown may escape the brackets itself (`\\[bold red\\]`); what matters is that they show.
    assert "[bold red]" in text.replace("\\", ""), "rich markup in a name was interpreted"
    if name in MARKUP_FORMATS or text.lstrip().startswith("<"):
        # The hostile names' tags must arrive escaped (the report's own tags are fine).
        assert "<script>" not in text and "[bold red]<b>" not in text.replace("\\", "")


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_colour_output_adds_only_its_own_escapes(name: str, result: RunResult,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    text = _render(result, name, "always", monkeypatch)
    assert TITLE not in text and "\x1b[5m" not in text and "\x1b]" not in text
    assert "\u202e" not in text


def test_cli_error_line_escapes_the_file_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                              ) -> None:
    from tpulint.cli import main

    path = tmp_path / f"x\n{FILE_NAME}"
    path.write_bytes(b"not a model")
    assert main(["check", "--isolated", str(path)]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and not CONTROLS.search(err), repr(err)


def test_megabyte_names_are_cut_in_human_output() -> None:
    from tpulint.text import MAX_LENGTH, printable

    message = f"tensor '{'x' * 1_000_000}\x00' is float32: made by CONV_2D"
    shown = printable(message)
    assert len(shown) < MAX_LENGTH + 100
    assert shown.startswith("tensor 'xxx") and shown.endswith("x\\x00' is float32: made by CONV_2D")
    assert f"…[{len(message) - MAX_LENGTH:,} characters]…" in shown
    assert printable("a" * MAX_LENGTH) == "a" * MAX_LENGTH
