"""Re-derive the bracket of every observed size limit from a ground-truth corpus.

usage: python tools/limit_brackets.py [CORPUS_DIR] [--skip ID ...]

For each size limit in the engine (the constraints with a `limit`), prints the largest size the
compiler mapped and the smallest it refused, with the operator that shows it, next to the bracket
`tpulint/analysis/limits.py` states. An operator counts as refused only for a reason of its own:
every producer mapped, no other constraint broken, and its status unknown or "unspecified
limitation", and its size above the largest mapped (an operator nothing explains is no evidence
for any limit). Models compiled with several Edge TPU subgraphs are left out; --skip leaves out
others (a compilation with delegate search leaves no trace in the files).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tpulint.analysis import status
from tpulint.analysis.constraints import GENERIC_LIMITS, Constraint, OperatorView
from tpulint.analysis.graph import Graph
from tpulint.analysis.operators import all_constraints
from tpulint.analysis.support import OPERATORS, check_operator
from tpulint.ir import Model
from tpulint.reader import ModelReadError, read_model

DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--skip", nargs="*", default=[], help="model ids to leave out")
    args = parser.parse_args()
    sized = [c for c in all_constraints() if c.limit is not None and c.measure is not None]
    mapped: dict[str, tuple[int, str]] = {c.name: (0, "-") for c in sized}
    refused: dict[str, list[tuple[int, str]]] = {c.name: [] for c in sized}
    paths = sorted((args.corpus / "truth").glob("*.json"))
    if not paths:
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    for path in paths:
        truth = json.loads(path.read_text())
        if truth["id"] in args.skip or (truth.get("edgetpu_subgraphs") or 0) > 1:
            continue
        try:
            model = read_model(args.corpus / "models" / truth["source"]["local"])
        except ModelReadError:
            continue
        if model.compiled:
            continue
        _scan(model, truth, sized, mapped, refused)
    for c in sized:
        assert c.limit is not None
        largest = mapped[c.name][0]
        smallest = min((r for r in refused[c.name] if r[0] > largest), default=(0, "none seen"))
        print(f"{c.name}: mapped up to {largest:,} ({mapped[c.name][1]}), refused from "
              f"{smallest[0]:,} ({smallest[1]}); stated: {c.limit.bracket}, limit {c.limit}")
    return 0


def _scan(model: Model, truth: dict[str, Any], sized: list[Constraint],
          mapped: dict[str, tuple[int, str]], refused: dict[str, list[tuple[int, str]]]) -> None:
    sg = model.main
    graph = Graph(sg)
    placed = {o["index"]: o for o in truth["ops"] if o.get("subgraph", 0) == 0}
    for index, expected in placed.items():
        op = sg.operators[index]
        spec = OPERATORS.get(op.opcode)
        if spec is None or expected.get("status") not in ("tpu", "cpu"):
            continue
        view = OperatorView(model, sg, op, spec)
        own = expected["status"] == "cpu" and expected.get("reason") in (None, status.UNSPECIFIED) \
            and all(placed.get(p, {}).get("status") == "tpu" for p in graph.predecessors(index))
        broken = {v.constraint.name for v in check_operator(view)}
        where = f"{truth['id']} op{index} {op.opcode}"
        for c in sized:
            if c not in (*spec.constraints, *GENERIC_LIMITS):
                continue
            assert c.measure is not None
            measured = c.measure(view)
            if measured is None:
                continue
            size = measured[0]
            if expected["status"] == "tpu" and size > mapped[c.name][0]:
                mapped[c.name] = (size, where)
            if own and not (broken - {c.name}):
                refused[c.name].append((size, where))


if __name__ == "__main__":
    sys.exit(main())
