"""What a human report shows first, and what it folds.

Every human format (full, markdown, html) reads the same triage of a model, so they agree on
what matters: the operators that end or split the Edge TPU region with how many operators each
strands, the findings ordered by impact (how many operators they put on the CPU), consequences
folded under their cause, and a per-opcode table like the compiler's own. Machine formats (json,
sarif, ...) never fold and keep names whole.
"""

from __future__ import annotations

import re
from collections import Counter

from tpulint.analysis import status
from tpulint.api import Finding
from tpulint.record import Record, field
from tpulint.report.bounded import FINDINGS_PER_RULE
from tpulint.results import ModelResult, OperatorRow, RunResult

SHOWN_PER_CODE = 3  # findings of one code listed before the rest are folded into a count
REGION_ENDS_SHOWN = 5  # region-ending operators listed before the rest are folded
NAME_WIDTH = 48  # quoted names longer than this are shortened in the middle
# The compiler's statuses, shortened for terminal tables (JSON keeps them whole).
SHORT_STATUS = {
    status.MAPPED: "mapped",
    status.NOT_SUPPORTED: "not supported",
    status.UNSUPPORTED_TYPE: "unsupported data type",
    status.UNSPECIFIED: "unspecified limitation",
    status.MORE_THAN_ONE_SUBGRAPH: "more than one subgraph",
    status.UNSUPPORTED_RANK: "unsupported rank",
    status.VERSION_NOT_SUPPORTED: "version not supported",
    status.NOT_CONSTANT: "param not constant",
}
# A quoted name holds no white space: that tells it from the prose between two quoted names.
_QUOTED = re.compile(rf"'([^'\s]{{{NAME_WIDTH + 1},}})'")


def shorten(name: str, width: int = NAME_WIDTH) -> str:
    """`name` cut in the middle to `width` characters. The tail is kept longer than the head:
    in fused TensorFlow names (`a/b/conv;a/b/bias;...`) the end tells operators apart."""
    if len(name) <= width:
        return name
    head = width // 3
    tail = width - head - 1
    return f"{name[:head]}…{name[-tail:]}"


def shorten_names(message: str, width: int = NAME_WIDTH) -> str:
    """`message` with every quoted name longer than `width` shortened."""
    quoted = _QUOTED if width == NAME_WIDTH else re.compile(rf"'([^'\s]{{{width + 1},}})'")
    return quoted.sub(lambda match: f"'{shorten(match.group(1), width)}'", message)


REGION_ENDS_LISTED = 5  # region ends a text report lists before counting the others


def short_status(text: str) -> str:
    return SHORT_STATUS.get(text, text)


def _stranded_by(main: list[OperatorRow]) -> Counter[int | None]:
    """CPU operator index -> how many supported operators follow it to the CPU."""
    return Counter(row.cause for row in main if row.kind == "stranded")


class RegionEnd(Record):
    """A main-subgraph operator on the CPU for a reason of its own."""

    row: OperatorRow
    stranded: int  # supported operators that follow it to the CPU

    @property
    def status(self) -> str:
        return short_status(self.row.reason)


def region_ends(model: ModelResult) -> list[RegionEnd]:
    """The operators that end or split the Edge TPU region, the most stranding first (none for
    a compiled model, a model that fails to compile, or one that runs wholly on the CPU)."""
    main = [row for row in model.operators if row.subgraph == 0]
    own = [row for row in main if row.kind == "cpu"]
    if model.compiled or model.fatal or not own or len(own) == len(main):
        return []
    stranded = _stranded_by(main)
    ends = [RegionEnd(row, stranded[row.index]) for row in own]
    return sorted(ends, key=lambda end: (-end.stranded, end.row.index))


def listed_region_ends(model: ModelResult) -> tuple[list[RegionEnd], str | None]:
    """The region ends a text report lists, and the line that counts the others (or None)."""
    ends = region_ends(model)
    more = len(ends) - REGION_ENDS_LISTED
    line = f"+{more} more operators on the CPU for a reason of their own" if more > 0 else None
    return ends[:REGION_ENDS_LISTED], line


class Group(Record, frozen=False):
    """A finding shown in full and the findings folded under it."""

    lead: Finding
    folded: list[Finding] = field(default_factory=list)
    same_cause: bool = False  # folded as consequences of `lead`, not as more of the same code

    def fold_text(self) -> str:
        if not self.folded:
            return ""
        if self.same_cause:
            codes = Counter(f.code for f in self.folded)
            detail = ", ".join(f"{code} x{count}" for code, count in sorted(codes.items()))
            return f"+{len(self.folded)} more from the same cause ({detail})"
        return f"+{len(self.folded)} more {self.lead.code} [{self.lead.name}]"


