"""Valid models built to make a report large, and the size of every format's report on them.

A flatbuffer can name every tensor with one shared string, so a file of a megabyte holds tens
of thousands of findings that each quote a name of kilobytes, or tens of thousands of operators
that each get a row. Reports stay bounded on them (docs/ci.md, "Report size");
tests/test_hostile_reports.py checks every format on small ones, and

    python tools/hostile_reports.py [--operators 20000] [--name-bytes 16384]

prints each format's report size on a large one against the model's size.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from hostile_models import SHAPE, _model
from make_large_model import _OPTIONS, Graph, ModelWriter

FORMATS = ("json", "json-lines", "sarif", "gitlab", "junit", "github", "html", "markdown",
           "full", "concise")


def long_named_findings(operators: int, name_bytes: int, name: str = "n") -> bytes:
    """A chain of int8 LEAKY_RELUs (each on the CPU, each a finding) whose tensors are one
    table naming them all with one string of `name_bytes` characters (`name` repeated)."""
    text = (name * name_bytes)[:name_bytes]
    writer = ModelWriter(len(text.encode()) + 48 * operators + 4096)
    graph = Graph(writer, seed=0)
    w = writer
    tensor = w.table("Tensor", shape=w.vector("i", SHAPE), type=9, name=w.string(text),
                     has_rank=True)
    graph.tensors = [tensor] * (operators + 1)
    options = w.table("LeakyReluOptions", alpha=0.1)
    graph.codes = ["LEAKY_RELU"]
    graph.operators = [w.table("Operator", opcode_index=0, inputs=w.vector("i", [i]),
                               outputs=w.vector("i", [i + 1]),
                               builtin_options_type=_OPTIONS["LeakyReluOptions"],
                               builtin_options=options)
                       for i in range(operators)]
    return _model(writer, graph, [0], [operators], {"LEAKY_RELU": 1})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operators", type=int, default=20_000)
    parser.add_argument("--name-bytes", type=int, default=16_384)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        model = Path(folder) / "hostile.tflite"
        model.write_bytes(long_named_findings(args.operators, args.name_bytes))
        size = model.stat().st_size
        print(f"model: {args.operators:,} operators, names of {args.name_bytes:,} bytes, "
              f"{size:,} bytes")
        for fmt in FORMATS:
            report = Path(folder) / f"report.{fmt}"
            subprocess.run([sys.executable, "-m", "tpulint", "check", str(model), "--no-cache",
                            "--format", fmt, "-o", str(report)], check=False)
            print(f"{fmt:<11} {report.stat().st_size:>12,} bytes  "
                  f"({report.stat().st_size / size:.2f} x the model)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
