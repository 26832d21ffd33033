"""`tpulint check`: run the engine over the paths, write the baseline and the report, and turn
the outcome into an exit code."""

from __future__ import annotations

import sys

from tpulint.exitcodes import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, UsageError

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterator
    from contextlib import AbstractContextManager
    from typing import Any

    from tpulint.engine.batch import Progress
    from tpulint.results import RunResult

PROGRESS_MIN_MODELS = 8  # fewer models are checked before a bar would be worth drawing


def run(args: argparse.Namespace) -> int:
    """`tpulint check`: the exit code of checking `args.paths` (`tpulint.exitcodes`)."""
    from tpulint import display_flags
    from tpulint.engine import collector
    from tpulint.engine.collector import collector_paused
    from tpulint.engine.options import cli_projects, run_settings
    from tpulint.engine.registry import load_registry
    from tpulint.engine.run import run
    from tpulint.report import FORMATS, renderer, resolve_format
    from tpulint.report.output import output_stream
    from tpulint.text import printable

    projects = cli_projects(args)
    settings = run_settings(projects, args)
    name = settings.output_format
    if name != "auto" and name not in FORMATS:
        raise UsageError(f"unknown output format '{name}' (choose from {', '.join(FORMATS)})")
    if args.show_settings or args.show_files:
        display_flags.show(args, settings, projects.at)
        return EXIT_OK
    registry = load_registry(plugins=not args.no_plugins)
    collector.started()
    with _progress_bar() as progress:
        result = run(args.paths, settings, registry,
                     force_exclude=args.force_exclude, jobs=args.jobs, progress=progress,
                     use_baseline=args.write_baseline is None, settings_at=projects.at)
    for model in result.errors:
        print(f"tpulint: {printable(model.error or '')}", file=sys.stderr)
    if args.write_baseline is not None:
        _write_baseline(result, args.write_baseline)
    with output_stream(args.output_file) as stream, collector_paused():
        if args.statistics:
            from tpulint.report.show import statistics

            statistics(result, stream)
        else:
            renderer(resolve_format(name, stream))(result, stream, args.color,
                                                   display_flags.report_options(args))
    if args.fix or args.diff:
        from tpulint.fix.check import apply_fixes

        return apply_fixes(result, settings, args)
    empty = display_flags.empty_directories(args.paths, result)
    for path in empty:
        print(f"tpulint: {path}: no models found (looked for {', '.join(settings.include)})",
              file=sys.stderr)
    if result.errors or empty:
        return EXIT_INPUT
    if not result.models:
        print("tpulint: no models found (looked for " + ", ".join(settings.include) + ")",
              file=sys.stderr)
    if not args.exit_zero and result.failing():
        return EXIT_FINDINGS
    return EXIT_OK


def _write_baseline(result: RunResult, target: str) -> None:
    """Record the findings (each configuration's in its own baseline unless a file is named),
    then report the run as the baselines will make it look."""
    from pathlib import Path

    from tpulint.engine.baseline import Baseline, configured_path, write
    from tpulint.engine.config import ConfigError

    projects = result.by_project()
    batches = [(Path(target), [m for project in projects for m in project.models],
                result.settings)] if target else \
        [(configured_path(project.settings), project.models, project.settings)
         for project in projects]
    for path, models, settings in batches:
        try:
            count = write(models, path)
        except OSError as error:
            raise UsageError(f"cannot write {path}: {error.strerror or error}") from None
        Baseline.load_file(path).apply(models)
        print(f"tpulint: wrote {count} finding(s) to {path}", file=sys.stderr)
        try:
            configured: Path | None = configured_path(settings)
        except ConfigError:  # outside the project: the file written is not the one configured
            configured = None
        if configured is None or path.resolve() != configured.resolve() or \
                not settings.baseline:
            import os

            relative = os.path.relpath(path.resolve(), Path(settings.root).resolve())
            where = settings.source or "pyproject.toml"
            table = "under [tool.tpulint] in" if Path(where).name == "pyproject.toml" else "to"
            print(f"tpulint: the baseline takes effect once configured: add "
                  f"`baseline = \"{Path(relative).as_posix()}\"` {table} {where}",
                  file=sys.stderr)


def _progress_bar() -> AbstractContextManager[Progress | None]:
    """A progress bar on stderr, drawn only on a terminal and once several models are queued."""
    from contextlib import contextmanager

    return contextmanager(_progress)()


def _progress() -> Iterator[Progress | None]:
    if not sys.stderr.isatty():
        yield None
        return
    bar: list[Any] = []

    def advance(done: int, total: int) -> None:
        if not bar and total >= PROGRESS_MIN_MODELS and done < total:
            from rich.console import Console
            from rich.progress import Progress as Bar

            bar.append(Bar(console=Console(stderr=True), transient=True))
            bar[0].start()
            bar.append(bar[0].add_task("checking models", total=total))
        if bar:
            bar[0].update(bar[1], completed=done, total=total)

    try:
        yield advance
    finally:
        if bar:
            bar[0].stop()
