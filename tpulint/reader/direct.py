"""A subgraph's tensors and operators read straight from their tables' layouts.

Tables of one type written by one writer share a vtable, so one plan per layout
(`scalar_plan`) reads a tensor's or an operator's scalars and the offsets of its strings,
vectors and sub-tables in one unpack, with no `wire.Table` per table and no call per field.
Every check the table-by-table reading (`reader.tflite`) makes is made here too; where one
fails, these return None and the caller reads the whole step again table by table, so a
corrupt file fails with the same message at the same place.
"""

from __future__ import annotations

import struct

from tpulint._schema import tflite as schema
from tpulint.ir import (
    EDGETPU_CUSTOM_CODE,
    BufferSpan,
    Operator,
    PackedNumbers,
    Quantization,
    Tensor,
)
from tpulint.reader.options import direct_options
from tpulint.reader.scalar_plan import SCALAR_SIZES, ScalarPlan, scalar_plan
from tpulint.reader.wire import KNOWN_ENTRIES, MAX_SCALAR_VECTOR, TFLITE, Table, Wire, WireError
from tpulint.record import Record

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from typing import Any

_I32 = struct.Struct("<i")
_U32 = struct.Struct("<I")
_UNSET = ScalarPlan(struct.Struct("<"), 0, (), None)

_TENSOR = ("type", "buffer", "has_rank", "is_variable", "shape", "name", "quantization",
           "shape_signature", "sparsity")
_BUFFER = ("data", "offset", "size")
_QUANTIZATION = ("quantized_dimension", "details_type", "scale", "zero_point", "min", "max")
_OPERATOR = ("opcode_index", "builtin_options_type", "inputs", "outputs", "intermediates",
             "builtin_options", "custom_options")


class Layouts(Record):
    """The plans for some fields of one table type, by vtable (None: read table by table)."""

    kind: str
    names: tuple[str, ...]
    plans: dict[int, ScalarPlan | None]


