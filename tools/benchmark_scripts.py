"""The reference programs `tools/benchmark.py` times beside `tpulint check`, as Python sources
run with `python -c`, and the byte ranges the needed-bytes reference reads."""

from __future__ import annotations

import json
from pathlib import Path

# A process that reads what tpulint reads: every byte but the constant payloads (argv: a JSON
# file of [path, [[start, end], ...]] gaps between payloads).
READ_NEEDED = """
import json, os, sys
for path, gaps in json.load(open(sys.argv[1])):
    fd = os.open(path, os.O_RDONLY)
    for start, end in gaps:
        os.pread(fd, end - start, start)
    os.close(fd)
"""
LITERT = """
import sys
from ai_edge_litert.interpreter import Interpreter
for path in sys.argv[1:]:
    interpreter = Interpreter(model_path=path)
    interpreter.get_tensor_details()
    interpreter._get_ops_details()
"""
TFLITE_WALK = """
import sys
import tflite
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        model = tflite.Model.GetRootAsModel(f.read(), 0)
    codes = [(max(c.DeprecatedBuiltinCode(), c.BuiltinCode()), c.Version(), c.CustomCode())
             for c in map(model.OperatorCodes, range(model.OperatorCodesLength()))]
    sizes = [model.Buffers(i).DataLength() for i in range(model.BuffersLength())]
    for s in range(model.SubgraphsLength()):
        graph = model.Subgraphs(s)
        for t in range(graph.TensorsLength()):
            tensor = graph.Tensors(t)
            q = tensor.Quantization()
            (tensor.Name(), tensor.Type(), tensor.ShapeAsNumpy(), tensor.ShapeSignatureAsNumpy(),
             tensor.Buffer(), None if q is None else
             (q.ScaleAsNumpy(), q.ZeroPointAsNumpy(), q.QuantizedDimension()))
        for o in range(graph.OperatorsLength()):
            op = graph.Operators(o)
            (codes[op.OpcodeIndex()], op.InputsAsNumpy(), op.OutputsAsNumpy(),
             op.BuiltinOptionsType())
"""
# Seconds, inside one started process, to compute the cache key of every file (read what the
# check reads, hash it) and to make only the reads the structure needs (argv: gaps file, as
# READ_NEEDED): the key must cost no more than the structure read.
KEY_LOOP = """
import json, sys, time
from pathlib import Path
from tpulint.engine.cache import Cache
from tpulint.reader import read_source
cache = Cache(Path("unused"), "salt")
paths = [path for path, _gaps in json.load(open(sys.argv[1]))]
started = time.perf_counter()
for path in paths:
    cache.key_of(read_source(path))
print(time.perf_counter() - started)
"""
NEEDED_LOOP = """
import json, os, sys, time
entries = json.load(open(sys.argv[1]))
started = time.perf_counter()
for path, gaps in entries:
    fd = os.open(path, os.O_RDONLY)
    for start, end in gaps:
        os.pread(fd, end - start, start)
    os.close(fd)
print(time.perf_counter() - started)
"""
# CPU seconds to read, check and render (JSON) one model in a started process, median of
# repeats: CPU time, so other work on the machine weighs less than on the wall clock.
IN_PROCESS = """
import statistics, sys, time
from tpulint.cli import main
path, repeats = sys.argv[1], int(sys.argv[2])
args = ["check", "--isolated", "--no-cache", "--time-budget", "3600", "--format", "json",
        "--output-file", "/dev/null", path]
main(args)
samples = []
for _ in range(repeats):
    started = time.process_time()
    main(args)
    samples.append(time.process_time() - started)
print(statistics.median(samples))
"""


def needed_gaps(paths: list[Path], target: Path) -> None:
    """Write, for each model, the byte ranges outside its constant payloads (READ_NEEDED)."""
    from tpulint.reader import read_model

    entries = []
    for path in paths:
        model = read_model(path)
        spans = sorted((b.offset, b.offset + b.size) for b in model.buffers if b.size)
        gaps, position = [], 0
        for start, end in spans:
            if start > position:
                gaps.append([position, start])
            position = max(position, end)
        if position < model.file_size:
            gaps.append([position, model.file_size])
        entries.append([str(path), gaps])
    target.write_text(json.dumps(entries))


def operators(path: Path) -> int:
    from tpulint.reader import read_model

    return sum(len(graph.operators) for graph in read_model(path).subgraphs)
