"""Turn the command line and `[tool.tpulint.verify]` into what each model's verification needs.

    [tool.tpulint.verify]
    compiler = "/opt/edgetpu/edgetpu_compiler"   # else TPULINT_EDGETPU_COMPILER, else PATH
    timeout = 300                                 # seconds, passed as -t
    device = "usb:0"                              # which Edge TPU runs the compiled model

Command-line options win over the file. Missing outside pieces are collected, not raised.
"""

from __future__ import annotations

import argparse
from typing import Any

from tpulint.engine.config import ConfigError, Settings
from tpulint.engine.registry import load_registry
from tpulint.engine.selection import Selection
from tpulint.engine.suppress import Suppressions
from tpulint.verify import tools
from tpulint.verify.compiler import DEFAULT_TIMEOUT, CompileOptions
from tpulint.verify.pipeline import Request

KEYS = {"compiler": str, "timeout": int, "device": str}


def verify_table(settings: Settings) -> dict[str, Any]:
    table = dict(settings.verify)
    for key, value in table.items():
        expected = KEYS.get(key)
        if expected is None:
            raise ConfigError(f"unknown setting 'verify.{key}' (known: {', '.join(KEYS)})")
        if not isinstance(value, expected) or isinstance(value, bool):
            kind = "an integer" if expected is int else "a string"
            raise ConfigError(f"'verify.{key}' must be {kind}")
    return table


def build_request(args: argparse.Namespace,
                  settings: Settings) -> tuple[Request, list[tools.Missing]]:
    table = verify_table(settings)
    registry = load_registry(plugins=not args.no_plugins)
    selection = Selection(registry, settings)
    timeout = args.timeout if args.timeout is not None else table.get("timeout", DEFAULT_TIMEOUT)
    if timeout <= 0:
        raise ConfigError("the compile timeout must be a positive number of seconds")
    if args.runs < 0:
        raise ConfigError("--runs must be 0 or more")
    # The compiler gets the options the prediction assumed, so the two compare like for like.
    options = CompileOptions(compiler=settings.compiler_options, timeout=timeout)
    missing: list[tools.Missing] = []
    compiler = None
    if args.compiled is None and args.log is None:
        found = tools.find_compiler(args.compiler, table.get("compiler"))
        if isinstance(found, tools.Missing):
            missing.append(found)
        else:
            compiler = found
    interpreter = None
    if not args.no_run:
        module = tools.interpreter_module()
        if isinstance(module, tools.Missing):
            missing.append(module)
        else:
            interpreter = module
    request = Request(
        check_rules=[r for r in selection.enabled if r.scope != "verify"],
        verify_rules=[r for r in selection.enabled if r.scope == "verify"],
        settings=settings, suppressions=Suppressions(settings, selection.codes_matching),
        options=options, compiler=compiler, compiled=args.compiled, log=args.log,
        keep=args.out_dir, interpreter=interpreter, data=args.data, seed=args.seed,
        runs=args.runs, device=args.device or table.get("device"))
    return request, missing
