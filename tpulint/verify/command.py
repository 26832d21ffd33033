"""`tpulint verify MODEL...`: confirm the prediction with the real compiler and Edge TPU.

Exit codes as for every command (see `tpulint.exitcodes`): 1 when TPU5xx findings at or above
`fail-on` remain, with or without an Edge TPU (check's own findings are shown as confirmed or
contradicted, and decide nothing here), 3 for a model or data file that cannot be used, and for
a model that is not verified although a compiler or compiled model was there (`--compiled` not a
compiled model, output that places no operator), 4 when the compiler is missing or does not
start, or the interpreter or Edge TPU with `--require-device` (0 with `--allow-missing`, after
doing what it can). A missing device is otherwise a line in the report. SIGTERM and SIGHUP stop
the run as Ctrl-C does: the compiler's processes are killed and the scratch folders removed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tpulint.engine.config import Settings
    from tpulint.verify.pipeline import Request, Verification
    from tpulint.verify.tools import Missing

from tpulint.engine.compiler_flags import add_compiler_arguments
from tpulint.engine.options import (
    add_color_option,
    add_config_options,
    add_exit_options,
    add_plugins_option,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from tpulint.engine.options import add_board_options

    parser.add_argument("paths", nargs="+", metavar="MODEL", help=".tflite files to verify")
    tools = parser.add_argument_group("compiler")
    tools.add_argument("--compiler", metavar="PATH",
                       help="edgetpu_compiler to run (default: TPULINT_EDGETPU_COMPILER, "
                            "[tool.tpulint.verify] compiler, then PATH)")
    tools.add_argument("--compiled", metavar="FILE", type=Path,
                       help="verify against this compiled model instead of compiling (one MODEL)")
    tools.add_argument("--log", metavar="FILE", type=Path,
                       help="that compilation's operation log or stdout (alone: placement per "
                            "operator type only)")
    tools.add_argument("-o", "--out-dir", type=Path, metavar="DIR",
                       help="keep the compiled model and its log here (default: keep nothing)")
    tools.add_argument("-t", "--timeout", type=int, metavar="SECONDS",
                       help="compile time limit (default 180, or [tool.tpulint.verify] timeout)")
    add_compiler_arguments(parser, short=True)
    run = parser.add_argument_group("device run")
    run.add_argument("--no-run", action="store_true",
                     help="compile and compare only: no CPU reference or Edge TPU run")
    run.add_argument("--device", help="Edge TPU to use: usb, usb:N, pci, pci:N or :N")
    run.add_argument("--data", type=Path, metavar="FILE",
                     help=".npy (one input) or .npz (by input name) with the model's inputs")
    run.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
    run.add_argument("--runs", type=int, default=10, help="timed invokes per model (default 10)")
    add_board_options(run)
    out = parser.add_argument_group("output")
    from tpulint.report import FORMATS

    out.add_argument("--format", "--output-format", dest="verify_format",
                     choices=["auto", *FORMATS], default="auto",
                     help="output format (default: auto = github on GitHub Actions, else full)")
    out.add_argument("--output-file", help="write the report to this file")
    out.add_argument("--quiet", "-q", action="store_true", help="no summary line")
    out.add_argument("--show-all", action="store_true",
                     help="list every operator, not only where the compiler disagrees")
    run.add_argument("--require-device", action="store_true",
                     help="a missing interpreter or Edge TPU is an error (exit 4)")
    add_color_option(out)
    add_exit_options(out, fail_on_help="lowest severity of a TPU5xx finding that fails the run",
                     exit_zero_help="exit 0 even with findings")
    out.add_argument("--allow-missing", action="store_true",
                     help="exit 0 when the compiler, interpreter or Edge TPU is missing")
    add_config_options(out)
    add_plugins_option(out)


def run(args: argparse.Namespace) -> int:
    from tpulint.verify.process import Terminated, terminate_as_interrupt

    try:
        with terminate_as_interrupt():
            return _verify(args)
    except Terminated as stop:
        print(f"tpulint: stopped by {stop}", file=sys.stderr)
        return 128 + stop.signum


def _verify(args: argparse.Namespace) -> int:
    from tpulint.engine.options import load_cli_settings
    from tpulint.exitcodes import EXIT_FINDINGS, EXIT_INPUT, EXIT_MISSING, EXIT_OK, UsageError
    from tpulint.results import failing
    from tpulint.verify import pipeline, tools
    from tpulint.verify.scratch import ScratchError
    from tpulint.verify.settings import build_request

    if (args.compiled or args.log) is not None and len(args.paths) != 1:
        raise UsageError("--compiled and --log verify one MODEL")
    settings = load_cli_settings(args)
    request, missing = build_request(args, settings)
    for given in (args.compiled, args.log):
        if given is not None and not given.is_file():
            why = "not a regular file" if given.exists() else "no such file"
            print(f"tpulint: {given}: {why}", file=sys.stderr)
            return EXIT_INPUT
    if args.out_dir is not None and args.out_dir.exists() and not args.out_dir.is_dir():
        raise UsageError(f"-o {args.out_dir}: not a directory")
    try:
        results = [pipeline.verify(path, request) for path in args.paths]
    except ScratchError as error:
        raise UsageError(str(error)) from None
    for result in results:
        device = result.device
        if result.missing is not None:
            missing.append(result.missing)
        if device and device.no_device:
            missing.append(tools.Missing("device", f"Edge TPU run skipped: {device.tpu_skipped}: "
                                                   f"{tools.INSTALL_RUNTIME}"))
    for line in dict.fromkeys(str(m) for m in missing):
        print(f"tpulint: {line}", file=sys.stderr)
    for result in results:
        if result.error:
            print(f"tpulint: {result.error}", file=sys.stderr)
        elif result.not_verified:
            print(f"tpulint: {result.path}: not verified: {result.not_verified}",
                  file=sys.stderr)
    _write(results, args, settings, request, missing)
    if any(r.error or r.not_verified for r in results):
        return EXIT_INPUT
    required = [m for m in missing if m.piece == "compiler" or args.require_device]
    if required and not args.allow_missing:
        return EXIT_MISSING
    if failing((f for r in results for f in r.findings), settings.fail_on) and \
            not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_OK


def _write(results: list[Verification], args: argparse.Namespace, settings: Settings,
           request: Request, missing: list[Missing]) -> None:
    """verify's own terminal report and JSON document; every other format of `check` through
    check's reporters, with the TPU5xx findings."""
    from tpulint.report import ReportOptions, renderer, resolve_format
    from tpulint.report.output import output_stream

    options = ReportOptions(show_all=args.show_all, quiet=args.quiet)
    with output_stream(args.output_file) as stream:
        # auto: annotations on GitHub Actions, else the full report (it holds the device run)
        name = "full" if args.verify_format == "auto" and resolve_format("auto", stream) != \
            "github" else resolve_format(args.verify_format, stream)
        if name == "full":
            from tpulint.report import verify_full

            verify_full.render(results, stream, args.color, options, tuple(missing))
        elif name == "json":
            from tpulint.report import verify_json

            verify_json.render(results, stream, missing)
        else:
            from tpulint.report.verify_run import as_run

            run = as_run(results, settings, [*request.check_rules, *request.verify_rules])
            renderer(name)(run, stream, args.color, options)
