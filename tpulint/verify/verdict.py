"""Hold tpulint's prediction against what the compiler did, operator by operator.

Where the compiler put each operator comes from the compiled model (exact per operator). Its
status string comes from the operation log, which counts per operator type: a CPU operator gets
its type's status when the log gives that type a single non-mapped status; with several, the
operator's status is one of them, and a prediction outside that set is still a contradiction.
Without a compiled model, a type the log maps entirely, or leaves entirely on the CPU, places its
operators too; the others stay unverified.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from tpulint.analysis.placement import Fatal
from tpulint.analysis.status import MAPPED
from tpulint.api import Finding
from tpulint.results import ModelResult, OperatorRow
from tpulint.verify.compiled import CPU, TPU, CompiledPlacement
from tpulint.verify.log import CompilerReport

CONFIRMED = "confirmed"
PLACEMENT_CONTRADICTED = "placement-contradicted"
REASON_CONTRADICTED = "reason-contradicted"
UNVERIFIED = "unverified"

_OP_VERSION = re.compile(r"Didn't find op for builtin opcode '(\w+)' version '(\d+)'")
_BUILTIN_RANGE = re.compile(r"builtin_code out of range: (\d+)")
# Causes of a failed compilation, by words of the compiler's message (docs/compiler-facts.md §2).
_CAUSES = (
    ("static-sized tensors", "dynamic-size"),
    ("Model not quantized", "not-quantized"),
    ("large activation", "large-activations"),
    ("Compilation timeout", "timeout"),
    ("Internal compiler error", "internal-error"),
    ("Did not get operators, tensors, or buffers", "malformed"),
    ("failed in Tflite interpreter", "interpreter"),
)


@dataclass(frozen=True, slots=True)
class OperatorVerdict:
    subgraph: int
    index: int
    opcode: str
    label: str
    predicted: str
    predicted_reason: str
    compiler: str | None  # "tpu", "cpu", or None when the compiler's answer is unknown
    compiler_reason: str | None
    reason_candidates: tuple[str, ...]  # the statuses the log allows for this operator
    outcome: str
    fatal_predicted: bool = False  # predicted on the CPU because the whole compile fails


@dataclass
class Comparison:
    path: str
    rows: list[OperatorVerdict]
    compile_failed: bool
    errors: list[str]
    predicted_fatal: list[Fatal]
    fatal_matches: bool  # a compiler error has the cause of a predicted fatal one
    findings: list[tuple[Finding, str]] = field(default_factory=list)  # check findings + outcome
    notes: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def summary(self) -> dict[str, int]:
        outcomes = Counter(outcome for _, outcome in self.findings)
        compared = [row for row in self.rows if row.compiler is not None]
        return {
            "operators": len(self.rows),
            "compared": len(compared),
            "confirmed": self.count(CONFIRMED),
            "placement_contradicted": self.count(PLACEMENT_CONTRADICTED),
            "reason_contradicted": self.count(REASON_CONTRADICTED),
            "unverified": self.count(UNVERIFIED),
            "compiler_tpu": sum(1 for row in compared if row.compiler == TPU),
            "compiler_cpu": sum(1 for row in compared if row.compiler == CPU),
            "findings_confirmed": outcomes[CONFIRMED],
            "findings_contradicted": outcomes[PLACEMENT_CONTRADICTED],
            "findings_unverified": outcomes[UNVERIFIED],
        }


def fatal_cause(message: str) -> str:
    """A comparable name for why a whole compilation fails, from the compiler's message."""
    if match := _OP_VERSION.search(message):
        return f"op-version {match[1]} {match[2]}"
    if match := _BUILTIN_RANGE.search(message):
        return f"builtin-code {match[1]}"
    return next((cause for words, cause in _CAUSES if words in message), "other")


