"""Generate tpulint's TensorFlow Lite schema bindings from `schema.fbs`.

usage: python tools/generate_schema.py SCHEMA_FBS REVISION > tpulint/_schema/tflite.py

SCHEMA_FBS is TensorFlow's `tensorflow/compiler/mlir/lite/schema/schema.fbs`; REVISION names the
commit it was taken from and goes into the generated header. The bindings are data, not classes:
enum names by value and, for the tables tpulint reads, each field's vtable slot and type. The
reader (`tpulint/reader/flatbuf.py`) interprets them on top of the flatbuffers runtime, which keeps
start-up to one small module instead of one module per schema type.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# Tables the reader walks, and the option tables whose fields the Edge TPU constraints read.
TABLES = (
    "Model", "OperatorCode", "SubGraph", "Tensor", "QuantizationParameters", "Operator", "Buffer",
    "Metadata", "SignatureDef", "TensorMap", "SparsityParameters",
    "Conv2DOptions", "DepthwiseConv2DOptions", "Pool2DOptions", "FullyConnectedOptions",
    "SoftmaxOptions", "ConcatenationOptions", "AddOptions", "SubOptions", "MulOptions",
    "DivOptions", "L2NormOptions", "ReshapeOptions", "ResizeBilinearOptions",
    "ResizeNearestNeighborOptions", "SpaceToDepthOptions", "DepthToSpaceOptions",
    "ReducerOptions", "SqueezeOptions", "SplitOptions", "SplitVOptions", "StridedSliceOptions",
    "CastOptions", "TransposeConvOptions", "PackOptions", "UnpackOptions", "LeakyReluOptions",
    "GatherOptions", "LSTMOptions", "UnidirectionalSequenceLSTMOptions",
    "BidirectionalSequenceLSTMOptions", "IfOptions", "WhileOptions", "CallOnceOptions",
    "CallOptions", "BatchMatMulOptions", "ArgMaxOptions", "ArgMinOptions", "MirrorPadOptions",
    "GeluOptions", "Conv3DOptions",
)
ENUMS = (
    "TensorType", "BuiltinOperator", "ActivationFunctionType", "Padding",
    "FullyConnectedOptionsWeightsFormat", "LSTMKernelType", "MirrorPadMode", "BuiltinOptions",
    "BuiltinOptions2",
)
SCALARS = {"bool", "byte", "ubyte", "short", "ushort", "int", "uint", "long", "ulong", "float",
           "double", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
           "float32", "float64"}
FORMATS = {"bool": "?", "byte": "b", "int8": "b", "ubyte": "B", "uint8": "B", "short": "h",
           "int16": "h", "ushort": "H", "uint16": "H", "int": "i", "int32": "i", "uint": "I",
           "uint32": "I", "long": "q", "int64": "q", "ulong": "Q", "uint64": "Q", "float": "f",
           "float32": "f", "double": "d", "float64": "d"}


def strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*", "", text)


def parse(text: str) -> tuple[dict[str, tuple[str, list[tuple[str, int]]]],
                              dict[str, list[str]], dict[str, list[tuple[str, str, str | None]]]]:
    """Return enums (name -> (underlying type, members)), unions, tables (name -> fields)."""
    text = strip_comments(text)
    enums: dict[str, tuple[str, list[tuple[str, int]]]] = {}
    unions: dict[str, list[str]] = {}
    tables: dict[str, list[tuple[str, str, str | None]]] = {}
    for kind, name, base, body in re.findall(
        r"\b(enum|union|table)\s+(\w+)\s*(?::\s*(\w+))?\s*(?:\([^)]*\))?\s*\{(.*?)\}", text, re.S
    ):
        if kind == "enum":
            members, value = [], -1
            for item in filter(None, (m.strip() for m in body.split(","))):
                item = re.sub(r"\(.*?\)", "", item).strip()
                label, _, explicit = (part.strip() for part in item.partition("="))
                value = int(explicit) if explicit else value + 1
                members.append((label, value))
            enums[name] = (base, members)
        elif kind == "union":
            unions[name] = [re.sub(r"\(.*?\)", "", m).strip()
                            for m in body.split(",") if m.strip()]
        else:
            fields = []
            for decl in filter(None, (d.strip() for d in body.split(";"))):
                attrs = re.search(r"\((.*?)\)\s*$", decl)
                deprecated = bool(attrs and "deprecated" in attrs.group(1))
                decl = re.sub(r"\(.*?\)\s*$", "", decl).strip()
                field, _, rest = decl.partition(":")
                ftype, _, default = (part.strip() for part in rest.partition("="))
                fields.append((field.strip(), "deprecated" if deprecated else ftype,
                               default or None))
            tables[name] = fields
    return enums, unions, tables


def field_kind(ftype: str, enums: dict[str, tuple[str, list[tuple[str, int]]]],
               unions: dict[str, list[str]]) -> tuple[str, str]:
    """Map a schema type to (kind, detail) for the reader."""
    if ftype.startswith("["):
        inner = ftype.strip("[]").strip()
        if inner in SCALARS:
            return "vector", FORMATS[inner]
        if inner in enums:
            return "vector", FORMATS[enums[inner][0]]
        if inner == "string":
            return "strings", ""
        return "tables", inner
    if ftype in SCALARS:
        return "scalar", FORMATS[ftype]
    if ftype in unions:
        return "union", ftype
    if ftype in enums:
        return "enum", f"{FORMATS[enums[ftype][0]]}:{ftype}"
    if ftype == "string":
        return "string", ""
    return "table", ftype


def default_value(kind: str, detail: str, default: str | None,
                  enums: dict[str, tuple[str, list[tuple[str, int]]]]) -> object:
    if kind == "enum":
        members = dict(enums[detail.split(":")[1]][1])
        if default is None:
            return 0
        return members.get(default, int(default) if default.lstrip("-").isdigit() else 0)
    if kind != "scalar":
        return None
    if detail == "?":
        return default == "true"
    if detail in "fd":
        return float(default) if default else 0.0
    return int(default) if default else 0


def generate(schema: str, revision: str) -> str:
    enums, unions, tables = parse(schema)
    for union, members in unions.items():
        enums[union] = ("ubyte", [("NONE", 0)] + [(m, i + 1) for i, m in enumerate(members)])
    out = [
        "# Generated by tools/generate_schema.py from TensorFlow's",
        "# tensorflow/compiler/mlir/lite/schema/schema.fbs",
        f"# at tensorflow/tensorflow@{revision}. Do not edit; regenerate.",
        '"""TensorFlow Lite flatbuffer schema: enum names and table field slots."""',
        "",
        "from __future__ import annotations",
        "",
        "TYPE_CHECKING = False  # as typing's: `check` does not import typing",
        "if TYPE_CHECKING:",
        "    from typing import Any",
        "",
        'FILE_IDENTIFIER = b"TFL3"',
        "",
    ]
    for name in ENUMS:
        members = enums[name][1]
        out.append(f"{_snake(name).upper()} = {{")
        out.extend(f"    {value}: {label!r}," for label, value in members)
        out.append("}")
        out.append("")
    out.append("# table -> field -> (vtable slot, kind, detail, default)")
    out.append("TABLES: dict[str, dict[str, tuple[int, str, str, Any]]] = {")
    for table in TABLES:
        out.append(f"    {table!r}: {{")
        slot = 4
        for field, ftype, default in tables[table]:
            if ftype == "deprecated":
                slot += 2
                continue
            kind, detail = field_kind(ftype, enums, unions)
            if kind == "union":
                out.append(f"        {field + '_type'!r}: ({slot}, 'enum', 'B:{detail}', 0),")
                slot += 2
            value = default_value(kind, detail, default, enums)
            out.append(f"        {field!r}: ({slot}, {kind!r}, {detail!r}, {value!r}),")
            slot += 2
        out.append("    },")
    out.append("}")
    return "\n".join(out) + "\n"


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.stdout.write(generate(Path(sys.argv[1]).read_text(encoding="utf-8"), sys.argv[2]))
