#!/usr/bin/env python3
"""A stand-in for `edgetpu_compiler` that replays a recorded compilation.

It takes the real compiler's command line (`--version`, `-o DIR`, `-s`, `-m N`, `-a`, `-d`,
`-k N`, `-t N`, models) and replays the recording named by `TPULINT_REPLAY` (a JSON file in
`recordings/`):

- "success": writes the recorded compiled model and the recorded operation log as
  `<name>_edgetpu.tflite` / `<name>_edgetpu.log` in the output directory and prints stdout. No
  full stdout of a real run is public, so stdout is composed: the real log's table framed by the
  summary lines the real compiler prints (their shape is in docs/compiler-facts.md §1),
  with counts from the log and memory figures given in the recording.
- "fatal": prints the recorded error lines (quoted from public compiler reports) and exits 1.
- "hang": sleeps far past any time limit, as a stuck compiler does.

It refuses an input that is not the recorded model (by SHA-256), so a test cannot pass on the
wrong file. With `TPULINT_REPLAY_ARGS` set, it writes its arguments there as JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOT_ALL_MAPPED = (
    "Model successfully compiled but not all operations are supported by the Edge TPU. A "
    "percentage of the model will instead run on the CPU, which is slower. If possible, consider "
    "updating your model to use only operations supported by the Edge TPU. For details, visit "
    "g.co/coral/model-reqs."
)


def main() -> int:
    recording = json.loads(Path(os.environ["TPULINT_REPLAY"]).read_text(encoding="utf-8"))
    version = recording["version"]
    if {"-v", "--version"} & set(sys.argv[1:]):
        print(f"Edge TPU Compiler version {version}")
        return 0
    args = arguments().parse_args()
    if "TPULINT_REPLAY_ARGS" in os.environ:
        Path(os.environ["TPULINT_REPLAY_ARGS"]).write_text(json.dumps(sys.argv[1:]))
    print(f"Edge TPU Compiler version {version}")
    model = Path(args.models[0])
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    if digest != recording["model_sha256"]:
        print(f"replay: {model} is not the recorded model", file=sys.stderr)
        return 2
    kind = recording["kind"]
    if kind == "hang":
        time.sleep(600)
        return 0
    print(f"Started a compilation timeout timer of {args.timeout_sec} seconds.")
    if kind == "fatal":
        for line in recording["stderr"]:
            print(line.format(model=model), file=sys.stderr)
        for line in recording["stdout"]:
            print(line.format(model=model))
        return int(recording["exit_code"])
    return replay_success(recording, model, Path(args.out_dir or "."), args.show_operations)


def replay_success(recording: dict[str, object], model: Path, out: Path, show: bool) -> int:
    log_text = (HERE / str(recording["log"])).read_text(encoding="utf-8")
    compiled = out / f"{model.stem}_edgetpu.tflite"
    log = out / f"{model.stem}_edgetpu.log"
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(HERE / str(recording["compiled"]), compiled)
    log.write_text(log_text, encoding="utf-8")
    table = [line for line in log_text.splitlines()[3:] if line.strip()]
    counts = [(line.split()[0], int(line.split()[1]), line.split(None, 2)[2])
              for line in table[1:]]
    total = sum(count for _, count, _ in counts)
    tpu = sum(count for _, count, status in counts if status == "Mapped to Edge TPU")
    memory = recording["memory"]
    assert isinstance(memory, dict)
    lines = [
        "", f"Model compiled successfully in {recording['milliseconds']} ms.", "",
        f"Input model: {model}",
        f"Input size: {size(model.stat().st_size)}",
        f"Output model: {compiled}",
        f"Output size: {size(compiled.stat().st_size)}",
        f"On-chip memory used for caching model parameters: {memory['on_chip_used']}",
        f"On-chip memory remaining for caching model parameters: {memory['on_chip_remaining']}",
        f"Off-chip memory used for streaming uncached model parameters: {memory['off_chip_used']}",
        f"Number of Edge TPU subgraphs: {recording['edgetpu_subgraphs']}",
        f"Total number of operations: {total}",
        f"Operation log: {log}", "",
    ]
    if tpu < total:
        lines += [NOT_ALL_MAPPED, f"Number of operations that will run on Edge TPU: {tpu}",
                  f"Number of operations that will run on CPU: {total - tpu}", ""]
    lines += table if show else ["See the operation log file for individual operation details."]
    lines += ["Compilation child process completed within timeout period.",
              "Compilation succeeded!"]
    print("\n".join(lines))
    return 0


def size(count: int) -> str:
    """Bytes the way the compiler prints them: 487.99KiB, 7.31MiB."""
    for unit, scale in (("MiB", 1024**2), ("KiB", 1024)):
        if count >= scale:
            return f"{count / scale:.2f}{unit}"
    return f"{count:.2f}B"


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="edgetpu_compiler")
    parser.add_argument("-o", "--out_dir")
    parser.add_argument("-s", "--show_operations", action="store_true")
    parser.add_argument("-m", "--min_runtime_version", type=int)
    parser.add_argument("-a", "--enable_multiple_subgraphs", action="store_true")
    parser.add_argument("-d", "--search_delegate", action="store_true")
    parser.add_argument("-k", "--delegate_search_step", type=int)
    parser.add_argument("-t", "--timeout_sec", type=int, default=180)
    parser.add_argument("-i", "--intermediate_tensors")
    parser.add_argument("-n", "--num_segments", type=int)
    parser.add_argument("models", nargs="+")
    return parser


if __name__ == "__main__":
    sys.exit(main())