def compare(result: ModelResult, compiled: CompiledPlacement | None,
            report: CompilerReport | None, compile_failed: bool,
            errors: list[str]) -> Comparison:
    predicted_causes = {fatal_cause(f.message) for f in result.fatal}
    fatal_matches = any(fatal_cause(e) in predicted_causes for e in errors)
    comparison = Comparison(result.path, [], compile_failed, list(errors), list(result.fatal),
                            fatal_matches)
    fatal_messages = {f.message for f in result.fatal}
    trusted = _trusted_types(result, compiled, report, comparison.notes)
    for row in result.operators:
        fatal_row = row.reason in fatal_messages
        compiler: str | None = None
        candidates: tuple[str, ...] = ()
        if not compile_failed:
            compiler, candidates = _compiler_view(row, compiled, report, trusted)
        reason = _single(candidates)
        outcome = _outcome(row, compiler, candidates, compile_failed and bool(result.fatal))
        comparison.rows.append(OperatorVerdict(
            row.subgraph, row.index, row.opcode, row.label, row.placement, row.reason,
            compiler, reason, candidates, outcome, fatal_row))
    by_operator = {(r.subgraph, r.index): r.outcome for r in comparison.rows}
    for finding in result.findings:
        loc = finding.location
        outcome = UNVERIFIED
        if loc.subgraph is not None and loc.operator is not None:
            outcome = by_operator.get((loc.subgraph, loc.operator), UNVERIFIED)
        if outcome == REASON_CONTRADICTED:
            outcome = CONFIRMED  # a finding claims a placement; the status is TPU503's business
        comparison.findings.append((finding, outcome))
    return comparison


def _trusted_types(result: ModelResult, compiled: CompiledPlacement | None,
                   report: CompilerReport | None, notes: list[str]) -> set[str]:
    """Operator types whose log rows agree with the compiled model's count of mapped operators."""
    if report is None:
        return set()
    main = [row for row in result.operators if row.subgraph == 0]
    types = {row.opcode for row in main}
    trusted = set()
    for opcode in sorted(types):
        rows = report.statuses(opcode)
        logged = sum(r.count for r in rows)
        present = sum(1 for row in main if row.opcode == opcode)
        mapped_logged = sum(r.count for r in rows if r.status == MAPPED)
        mapped = None if compiled is None else sum(
            1 for row in main if row.opcode == opcode and compiled.of(0, row.index) == TPU)
        if logged != present or (mapped is not None and mapped != mapped_logged):
            notes.append(f"the operation log counts {logged} {opcode} ({mapped_logged} mapped) "
                         f"where the model has {present}"
                         + ("" if mapped is None else f" ({mapped} mapped)")
                         + ": its statuses for that type are not used")
        else:
            trusted.add(opcode)
    return trusted


def _compiler_view(row: OperatorRow, compiled: CompiledPlacement | None,
                   report: CompilerReport | None,
                   trusted: set[str]) -> tuple[str | None, tuple[str, ...]]:
    """Where the compiler put the operator, and the statuses its log allows for it."""
    statuses: tuple[str, ...] = ()
    if report is not None and row.subgraph == 0 and row.opcode in trusted:
        statuses = tuple(dict.fromkeys(r.status for r in report.statuses(row.opcode)))
    placement = compiled.of(row.subgraph, row.index) if compiled is not None else None
    if placement is None and compiled is None and statuses:
        # From the log alone: a type all mapped or all left on the CPU places its operators.
        if all(s == MAPPED for s in statuses):
            placement = TPU
        elif MAPPED not in statuses:
            placement = CPU
    if placement == TPU:
        return TPU, (MAPPED,)
    if placement == CPU:
        return CPU, tuple(s for s in statuses if s != MAPPED)
    return None, ()


def _single(candidates: tuple[str, ...]) -> str | None:
    return candidates[0] if len(candidates) == 1 else None


def _outcome(row: OperatorRow, compiler: str | None, candidates: tuple[str, ...],
             failure_predicted_and_seen: bool) -> str:
    if compiler is None:
        return CONFIRMED if failure_predicted_and_seen else UNVERIFIED
    if compiler != row.placement:
        return PLACEMENT_CONTRADICTED
    if candidates and row.reason not in candidates:
        return REASON_CONTRADICTED
    return CONFIRMED
