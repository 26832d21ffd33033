"""Read what `edgetpu_compiler` says: its stdout, its stderr and its `*_edgetpu.log` files.

The same reader takes all of them, because they share their lines: a version line, the input and
output files, the `Operator Count Status` table (stdout prints it with `-s`), and on stdout the
summary (memory use, Edge TPU subgraphs, operation counts) and any fatal error. A text can hold
several models: a co-compilation prints one block per model, and people paste several logs into
one file. A block starts at each `Input:` / `Input model:` line.

Compiler versions 2.x, 14, 15 and 16 write the same table; 2.0 says "available" where later ones
say "remaining" for the on-chip memory left.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

VERSION = re.compile(r"^Edge TPU Compiler version (\S+)")
INPUT = re.compile(r"^Input(?: model)?:\s*(.*?)\s*$")
OUTPUT = re.compile(r"^Output(?: model)?:\s*(.*?)\s*$")
TABLE_HEADER = re.compile(r"^Operator\s+Count\s+Status\s*$")
TABLE_ROW = re.compile(r"^([A-Za-z][\w\-./]*)\s+(\d+)\s+(\S.*?)\s*$")
SIZE = re.compile(r"^([\d.]+)\s*(B|KiB|MiB|GiB|KB|MB|GB)?$")
COMPILED_IN = re.compile(r"^Models? compiled successfully in (\d+) ms\.")
TIMER = re.compile(r"^Started a compilation timeout timer of (\d+) seconds\.")
UNITS = {"B": 1, None: 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3,
         "KB": 1024, "MB": 1024**2, "GB": 1024**3}

# "label: value" summary lines and the field each fills.
SUMMARY_FIELDS = {
    "Input size": "input_bytes",
    "Output size": "output_bytes",
    "On-chip memory used for caching model parameters": "on_chip_used_bytes",
    "On-chip memory remaining for caching model parameters": "on_chip_remaining_bytes",
    "On-chip memory available for caching model parameters": "on_chip_remaining_bytes",
    "Off-chip memory used for streaming uncached model parameters": "off_chip_used_bytes",
    "Number of Edge TPU subgraphs": "edgetpu_subgraphs",
    "Total number of operations": "total_operations",
    "Number of operations that will run on Edge TPU": "tpu_operations",
    "Number of operations that will run on CPU": "cpu_operations",
    "Operation log": "log_file",
}

# Lines that mean the compilation as a whole failed (docs/compiler-facts.md §2).
FATAL_PREFIXES = (
    "ERROR:", "Invalid model:", "Model could not be parsed", "Compilation failed",
    "Internal compiler error", "terminating with uncaught exception", "Compilation timeout",
    "Model not quantized", "error:",
)
# Follow-up lines that add nothing to the first error.
NOISE = ("ERROR: Registration failed.", "Compilation failed!")
# Errors that only say that something failed; the specific ones are listed first.
GENERIC = ("Invalid model:", "Model could not be parsed")
CONSEQUENCES = ("ERROR: Restored original execution plan",)
MLIR_ERROR = re.compile(r"^loc\(.*\):\s*error:")


@dataclass(frozen=True, slots=True)
class StatusRow:
    """One row of the operation table: `count` operators of type `opcode` got `status`."""

    opcode: str
    count: int
    status: str


@dataclass
class CompilerReport:
    """What the compiler said about one model."""

    compiler_version: str | None = None
    input: str | None = None
    output: str | None = None
    rows: list[StatusRow] = field(default_factory=list)
    input_bytes: int | None = None
    output_bytes: int | None = None
    on_chip_used_bytes: int | None = None
    on_chip_remaining_bytes: int | None = None
    off_chip_used_bytes: int | None = None
    edgetpu_subgraphs: int | None = None
    total_operations: int | None = None
    tpu_operations: int | None = None
    cpu_operations: int | None = None
    log_file: str | None = None

    def statuses(self, opcode: str) -> list[StatusRow]:
        return [row for row in self.rows if row.opcode == opcode]


@dataclass
class CompilerOutput:
    """Everything read from one text: per-model reports and what concerns the whole run."""

    reports: list[CompilerReport] = field(default_factory=list)
    compiler_version: str | None = None
    errors: list[str] = field(default_factory=list)
    timeout_seconds: int | None = None
    search_steps: list[str] = field(default_factory=list)  # `-d` delegate search lines
    succeeded: bool | None = None  # "Compilation succeeded!" / "failed!", when printed
    compile_ms: int | None = None

    @property
    def report(self) -> CompilerReport | None:
        return self.reports[0] if self.reports else None


def parse(text: str) -> CompilerOutput:
    """Parse compiler stdout, stderr or operation logs (or all of them joined)."""
    result = CompilerOutput()
    current: CompilerReport | None = None
    version: str | None = None  # the last version line applies to the blocks after it
    in_table = False
    for raw in text.splitlines():
        line = raw.strip()
        if in_table:
            row = TABLE_ROW.match(line)
            if row and current is not None:
                current.rows.append(StatusRow(row[1], int(row[2]), row[3]))
                continue
            if not line:
                in_table = bool(current is not None and not current.rows)
                continue
            in_table = False
        if not line:
            continue
        if match := VERSION.match(line):
            version = match[1]
            result.compiler_version = result.compiler_version or version
            continue
        if match := INPUT.match(line):
            current = CompilerReport(compiler_version=version, input=match[1])
            result.reports.append(current)
            continue
        if TABLE_HEADER.match(line):
            current = current or _new_report(result, version)
            in_table = True
            continue
        if _read_run_line(line, result):
            continue
        if match := OUTPUT.match(line):
            (current or _new_report(result, version)).output = match[1]
            continue
        label, colon, value = line.partition(":")
        if colon and label in SUMMARY_FIELDS:
            _set_summary(current or _new_report(result, version), SUMMARY_FIELDS[label],
                         value.strip())
    result.errors.sort(key=_vagueness)
    return result


def _read_run_line(line: str, result: CompilerOutput) -> bool:
    """Lines about the whole run: errors, the timer, delegate search, the final verdict."""
    if match := TIMER.match(line):
        result.timeout_seconds = int(match[1])
    elif match := COMPILED_IN.match(line):
        result.compile_ms = int(match[1])
    elif line == "Compilation succeeded!":
        result.succeeded = True
    elif line == "Compilation failed!":
        result.succeeded = False
    elif line.startswith(("Searching for valid delegate", "Try to compile segment",
                          "Intermediate tensors:")):
        result.search_steps.append(line)
    elif line.startswith(FATAL_PREFIXES) or MLIR_ERROR.match(line):
        if line not in NOISE and line not in result.errors:
            result.errors.append(line)
    else:
        return False
    return True


def _vagueness(error: str) -> int:
    return 2 if error.startswith(GENERIC) else 1 if error.startswith(CONSEQUENCES) else 0


def _new_report(result: CompilerOutput, version: str | None) -> CompilerReport:
    report = CompilerReport(compiler_version=version)
    result.reports.append(report)
    return report


def _set_summary(report: CompilerReport, name: str, value: str) -> None:
    if name == "log_file":
        report.log_file = value
    elif name.endswith("_bytes"):
        setattr(report, name, parse_size(value))
    elif value.isdigit():
        setattr(report, name, int(value))


def parse_size(text: str) -> int | None:
    """`7.31MiB` -> bytes, as the compiler prints sizes (rounded to what it printed)."""
    match = SIZE.match(text.replace(" ", ""))
    if not match:
        return None
    return round(float(match[1]) * UNITS[match[2]])
