"""Decode what the Edge TPU compiler stored in an `edgetpu-custom-op`.

The operator's custom options are a FlexBuffer map; key "4" holds the compiled package, a
FlatBuffer with identifier `DWN1` whose layout libedgetpu publishes in `executable/executable.fbs`.
Its `min_runtime_version` and `compiler_version` say which runtime a compiled model needs and which
compiler made it, without a device; its executables carry the parameters, which
`parameter_bytes` totals (cached and streamed alike: the package does not say which is which).
"""

from __future__ import annotations

import struct

from tpulint.ir import CompiledPackage
from tpulint.reader.wire import Schema, Table, Wire, WireError

# Field slots of the DarwiNN package tables (executable.fbs), in the generated-bindings format.
PACKAGE_SCHEMA: Schema = {
    "Package": {
        "min_runtime_version": (4, "scalar", "i", 0),
        "serialized_multi_executable": (6, "vector", "B", None),
        "compiler_version": (12, "string", "", None),
        "virtual_chip_id": (14, "scalar", "i", 0),
    },
    "MultiExecutable": {
        "serialized_executables": (4, "strings", "", None),
    },
    "Executable": {
        "parameters": (16, "vector", "B", None),
    },
}
PACKAGE_KEY = "4"


def read_package(custom_options: bytes) -> CompiledPackage | None:
    """The compiled package's facts, or None when the options hold no readable package."""
    try:
        package = _package_bytes(custom_options)
    except Exception:  # the flexbuffers runtime fails on corrupt bytes in too many ways to list
        return None
    if package is None or package[4:8] != b"DWN1":
        return None
    try:
        root = Wire(package).root("Package", PACKAGE_SCHEMA)
        return CompiledPackage(
            compiler_version=root.get("compiler_version"),
            min_runtime_version=root.get("min_runtime_version"),
            parameter_bytes=_parameter_bytes(root),
        )
    except (WireError, struct.error, ValueError, IndexError, TypeError):
        return None


def _package_bytes(custom_options: bytes) -> bytes | None:
    # The flatbuffers runtime's FlexBuffer reader; only compiled models pay for importing it.
    from flatbuffers import flexbuffers

    root = flexbuffers.GetRoot(bytearray(custom_options))
    if not root.IsMap:
        return None
    try:
        value = root.AsMap[PACKAGE_KEY]  # a binary search: map keys are sorted
    except KeyError:
        return None
    # The compiler stores the package as a FlexBuffer string (older ones as a blob).
    if value.IsString:
        return bytes(value.AsStringBytes)
    if value.IsBlob:
        return bytes(value.AsBlob)
    return None


def _parameter_bytes(root: Table) -> int:
    """Bytes of parameters the package carries (cached and streamed alike)."""
    start, size = root.span("serialized_multi_executable")
    if not size:
        return 0
    multi = Wire(root.wire.data[start : start + size])
    total = 0
    for begin, length in multi.root("MultiExecutable", PACKAGE_SCHEMA).spans(
        "serialized_executables"
    ):
        executable = Wire(multi.data[begin : begin + length])
        total += executable.root("Executable", PACKAGE_SCHEMA).span("parameters")[1]
    return total
