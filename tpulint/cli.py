"""The `tpulint` command: argument parsing, output choice and exit codes (`tpulint.exitcodes`)."""

from __future__ import annotations

import sys

from tpulint import __version__, stdout
from tpulint.exitcodes import EXIT_OK, EXIT_USAGE, UsageError

TYPE_CHECKING = False  # as typing's, without importing typing (and re) for `--version`
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Iterable, Sequence


# The parser and everything a command needs are imported when a command runs: `--version`
# answers after importing this module alone.

# Commands living in their own packages, with their help line: each module has
# add_arguments(parser) and run(args) -> exit code, and imports what it needs only inside run.
EXTRA_COMMANDS: dict[str, tuple[str, str]] = {
    "fix": ("tpulint.fix.command",
            "rewrite a model by reconversion until it maps on the Edge TPU"),
    "verify": ("tpulint.verify.command",
               "compile with edgetpu_compiler and confirm the prediction, on an Edge TPU if "
               "present"),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command; only `command`'s arguments are declared when it is given
    (the others' on demand, `fill_all`): declaring them imports what their options need."""
    from tpulint.argument_parser import Parser

    parser = Parser(prog="tpulint", description="Check TensorFlow Lite models for "
                             "Coral Edge TPU compatibility before compiling them.")
    parser.add_argument("--version", action="version", version=f"tpulint {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    declare: dict[str, Callable[[argparse.ArgumentParser], None]] = {
        "check": _check_arguments, "rules": _rules_arguments, "rule": _rule_arguments}
    helps = {"check": "lint models (files or directories)", "rules": "list the rules",
             "rule": "show a rule's documentation"}
    for name, (module_name, help_text) in EXTRA_COMMANDS.items():
        declare[name] = _module_arguments(module_name)
        helps[name] = help_text
    pending = {name: (commands.add_parser(name, help=helps[name]), add)
               for name, add in declare.items()}

    def fill(names: Iterable[str]) -> None:
        for name in list(names):
            sub, add = pending.pop(name)
            add(sub)

    fill([command] if command in pending else list(pending))
    parser.fill_all = lambda: fill(pending)  # type: ignore[attr-defined]
    return parser


def _module_arguments(module_name: str) -> Callable[[argparse.ArgumentParser], None]:
    def add(parser: argparse.ArgumentParser) -> None:
        import importlib

        importlib.import_module(module_name).add_arguments(parser)

    return add


def _check_arguments(check: argparse.ArgumentParser) -> None:
    from tpulint import display_flags
    from tpulint.engine.compiler_flags import add_compiler_arguments, at_least
    from tpulint.engine.options import (
        add_board_options,
        add_color_option,
        add_config_options,
        add_exit_options,
        add_plugins_option,
    )
    from tpulint.fix.check import add_check_options
    from tpulint.report import FORMATS

    check.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    check.add_argument("--format", "--output-format", dest="output_format",
                       choices=["auto", *FORMATS], default=None,
                       help="output format (default: auto)")
    check.add_argument("--output-file", "-o", help="write the report to this file")
    check.add_argument("--select", type=_selectors, help="rule codes, prefixes or names to run")
    check.add_argument("--extend-select", type=_selectors, help="add to the selection")
    check.add_argument("--ignore", type=_selectors, help="rule codes, prefixes or names to skip")
    check.add_argument("--extend-ignore", type=_selectors, help="add to the ignored rules")
    add_exit_options(check, fail_on_help="lowest severity that fails the run (default: warning)",
                     exit_zero_help="exit 0 even with findings (bad input still exits 3)")
    check.add_argument("--preview", action="store_true", default=None,
                       help="also run preview rules")
    add_board_options(check)
    add_config_options(check)
    check.add_argument("--force-exclude", action="store_true",
                       help="apply exclusions to paths given on the command line too")
    add_color_option(check)
    add_plugins_option(check)
    check.add_argument("--jobs", "-j", type=at_least(0), default=1, metavar="N",
                       help="check N models at once (0: one per CPU; default 1)")
    check.add_argument("--time-budget", type=_seconds, default=None, metavar="SECONDS",
                       help="longest one model may take to check (default: 60)")
    check.add_argument("--no-cache", action="store_true",
                       help="check every model again instead of reusing cached results")
    check.add_argument("--write-baseline", nargs="?", const="", default=None, metavar="FILE",
                       help="record every current finding as accepted (default file: the "
                            "configured baseline, else .tpulint-baseline.json)")
    display_flags.add_display_options(check)
    add_compiler_arguments(check)
    add_check_options(check)


def _rules_arguments(rules: argparse.ArgumentParser) -> None:
    rules.add_argument("--format", choices=["text", "json"], default="text")


def _rule_arguments(rule: argparse.ArgumentParser) -> None:
    rule.add_argument("code", metavar="CODE", help="rule code or name, e.g. TPU201")


def _command_word(args_list: list[str]) -> str | None:
    """The command named on the command line: its first word that is not an option."""
    return next((arg for arg in args_list if not arg.startswith("-")), None)


def _seconds(value: str) -> float:
    import argparse
    import math

    from tpulint.engine.budget import valid

    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not valid(seconds):
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, not {value!r}")
    return seconds


def _selectors(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    """The `tpulint` command; without `argv` it runs as the program, with its collector
    (`tpulint.engine.collector.program_starting`)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list
    try:
        code = _dispatch(args_list, program=argv is None)
        # What is still buffered is part of the answer: a full disk must not pass as success.
        stdout.flush()
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away: the report was not delivered, which is not a success.
        stdout.silence()
        print("tpulint: error: the output was closed before the report was written",
              file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as done:  # --help and --version: their text must reach stdout too
        try:
            stdout.flush()
        except BrokenPipeError:
            stdout.silence()
            return EXIT_USAGE
        except UsageError as error:
            print(f"tpulint: error: {error}", file=sys.stderr)
            return EXIT_USAGE
        raise done
    except OSError as error:
        if debug or not stdout.is_write_failure(error):
            return _internal(error, debug)
        print(f"tpulint: error: {stdout.failed(error)}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as error:
        return _internal(error, debug)
    finally:
        if argv is None:  # the program exits next: the interpreter's last full collection
            import gc  # would walk every object left, which exiting frees anyway

            gc.freeze()


def _internal(error: Exception, debug: bool) -> int:
    """One line for an error: `error:` for the kinds tpulint words itself, else `internal
    error:` with a pointer to --debug (which raises it for the traceback)."""
    from tpulint.engine.check import RuleFailure
    from tpulint.engine.config import ConfigError
    from tpulint.engine.registry import RegistryError

    if debug:
        raise error
    known = (UsageError, ConfigError, RegistryError, RuleFailure)
    kind = "error" if isinstance(error, known) else "internal error"
    hint = "" if isinstance(error, known) else " (run with --debug for the traceback)"
    print(f"tpulint: {kind}: {error}{hint}", file=sys.stderr)
    return EXIT_USAGE


def _dispatch(args_list: list[str], program: bool = False) -> int:
    # The two commonest requests that take no option are answered before the parser (argparse
    # and its formatter's imports cost more than the answer).
    if args_list == ["--version"]:
        print(f"tpulint {__version__}")
        return EXIT_OK
    if args_list == ["rules"]:
        return _rules("text")
    from tpulint.engine import collector

    if program:
        collector.program_starting()
    parser = build_parser(_command_word(args_list))
    args = parser.parse_args(args_list)
    if args.command == "check":
        from tpulint.check_command import run

        return run(args)  # once its rules are loaded, it calls collector.started()
    collector.started()
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if args.command == "rules":
        return _rules(args.format)
    if args.command == "rule":
        return _rule(args)
    import importlib

    code: int = importlib.import_module(EXTRA_COMMANDS[args.command][0]).run(args)
    return code


def _rules(output_format: str) -> int:
    from tpulint.engine.listing import print_rules

    print_rules(output_format)
    return EXIT_OK


def _rule(args: argparse.Namespace) -> int:
    from tpulint.docs import rule_page
    from tpulint.engine.registry import load_registry

    registry = load_registry()
    rule = registry.resolve(args.code)
    if rule is None:
        from tpulint.suggest import did_you_mean

        known = [word for rule in registry for word in (rule.code, rule.name)]
        raise UsageError(f"unknown rule '{args.code}'{did_you_mean(args.code, known)} "
                         "(see `tpulint rules`)")
    sys.stdout.write(rule_page(rule))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
