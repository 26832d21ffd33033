"""`tpulint check --fix / --unsafe-fixes / --diff`: apply the findings' plans after a check.

`--fix` applies safe plans only; every reconversion changes numerics, so today's plans are all
unsafe and `--fix` alone says what it skipped. `--unsafe-fixes` lets `--fix` apply them, with the
source and representative data configured in `[tool.tpulint.fix.sources."<model>"]` (the model
itself is the source when none is configured). `--diff` prints the merged plans and writes
nothing. Fix progress goes to stderr: the findings report on stdout stays parseable.
"""

from __future__ import annotations

import argparse
import sys

from tpulint.engine.options import add_fix_options
from tpulint.exitcodes import EXIT_FINDINGS, EXIT_INPUT, EXIT_MISSING, EXIT_OK

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from tpulint.engine.config import Settings
    from tpulint.results import RunResult


def add_check_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fix", action="store_true",
                        help="apply safe fix plans (write <name>.fixed.tflite)")
    add_fix_options(parser, unsafe_help="let --fix and --diff use plans that change numerics",
                    diff_help="print the merged fix plan of each model and write nothing",
                    wrote_help="exit 1 when --fix wrote a model")


def apply_fixes(result: RunResult, settings: Settings, args: argparse.Namespace) -> int:
    """Fix what can be fixed; the exit code of the whole `check --fix` run."""
    from tpulint.engine.registry import load_registry
    from tpulint.fix import apply, report
    from tpulint.fix.data import DataError, parse
    from tpulint.fix.plan import MergedPlan, merge
    from tpulint.fix.sources import SourceError, detect, from_settings
    from tpulint.results import failing as at_or_above

    registry = load_registry(plugins=not args.no_plugins)
    codes: list[int] = []
    failing = wrote = skipped = 0
    for model in result.models:
        if model.error:
            continue
        own = result.settings_of(model)  # the model's own configuration
        fails = bool(at_or_above(model.findings, own.fail_on))
        plan = merge(model.findings)
        if args.diff:
            _err(*report.plan_lines(model.path, plan, args.unsafe_fixes))
            failing += fails
            continue
        steps = plan.applicable(args.unsafe_fixes)
        skipped += len(plan.skipped(args.unsafe_fixes))
        if not steps:
            failing += fails
            continue
        configured_source, configured_data = from_settings(model.path, own.fix, own.root)
        if configured_data is None:
            _err(f"{model.path}: not fixed: no representative data configured (set "
                 f"representative-data in [tool.tpulint.fix.sources.\"{model.path}\"], or "
                 "run `tpulint fix MODEL --data DATA`)")
            failing += fails
            continue
        try:
            source = detect(configured_source or model.path)
            data = parse(configured_data, random=False)
        except (SourceError, DataError) as error:
            _err(f"{model.path}: not fixed: {error}")
            codes.append(EXIT_INPUT)
            failing += fails
            continue
        min_sqnr = apply.configured_min_sqnr(own.fix)
        _err(f"{model.path}: fixing from {source.describe()} with {data.describe()} ...")
        outcome = apply.fix_model(model.path, source, data, MergedPlan(steps=steps),
                                  apply.default_output(model.path), own, registry,
                                  apply.Options(min_sqnr=min_sqnr))
        _err(*report.outcome_lines(model.path, model, outcome, min_sqnr))
        if outcome.message:
            _err(f"tpulint: {model.path}: {outcome.message}")
        codes.append(outcome.code)
        wrote += outcome.output is not None
        failing += outcome.remaining > 0 if outcome.output else fails
    if skipped and not args.unsafe_fixes:
        _err(f"{skipped} fix(es) skipped: reconversion changes numerics (unsafe); rerun with "
             "--fix --unsafe-fixes to apply them")
    return _exit_code(result, codes, failing, wrote, args)


def _exit_code(result: RunResult, codes: list[int], failing: int, wrote: int,
               args: argparse.Namespace) -> int:
    if result.errors or EXIT_INPUT in codes:
        return EXIT_INPUT
    if EXIT_MISSING in codes:
        return EXIT_MISSING
    if failing and not args.exit_zero:
        return EXIT_FINDINGS
    if wrote and args.exit_non_zero_on_fix:
        return EXIT_FINDINGS
    return EXIT_OK


def _err(*lines: str) -> None:
    for line in lines:
        print(line, file=sys.stderr)
