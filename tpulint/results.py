"""What each stage hands on: one model's result, its operator rows and summary, a whole run.

Plain data, not the model, so results cross process boundaries (`--jobs`) and the cache. Every
reporter reads these types; `failing` is the one `fail-on` threshold every command applies.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from tpulint.analysis.latency import LatencyEstimate
from tpulint.analysis.memory import MemoryEstimate
from tpulint.analysis.placement import CPU, STRANDED, Fatal
from tpulint.api import Finding, Rule, Severity
from tpulint.record import Record, field

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from tpulint.engine.config import Settings

def failing(findings: Iterable[Finding], fail_on: str) -> list[Finding]:
    """The findings at or above `fail_on` (`none`: no finding fails)."""
    if fail_on == "none":
        return []
    threshold = Severity(fail_on).rank
    return [f for f in findings if f.severity.rank >= threshold]


class OperatorRow(Record):
    subgraph: int
    index: int
    opcode: str
    label: str
    version: int
    placement: str
    reason: str
    confidence: str = "high"
    cause: int | None = None
    output: str = ""  # the first output tensor's name, which `ignore-ops` `tensor` matches
    edgetpu_subgraph: int | None = None  # for a mapped operator, its Edge TPU subgraph
    kind: str = ""  # "tpu", "cpu" or "stranded" (the analysis's placement kind)

    def __post_init__(self) -> None:
        if not self.kind:
            object.__setattr__(self, "kind", self.placement)


class Summary(Record):
    """Placement counts of a model's main subgraph."""

    operators: int
    tpu: int
    cpu: int
    edgetpu_subgraphs: int
    cpu_segments: int
    # what `edgetpu_compiler -a` (several Edge TPU subgraphs) would map instead
    tpu_with_a: int
    edgetpu_subgraphs_with_a: int
    # Edge TPU operators if every size inside a limit's bracket were refused, or mapped
    tpu_low: int = 0
    tpu_high: int = 0


class ModelResult(Record, frozen=False):
    path: str  # as given or found; `relpath` is the stable one reports print
    error: str | None = None
    compiled: bool = False
    subgraphs: int = 0
    operators: list[OperatorRow] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    fatal: list[Fatal] = field(default_factory=list)
    memory: MemoryEstimate | None = None
    latency: LatencyEstimate | None = None
    recipe: str | None = None
    cpu_segments: int = 0
    groups_with_a: int = 0
    # Edge TPU operators if every size inside a limit's bracket were refused, or mapped, and the
    # limits concerned (None: no such guess changes the region)
    tpu_range: tuple[int, int] | None = None
    tpu_depends_on: tuple[str, ...] = ()
    suppressed: int = 0  # by per-file ignores, operator ignores and the baseline
    relpath: str = ""  # relative to the run's root: where CI reports point
    # relative to the model's own configuration's root: what its baseline and globs match
    project_relpath: str = ""

    @property
    def baseline_path(self) -> str:
        return self.project_relpath or self.relpath

    @property
    def summary(self) -> Summary:
        main = [row for row in self.operators if row.subgraph == 0]
        tpu = sum(1 for row in main if row.placement != CPU)
        stranded = sum(1 for row in main if row.kind == STRANDED)
        low, high = self.tpu_range or (tpu, tpu)
        return Summary(operators=len(main), tpu=tpu, cpu=len(main) - tpu,
                       edgetpu_subgraphs=len({row.edgetpu_subgraph for row in main
                                              if row.placement != CPU}) if not self.fatal else 0,
                       cpu_segments=self.cpu_segments,
                       tpu_with_a=tpu + stranded if not self.fatal else 0,
                       edgetpu_subgraphs_with_a=self.groups_with_a if not self.fatal else 0,
                       tpu_low=low, tpu_high=high)


class Project(Record, frozen=False):
    """The models one configuration applies to in a run, and what it says about itself."""

    settings: Settings
    models: list[ModelResult]
    config_findings: list[Finding] = field(default_factory=list)

    def failing(self) -> list[Finding]:
        return failing([*(f for m in self.models for f in m.findings), *self.config_findings],
                       self.settings.fail_on)


class RunResult(Record, frozen=False):
    models: list[ModelResult]
    settings: Settings  # the run's own: the first checked path's configuration
    rules: dict[str, Rule]
    # Findings about the configuration rather than a model (TPU09x); their path is the
    # configuration file's, relative like `ModelResult.relpath`.
    config_findings: list[Finding] = field(default_factory=list)
    # Each configuration that applied and its models (empty: `settings` applied to all).
    projects: list[Project] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [*(f for m in self.models for f in m.findings), *self.config_findings]

    def located(self) -> Iterator[tuple[str, Finding]]:
        """Every finding with the stable, root-relative path of the file it is about."""
        for model in self.models:
            for finding in model.findings:
                yield model.relpath, finding
        for finding in self.config_findings:
            yield finding.location.path, finding

    @property
    def errors(self) -> list[ModelResult]:
        return [m for m in self.models if m.error]

    def by_project(self) -> list[Project]:
        return self.projects or [Project(self.settings, self.models, self.config_findings)]

    def settings_of(self, model: ModelResult) -> Settings:
        """The settings `model` was checked with."""
        return next((project.settings for project in self.projects
                     if any(m is model for m in project.models)), self.settings)

    def failing(self, fail_on: str | None = None) -> list[Finding]:
        """The findings at or above `fail_on`; by default each at its own configuration's."""
        if fail_on is not None:
            return failing(self.findings, fail_on)
        return [finding for project in self.by_project() for finding in project.failing()]
