"""`tpulint fix MODEL`: reconvert a model with the settings its findings ask for.

Exit codes: 0 the fixed model was written and has nothing at or above `fail-on`; 1 it was
written but findings remain (what to change in the model is listed), or the fix failed
(conversion error, operator versions compiler 16 cannot parse, drift below `--min-sqnr`: nothing
written); 2 bad option; 3 bad input (model, source or data); 4 the fix extra is missing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tpulint.engine.options import add_config_options, add_fix_options
from tpulint.exitcodes import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, EXIT_USAGE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="the .tflite model to fix")
    parser.add_argument("--source", metavar="SRC",
                        help="what to convert: a SavedModel directory, a Keras file (.keras, "
                             ".h5) or a float .tflite (default: the configured source, else "
                             "MODEL itself)")
    parser.add_argument("--data", metavar="DATA",
                        help="representative data: .npy, .npz, a folder of images, or "
                             "module:callable")
    parser.add_argument("-o", "--output", metavar="OUT",
                        help="where to write the fixed model (default: <name>.fixed.tflite)")
    parser.add_argument("--io-type", choices=["int8", "uint8", "float32"],
                        help="type of the fixed model's inputs and outputs (default: int8; "
                             "float32 converts on the CPU)")
    parser.add_argument("--random-calibration", action="store_true",
                        help="calibrate on seeded random data (does not preserve accuracy)")
    parser.add_argument("--input-range", type=_range, metavar="LOW,HIGH",
                        help="float range of the model input: integer data and images are "
                             "scaled to it, random data drawn in it, other data checked against "
                             "it (default: the input's quantization range, else -1,1 for images "
                             "and random data; write --input-range=-1,1 when LOW is negative)")
    parser.add_argument("--min-sqnr", type=float, metavar="DB",
                        help="fail when an output's SQNR against the original is lower "
                             "(default: 15 dB, or fix.min-sqnr in the configuration)")
    parser.add_argument("--max-samples", type=int, default=100, metavar="N",
                        help="samples read (default: 100); every fourth is held out from "
                             "calibration to measure the drift")
    parser.add_argument("--seed", type=int, default=0, help="seed of random data (default: 0)")
    add_fix_options(parser, diff_help="print the merged plan and write nothing",
                    unsafe_help="accepted for symmetry with `check`: `fix` applies unsafe plans",
                    wrote_help="exit 1 when a fixed model was written")
    add_config_options(parser)


def _range(value: str) -> tuple[float, float]:
    try:
        low, high = (float(part) for part in value.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("expected LOW,HIGH, e.g. 0,1") from None
    if not low < high:
        raise argparse.ArgumentTypeError("LOW must be smaller than HIGH")
    return low, high


def run(args: argparse.Namespace) -> int:
    from tpulint.engine.options import load_cli_settings
    from tpulint.engine.registry import load_registry
    from tpulint.engine.run import run as check_run
    from tpulint.fix import apply, report
    from tpulint.fix import output as destination
    from tpulint.fix.data import DataError, parse
    from tpulint.fix.plan import PlanConflict, merge, removed_by_reconversion
    from tpulint.fix.sources import (
        SourceError,
        detect,
        from_settings,
        source_given_as_model,
    )
    from tpulint.reader import read_model

    settings = load_cli_settings(args)
    min_sqnr = apply.configured_min_sqnr(settings.fix) if args.min_sqnr is None \
        else float(args.min_sqnr)
    not_tflite = source_given_as_model(args.model)
    if not_tflite:
        return _fail(not_tflite, EXIT_INPUT)
    registry = load_registry()
    checked = check_run([args.model], settings, registry)
    if not checked.models or checked.models[0].error:
        message = checked.models[0].error if checked.models else f"{args.model}: not found"
        return _fail(str(message), EXIT_INPUT)
    before = checked.models[0]
    if before.compiled:
        return _fail(f"{args.model}: the model is compiled for the Edge TPU already; fix the "
                     "model you give to the compiler", EXIT_FINDINGS)
    try:
        plan = merge(before.findings, io_type=args.io_type,
                     removed=removed_by_reconversion(read_model(args.model)))
    except PlanConflict as error:
        return _fail(str(error), EXIT_USAGE)
    print("\n".join(report.plan_lines(args.model, plan, unsafe=True)))
    failing = checked.failing(settings.fail_on)
    if args.diff:
        return EXIT_OK
    if not plan.steps:
        print("reconversion cannot change what remains: change the model" if failing
              else "the model needs no reconversion")
        return EXIT_FINDINGS if failing else EXIT_OK
    configured_source, configured_data = from_settings(args.model, settings.fix, settings.root)
    if not (args.data or configured_data or args.random_calibration):
        return _fail("representative data is required: --data FILE|FOLDER|module:callable, "
                     "representative-data in [tool.tpulint.fix.sources.\"MODEL\"], or "
                     "--random-calibration (accuracy is not preserved)", EXIT_USAGE)
    try:
        source = detect(args.source or configured_source or args.model)
        data = parse(args.data or configured_data, args.random_calibration)
    except (SourceError, DataError) as error:
        return _fail(str(error), EXIT_INPUT)
    output = args.output or apply.default_output(args.model)
    protected = {Path(args.model).resolve(), Path(source.path).resolve()}
    if Path(output).resolve() in protected:
        return _fail(f"{output}: the output would overwrite the input; choose another -o",
                     EXIT_USAGE)
    try:
        destination.check(output)
    except destination.OutputError as error:
        return _fail(str(error), EXIT_USAGE)
    if data.kind == "random":
        print("warning: calibrating on random data: the fixed model's accuracy is not "
              "preserved, and its drift figure says nothing about real inputs; use --data "
              "with real samples", file=sys.stderr)
    options = apply.Options(io_type=args.io_type, min_sqnr=min_sqnr,
                            input_range=args.input_range, max_samples=max(1, args.max_samples),
                            seed=args.seed, debug=bool(getattr(args, "debug", False)))
    print(f"converting {source.describe()} with {data.describe()} ...", flush=True)
    outcome = apply.fix_model(args.model, source, data, plan, output, settings, registry,
                              options)
    lines = report.outcome_lines(args.model, before, outcome, options.min_sqnr)
    if lines:
        print("\n".join(lines))
    if outcome.message:
        print(f"tpulint: {'error' if outcome.code != EXIT_FINDINGS else 'fix failed'}: "
              f"{outcome.message}", file=sys.stderr)
    if outcome.code == EXIT_OK and outcome.output and args.exit_non_zero_on_fix:
        return EXIT_FINDINGS
    return outcome.code


def _fail(message: str, code: int) -> int:
    print(f"tpulint: {message}", file=sys.stderr)
    return code
