"""Valid models built to make a report large: many findings, each quoting a long name.

A flatbuffer can name every tensor with one shared string, so a file of a few megabytes holds
tens of thousands of findings that each repeat a name of kilobytes. Reports must stay bounded on
them (docs/ci.md, "Report size"); tests/test_hostile_reports.py checks every format and
`python tools/hostile_reports.py` prints the report sizes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from hostile_models import SCALE, SHAPE, _model
from make_large_model import Graph, ModelWriter


def long_named_findings(operators: int, name_bytes: int, name: str = "") -> bytes:
    """A chain of int8 LEAKY_RELUs (each on the CPU, each a finding) whose tensors all carry
    one name of `name_bytes` characters (`name` repeated, `n` by default)."""
    text = ((name or "n") * name_bytes)[:name_bytes]
    writer = ModelWriter(len(text.encode()) + 48 * operators + 4096)
    graph = Graph(writer, seed=0)
    w = writer
    shared = w.string(text)
    shape = w.vector("i", SHAPE)
    quantization = graph.tensors and None  # tensors below carry no quantization table
    del quantization
    one = w.table("Tensor", shape=shape, type=9, name=shared, has_rank=True)
    graph.tensors = [one] * (operators + 1)
    options = w.table("LeakyReluOptions", alpha=0.1)
    graph.codes = ["LEAKY_RELU"]
    from make_large_model import _OPTIONS

    graph.operators = [w.table("Operator", opcode_index=0, inputs=w.vector("i", [i]),
                               outputs=w.vector("i", [i + 1]),
                               builtin_options_type=_OPTIONS["LeakyReluOptions"],
                               builtin_options=options)
                       for i in range(operators)]
    return _model(writer, graph, [0], [operators], {"LEAKY_RELU": 1})