def impact(model: ModelResult) -> dict[int, int]:
    """Main-subgraph operator -> how many operators it puts on the CPU (itself and the ones it
    strands)."""
    main = [row for row in model.operators if row.subgraph == 0]
    stranded = _stranded_by(main)
    return {row.index: 1 + stranded[row.index] for row in main if row.kind == "cpu"}


def _whole_model_cause(model: ModelResult) -> Finding | None:
    """A model-wide error when nothing reaches the Edge TPU (a float or float16 model, a
    compilation failure): every other finding is its consequence."""
    s = model.summary
    if s.tpu and not model.fatal:
        return None
    return next((f for f in model.findings if f.severity.value == "error"
                 and f.location.operator is None and f.location.tensor is None), None)


def ordered(model: ModelResult) -> list[Finding]:
    """The findings by impact: operators put on the CPU, then severity, then location."""
    costs = impact(model)

    def cost(finding: Finding) -> int:
        loc = finding.location
        if loc.operator is None or loc.subgraph not in (0, None):
            return 0
        return costs.get(loc.operator, 0)

    return sorted(model.findings, key=lambda f: (-cost(f), -f.severity.rank, f.sort_key))


def groups(model: ModelResult, show_all: bool = False) -> list[Group]:
    """The findings to show, each with what is folded under it (`show_all`: nothing folded
    until a rule has more findings than a report lists)."""
    findings = ordered(model)
    cause = None if show_all else _whole_model_cause(model)
    if cause is not None:
        rest = [f for f in findings if f is not cause]
        return [Group(cause, rest, same_cause=True)]
    shown_per_code = FINDINGS_PER_RULE if show_all else SHOWN_PER_CODE
    shown: dict[str, Group] = {}
    counts: Counter[str] = Counter()
    result: list[Group] = []
    for finding in findings:
        counts[finding.code] += 1
        if counts[finding.code] <= shown_per_code:
            group = Group(finding)
            result.append(group)
            shown[finding.code] = group
        else:
            shown[finding.code].folded.append(finding)
    return result


class OpcodeRow(Record):
    """One line of the per-opcode table, as the compiler prints it after compiling."""

    opcode: str
    count: int
    tpu: int
    cpu: int
    status: str  # the most common CPU status, or "Mapped to Edge TPU"

    @property
    def brief(self) -> str:
        return short_status(self.status)


def opcode_table(model: ModelResult) -> list[OpcodeRow]:
    """The main subgraph's operators by type, the most frequent first."""
    by_type: dict[str, list[OperatorRow]] = {}
    for row in model.operators:
        if row.subgraph == 0:
            by_type.setdefault(row.label.split(" '")[0], []).append(row)
    table = []
    for opcode, rows in by_type.items():
        cpu = [row for row in rows if row.placement == "cpu"]
        reasons = Counter(row.reason for row in cpu)
        compiler = reasons.most_common(1)[0][0] if reasons else status.MAPPED
        table.append(OpcodeRow(opcode, len(rows), len(rows) - len(cpu), len(cpu), compiler))
    return sorted(table, key=lambda r: (-r.cpu, -r.count, r.opcode))


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 or word == 'info' else 's'}"


def run_summary(run: RunResult) -> str:
    """One line for the end of every text format: `All checks passed` on a clean run, else
    `3 errors, 1 warning in 2 models (12 suppressed); 233 of 256 operators on the Edge TPU`."""
    counts = Counter(f.severity.value for f in run.findings)
    checked = [m for m in run.models if not m.error]
    operators = sum(m.summary.operators for m in checked if not m.compiled)
    tpu = sum(m.summary.tpu for m in checked if not m.compiled)
    placed = f"; {tpu} of {operators} operators on the Edge TPU" if operators else ""
    suppressed = sum(m.suppressed for m in run.models)
    hidden = f" ({suppressed} suppressed)" if suppressed else ""
    parts = [plural(counts[level], level) for level in ("error", "warning", "info")
             if counts[level]]
    errors = f"; {plural(len(run.errors), 'file')} could not be read" if run.errors else ""
    if not checked:
        return f"No models checked{errors}"
    if not parts:
        return f"All checks passed ({plural(len(checked), 'model')}{hidden}){placed}{errors}"
    return f"{', '.join(parts)} in {plural(len(checked), 'model')}{hidden}{placed}{errors}"
