"""Score tpulint's placement prediction against compiler ground truth.

usage: python tools/score_corpus.py [CORPUS_DIR] [--verbose]

CORPUS_DIR (default ../shared/corpus) holds truth/<id>.json (per-operator `status` tpu/cpu and
the compiler's `reason` where its log gave one) and models/<id>.tflite with, where published,
the compiled models/<id>_edgetpu.tflite. Prints a row per model, then operator accuracy, exact
models, CPU-operator precision and recall, reason agreement, and the parameter-memory estimate
against the compiled packages, and accuracy per confidence level (`high` should be right on
every operator).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from tpulint.analysis.compiler_options import CompilerOptions
from tpulint.analysis.facts import ModelFacts
from tpulint.reader import ModelReadError, read_model

DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--verbose", action="store_true", help="list every wrong operator")
    args = parser.parse_args()
    truth_dir, models_dir = args.corpus / "truth", args.corpus / "models"
    if not truth_dir.is_dir():
        print(f"no corpus at {args.corpus} (expected truth/ and models/)", file=sys.stderr)
        return 2

    ops = correct = exact = models = 0
    cpu_true = cpu_predicted = cpu_hit = reasons = reasons_right = 0
    memory_errors: list[float] = []
    by_confidence: dict[str, list[int]] = {}  # level -> [right, placed]
    wrong_high: dict[str, int] = {}  # model -> operators misplaced at high confidence
    print(f"{'model':58} {'ops':>9} {'ms':>6}  memory (estimate / compiled)")
    for path in sorted(truth_dir.glob("*.json")):
        truth = json.loads(path.read_text())
        model_path = models_dir / truth["source"]["local"]
        if not model_path.exists():
            continue
        started = time.perf_counter()
        try:
            # a compiled file with several Edge TPU subgraphs was made with `-a`
            multiple = (truth.get("edgetpu_subgraphs") or 0) > 1
            facts = ModelFacts(read_model(model_path),
                               CompilerOptions(enable_multiple_subgraphs=multiple))
            placed = facts.prediction.operators
        except ModelReadError as error:
            print(f"{truth['id'][:58]:58} unreadable: {error}")
            continue
        elapsed = (time.perf_counter() - started) * 1000
        wrong = []  # (index, opcode, compiler placement, compiler status, predicted status)
        for op in truth["ops"]:
            if op.get("status") not in ("tpu", "cpu") or op["subgraph"] != 0:
                continue
            got = placed[op["index"]]
            ops += 1
            correct += got.placement == op["status"]
            level = by_confidence.setdefault(got.confidence, [0, 0])
            level[0] += got.placement == op["status"]
            level[1] += 1
            if got.confidence == "high" and got.placement != op["status"]:
                wrong_high[truth["id"]] = wrong_high.get(truth["id"], 0) + 1
            cpu_true += op["status"] == "cpu"
            cpu_predicted += got.placement == "cpu"
            cpu_hit += got.placement == op["status"] == "cpu"
            if op["status"] == "cpu" and op.get("reason"):
                reasons += 1
                reasons_right += got.reason == op["reason"]
            misreasoned = op["status"] == "cpu" and op.get("reason") and got.reason != op["reason"]
            if got.placement != op["status"] or misreasoned:
                wrong.append((op["index"], op["opcode"], op["status"], op.get("reason"),
                              got.reason))
        models += 1
        misplaced = [w for w in wrong if placed[w[0]].placement != w[2]]
        exact += not misplaced
        memory = _memory(facts, truth, models_dir)
        if memory:
            memory_errors.append(memory[2])
        total = sum(1 for op in truth["ops"] if op["subgraph"] == 0)
        shown = f"{memory[0] / 1e6:5.2f} / {memory[1] / 1e6:5.2f} MB" if memory else ""
        flag = f"  <-- {len(misplaced)} misplaced" if misplaced else ""
        flag += f"  ({len(wrong) - len(misplaced)} other status)" if len(wrong) > len(
            misplaced) else ""
        print(f"{truth['id'][:58]:58} {total - len(misplaced):>4}/{total:<4} {elapsed:6.0f}  "
              f"{shown}{flag}")
        if args.verbose:
            for index, opcode, placement, status, predicted in wrong:
                print(f"    op{index} {opcode}: compiler {placement} ({status}), "
                      f"tpulint {predicted}")
    if not models:
        print("no models found", file=sys.stderr)
        return 2
    precision = cpu_hit / cpu_predicted if cpu_predicted else 1.0
    recall = cpu_hit / cpu_true if cpu_true else 1.0
    print()
    print(f"operators placed right: {correct}/{ops} ({100 * correct / ops:.2f}%)")
    print(f"exact models: {exact}/{models}")
    print(f"CPU operators: precision {precision:.3f}, recall {recall:.3f}")
    print(f"compiler status string matched: {reasons_right}/{reasons} CPU operators with a "
          "known status")
    for name in ("high", "medium", "low"):
        right, placed_n = by_confidence.get(name, [0, 0])
        if placed_n:
            print(f"confidence {name}: {right}/{placed_n} placed right "
                  f"({100 * right / placed_n:.2f}%)")
    if wrong_high:
        print("wrong at high confidence: " + ", ".join(
            f"{model} ({count})" for model, count in sorted(wrong_high.items())))
    if memory_errors:
        mean = sum(abs(e) for e in memory_errors) / len(memory_errors)
        worst = max(memory_errors, key=abs)
        print(f"parameter memory estimate vs compiled package: mean error {100 * mean:.1f}%, "
              f"worst {100 * worst:+.1f}% over {len(memory_errors)} models")
    return 0


def _memory(facts: ModelFacts, truth: dict, models_dir: Path) -> tuple[int, int, float] | None:
    """(estimate, compiled, relative error) when the compiled model is present."""
    compiled = truth.get("compiled") or {}
    path = models_dir / compiled.get("local", "")
    if not compiled or not path.is_file() or facts.prediction.cpu_count == len(
            facts.prediction.operators):
        return None
    measured = ModelFacts(read_model(path)).memory.parameter_bytes
    estimate = facts.memory.parameter_bytes
    if measured < 64 * 1024:  # tiny models are dominated by fixed overheads
        return None
    return estimate, measured, (estimate - measured) / measured


if __name__ == "__main__":
    sys.exit(main())