class Direct:
    """Reads tables of a model's bytes by layout; raises `Unreadable` wherever a check fails."""

    __slots__ = ("data", "holes", "layouts", "options", "quantizations", "size", "wire")

    def __init__(self, wire: Wire) -> None:
        self.wire = wire
        self.data, self.size, self.holes = wire.data, wire.size, wire.holes
        self.layouts: dict[tuple[str, tuple[str, ...]], Layouts] = {}
        self.quantizations = self.layouts_of("QuantizationParameters", _QUANTIZATION)
        # builtin options by (type, values, layout): see `options.direct_options`
        self.options: dict[tuple[str, tuple[Any, ...], tuple[int, ...]], dict[str, Any]] = {}

    def layouts_of(self, kind: str, names: tuple[str, ...]) -> Layouts:
        found = self.layouts.get((kind, names))
        if found is None:
            found = self.layouts[kind, names] = Layouts(kind, names, {})
        return found

    def fields(self, pos: int, layouts: Layouts) -> tuple[tuple[Any, ...], tuple[int, ...]]:
        """The values of the fields `layouts` names in its table at `pos` (string, vector and
        table fields as offsets from the field), and where each field lies in the table."""
        data, size, holes = self.data, self.size, self.holes
        if pos < 0 or pos + 4 > size or (holes is not None and holes.fill(pos, pos + 4)):
            raise Unreadable
        vtable = pos - _I32.unpack_from(data, pos)[0]  # type: ignore[arg-type]
        plan = layouts.plans.get(vtable, _UNSET)
        if plan is _UNSET:
            plan = layouts.plans[vtable] = self._plan(vtable, layouts, pos)
        if plan is None:
            raise Unreadable
        end = pos + plan.table_size
        if end > size or pos + plan.end > size or (holes is not None and holes.fill(pos, end)):
            raise Unreadable
        values = plan.pick(plan.layout.unpack_from(data, pos) + plan.defaults)  # type: ignore[arg-type]
        return values, plan.where

    def _plan(self, vtable: int, layouts: Layouts, pos: int) -> ScalarPlan | None:
        kind = layouts.kind
        try:
            offsets = self.wire.vtable(vtable, KNOWN_ENTRIES[kind], kind, pos)
        except (WireError, struct.error):
            return None
        return scalar_plan(TFLITE[kind], offsets, offsets[1], layouts.names)

    def count(self, start: int, element_size: int, body: bool = True) -> int:
        """Elements of the vector whose length is at `start`, its body checked (and read,
        where not read yet, with `body`)."""
        size, holes = self.size, self.holes
        if start < 0 or start + 4 > size:
            raise Unreadable
        count: int = _U32.unpack_from(self.data, start)[0]  # type: ignore[arg-type]
        end = start + 4 + count * element_size
        if end > size or (holes is not None and holes.fill(start, end if body else start + 4)):
            raise Unreadable
        return count

    def numbers(self, start: int, fmt: str) -> tuple[Any, ...]:
        """The scalar vector whose length is at `start`, decoded once (as `Table.get`)."""
        decoded = self.wire.decoded
        known: tuple[Any, ...] | None = decoded.get((start + 4, fmt))
        if known is None:
            count = self.count(start, SCALAR_SIZES[fmt])
            if count > MAX_SCALAR_VECTOR:
                raise Unreadable
            known = decoded[start + 4, fmt] = struct.unpack_from(
                f"<{count}{fmt}", self.data, start + 4)  # type: ignore[arg-type]
        return known

    def _packed(self, start: int, fmt: str) -> PackedNumbers:
        """The number vector whose length is at `start`, decoded when read."""
        count = self.count(start, SCALAR_SIZES[fmt])
        if count > MAX_SCALAR_VECTOR:
            raise Unreadable
        return PackedNumbers(self.data, start + 4, count, fmt)

    def buffers(self, model: Table) -> tuple[BufferSpan, ...] | None:
        try:
            return tuple(self._buffers(model.positions("buffers")))
        except _UNREADABLE:
            return None

    def _buffers(self, positions: tuple[int, ...]) -> list[BufferSpan]:
        spans = []
        layouts = self.layouts_of("Buffer", _BUFFER)
        for pos in positions:
            (data, offset, size), where = self.fields(pos, layouts)
            start = 0
            if data is not None:
                start = pos + where[0] + data
                size_read = self.count(start, 1, body=False)
                start += 4
            else:
                size_read = 0
            if not size_read:
                # as `tflite._buffer`: data kept outside the flatbuffer, or none
                start = offset if offset > 1 else 0
                size_read = size if offset > 1 else 0
                if start + size_read > self.size:
                    raise Unreadable
            spans.append(BufferSpan(start, size_read))
        return spans

    def tensors(self, subgraph: Table, buffers: tuple[BufferSpan, ...]
                ) -> tuple[Tensor, ...] | None:
        try:
            return tuple(self._tensors(subgraph.positions("tensors"), buffers))
        except _UNREADABLE:
            return None

    def _tensors(self, positions: tuple[int, ...], buffers: tuple[BufferSpan, ...]
                 ) -> list[Tensor]:
        tensors = []
        numbers, fields, quantization_at = self.numbers, self.fields, self._quantization
        layouts = self.layouts_of("Tensor", _TENSOR)
        for index, pos in enumerate(positions):
            (code, buffer, has_rank, is_variable, shape, name, quantization, signature,
             sparsity), where = fields(pos, layouts)
            dtype = _DTYPES[code]  # KeyError: a type TensorFlow Lite does not define
            if shape is not None:
                shape = numbers(pos + where[4] + shape, "i")
            if name is not None:
                start = pos + where[5] + name
                name = self.wire.text(start + 4, self.count(start, 1))
            if signature is not None:
                signature = numbers(pos + where[7] + signature, "i")
            if quantization is not None:
                quantization = quantization_at(pos + where[6] + quantization)
            # by position, in the order `Tensor` declares its fields (keywords cost a third more)
            tensors.append(Tensor(
                index, name or "", dtype, shape or (), signature, quantization, buffer,
                0 < buffer < len(buffers) and buffers[buffer].size > 0,  # constant
                has_rank, is_variable, sparsity is not None))
        return tensors

    def _quantization(self, pos: int) -> Quantization:
        (axis, details, scale, zero_point, low, high), where = self.fields(
            pos, self.quantizations)
        packed = self._packed
        return Quantization(  # scale, zero_point, axis, min, max, custom
            () if scale is None else packed(pos + where[2] + scale, "f"),
            () if zero_point is None else packed(pos + where[3] + zero_point, "q"),
            axis,
            () if low is None else packed(pos + where[4] + low, "f"),
            () if high is None else packed(pos + where[5] + high, "f"),
            details != 0)

    def operators(self, subgraph: Table, codes: list[tuple[int, int, str | None]],
                  tensor_count: int) -> tuple[Operator, ...] | None:
        try:
            return tuple(self._operators(subgraph.positions("operators"), codes, tensor_count))
        except _UNREADABLE:
            return None

    def _operators(self, positions: tuple[int, ...], codes: list[tuple[int, int, str | None]],
                   tensor_count: int) -> list[Operator]:
        operators = []
        numbers = self.numbers
        layouts = self.layouts_of("Operator", _OPERATOR)
        for index, pos in enumerate(positions):
            (code_index, options_code, inputs, outputs, intermediates, options_at,
             custom_options), where = self.fields(pos, layouts)
            builtin, version, custom = codes[code_index]  # IndexError: an unknown code
            inputs = () if inputs is None else numbers(pos + where[2] + inputs, "i")
            outputs = () if outputs is None else numbers(pos + where[3] + outputs, "i")
            intermediates = () if intermediates is None else \
                numbers(pos + where[4] + intermediates, "i")
            if _outside(inputs + outputs + intermediates, tensor_count):
                raise Unreadable
            options_type = schema.BUILTIN_OPTIONS.get(options_code)
            options = {} if not options_type or options_at is None else \
                direct_options(self, pos + where[5] + options_at, options_type)
            start = size = 0
            if custom_options is not None:
                start = pos + where[6] + custom_options
                size = self.count(start, 1, body=False)
                start += 4
            compiled = None
            if custom == EDGETPU_CUSTOM_CODE and size:
                from tpulint.reader.edgetpu import read_package

                compiled = read_package(self.wire, start, size)
            operators.append(Operator(  # by position, as `Tensor` above
                index, schema.BUILTIN_OPERATOR.get(builtin, f"BUILTIN_{builtin}"), builtin,
                version, inputs, outputs, options,
                options_type if options_type != "NONE" else None,  # options_type
                custom, intermediates, size, compiled))
        return operators


class Unreadable(Exception):
    """A check failed: the step is read again table by table, which says what is wrong."""


def _outside(indices: tuple[int, ...], count: int) -> bool:
    """Whether an index is not a tensor's or -1 (a call of its own, so that a million
    indices listed by a crafted operator are not kept beside the next operator's)."""
    return bool(indices) and (min(indices) < -1 or max(indices) >= count)


_UNREADABLE = (Unreadable, WireError, struct.error, UnicodeDecodeError, IndexError, KeyError)
_DTYPES = {code: name.lower() for code, name in schema.TENSOR_TYPE.items()}
