"""Decode what the Edge TPU compiler stored in an `edgetpu-custom-op`.

The operator's custom options are a FlexBuffer map; key "4" holds the compiled package, a
FlatBuffer with identifier `DWN1` whose layout libedgetpu publishes in `executable/executable.fbs`.
Its `min_runtime_version` and `compiler_version` say which runtime a compiled model needs and which
compiler made it, without a device; its executables carry the parameters, which
`parameter_bytes` totals (cached and streamed alike: the package does not say which is which).

Everything is read in place, from the model file's bytes: the map's key is found by a few
bounded reads and the package's tables are read where they lie, so the parameters themselves
(most of a compiled model's bytes) are never read. The cache key leaves them out too
(`parameter_spans`), as it leaves out the weights.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from tpulint.ir import EDGETPU_CUSTOM_CODE, ByteSource, CompiledPackage
from tpulint.reader.wire import Holes, Schema, Table, Wire, WireError

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
PACKAGE_KEY = b"4"
# FlexBuffer value types (the upper six bits of a packed type)
_FLEX_STRING, _FLEX_MAP, _FLEX_BLOB = 5, 9, 25
# A model listing more operators than this is not searched for packages (the reader refuses
# it anyway: `reader.tflite.LIMITS`).
MAX_SEARCHED_OPERATORS = 100_000
_ERRORS = (WireError, struct.error, ValueError, IndexError, TypeError, OverflowError)


class _Shifted:
    """The holes of a file seen from a part of it starting at `base`."""

    __slots__ = ("base", "holes")

    def __init__(self, holes: Holes, base: int) -> None:
        self.holes = holes
        self.base = base

    def fill(self, start: int, stop: int) -> bool:
        return self.holes.fill(self.base + start, self.base + stop)


class _Part(Wire):
    """Bytes inside the model file read as a buffer of their own (`base`: where they start)."""

    __slots__ = ("base",)

    def __init__(self, wire: Wire, start: int, size: int) -> None:
        wire.check(start, size, "nested buffer")
        super().__init__(memoryview(wire.data)[start : start + size],  # type: ignore[arg-type]
                         None if wire.holes is None else _Shifted(wire.holes, start))
        self.base = getattr(wire, "base", 0) + start

    def root(self, table: str, schema: Schema = PACKAGE_SCHEMA) -> Table:
        if self.holes is not None:
            self.holes.fill(0, 4)  # the offset of the root table: the file's may be unread
        return super().root(table, schema)

    def uint(self, pos: int, width: int) -> int:
        if width not in (1, 2, 4, 8):
            raise WireError(f"FlexBuffer width {width}")
        self.check(pos, width, "FlexBuffer value")
        if self.holes is not None:
            self.holes.fill(pos, pos + width)
        return int.from_bytes(self.data[pos : pos + width], "little")


def read_package(wire: Wire, start: int, size: int) -> CompiledPackage | None:
    """The facts of the package in the custom options at `start` (`size` bytes) of the model
    file, or None when they hold no readable package."""
    try:
        package = _package(wire, start, size)
        if package is None:
            return None
        root = package.root("Package", PACKAGE_SCHEMA)
        return CompiledPackage(
            compiler_version=root.get("compiler_version"),
            min_runtime_version=root.get("min_runtime_version"),
            parameter_bytes=sum(length for _start, length in _parameters(root)),
        )
    except _ERRORS:
        return None


def parameter_spans(data: ByteSource, holes: Holes | None = None) -> list[tuple[int, int]]:
    """(start, end) in the model file `data` (its unread parts filled by `holes` as they are
    read) of every compiled package's parameters, which checking never reads; [] when there
    are none or the tables cannot be read (then the parser judges the file)."""
    spans: list[tuple[int, int]] = []
    try:
        wire = Wire(data, holes)
        model = wire.root("Model")
        codes = {index for index, code in enumerate(model.get("operator_codes"))
                 if code.get("custom_code") == EDGETPU_CUSTOM_CODE}
        if not codes:
            return []
        subgraphs = model.get("subgraphs")
        if sum(graph.length("operators") for graph in subgraphs) > MAX_SEARCHED_OPERATORS:
            return []
        for graph in subgraphs:
            for operator in graph.get("operators"):
                if operator.get("opcode_index") in codes:
                    package = _package(wire, *operator.span("custom_options"))
                    if package is not None:
                        root = package.root("Package", PACKAGE_SCHEMA)
                        spans.extend((at, at + length) for at, length in _parameters(root)
                                     if length)
    except _ERRORS:
        return []
    return spans


def _package(wire: Wire, start: int, size: int) -> _Part | None:
    """The package stored under key "4" of the FlexBuffer map in the custom options (the
    compiler stores it as a string, older ones as a blob); None when there is none."""
    if size < 3:
        return None
    options = _Part(wire, start, size)
    root_width, packed = options.uint(size - 1, 1), options.uint(size - 2, 1)
    if packed >> 2 != _FLEX_MAP:
        return None
    slot = size - 2 - root_width
    width = 1 << (packed & 3)
    table = slot - options.uint(slot, root_width)
    index = _key_index(options, table, width)
    count = options.uint(table - width, width)
    if index is None or index >= count:
        return None
    packed = options.uint(table + count * width + index, 1)
    if packed >> 2 not in (_FLEX_STRING, _FLEX_BLOB):
        return None
    value = table + index * width
    target = value - options.uint(value, width)
    size_width = 1 << (packed & 3)
    length = options.uint(target - size_width, size_width)
    if length < 8:
        return None
    package = _Part(options, target, length)
    if package.uint(4, 4) != int.from_bytes(b"DWN1", "little"):
        return None
    return package


def _key_index(options: _Part, table: int, width: int) -> int | None:
    """Where `PACKAGE_KEY` is among the sorted keys of the map at `table`: a binary search,
    as the FlexBuffer runtimes do."""
    slot = table - 3 * width
    keys = slot - options.uint(slot, width)
    key_width = options.uint(table - 2 * width, width)
    total = options.uint(keys - key_width, key_width)
    first, count = 0, total
    while count > 0:
        step = count // 2
        if _compare_key(options, keys + (first + step) * key_width, key_width) < 0:
            first += step + 1
            count -= step + 1
        else:
            count = step
    if first < total and _compare_key(options, keys + first * key_width, key_width) == 0:
        return first
    return None


def _compare_key(options: _Part, element: int, width: int) -> int:
    """-1, 0 or 1 as the key that `element` points at sorts before, as or after "4"."""
    target = element - options.uint(element, width)
    first = options.uint(target, 1)
    if first != PACKAGE_KEY[0]:
        return -1 if first < PACKAGE_KEY[0] else 1
    return 0 if options.uint(target + 1, 1) == 0 else 1


def _parameters(root: Table) -> Iterator[tuple[int, int]]:
    """(start in the model file, length) of each executable's parameters, none of them read."""
    start, size = root.span("serialized_multi_executable")
    if not size:
        return
    multi = _Part(root.wire, start, size)
    for begin, length in multi.root("MultiExecutable", PACKAGE_SCHEMA).spans(
        "serialized_executables"
    ):
        executable = _Part(multi, begin, length)
        at, count = executable.root("Executable", PACKAGE_SCHEMA).span("parameters")
        yield executable.base + at, count
