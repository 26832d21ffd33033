"""Refuse graphs no runtime can execute, before any analysis reads them.

TensorFlow Lite runs operators in the order the file lists them, and every tensor an operator
writes has one writer that runs before its readers. A file where an operator reads a tensor
written only later, or where two operators write one tensor, describes no execution order (a
cycle, in graph terms): the analyses would find no operator ready and report a clean but empty
result, so the reader refuses it with the first offending operator.
"""

from __future__ import annotations

from tpulint.ir import Operator
from tpulint.reader.wire import Refused


def check_order(operators: tuple[Operator, ...], tensor_count: int) -> None:
    """Raise `Refused` at the first operator reading a tensor not yet written by an earlier
    operator when a later one writes it, or writing a tensor another operator wrote."""
    writer = [-1] * tensor_count
    for op in operators:
        for tensor in op.outputs:
            if tensor < 0:
                continue
            if writer[tensor] >= 0:
                raise Refused(f"operators {writer[tensor]} and {op.index} both write tensor "
                                f"{tensor}: the graph has no execution order")
            writer[tensor] = op.index
    for op in operators:
        for tensor in op.inputs:
            if tensor >= 0 and writer[tensor] >= op.index:
                raise Refused(f"operator {op.index} reads tensor {tensor}, which operator "
                                f"{writer[tensor]} writes at or after it: the graph has a cycle")
