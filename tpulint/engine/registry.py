"""Load rules: the built-in ones and those of third-party packages, and check what they declare.

A rule package is a module with a `load()` function returning rule functions (decorated with
`tpulint.api.rule`). Third-party packages register it in the `tpulint.rules` entry-point group
under their code prefix (2 to 4 capital letters, never `TPU`):

    [project.entry-points."tpulint.rules"]
    ACME = "acme_tpulint_rules"
"""

from __future__ import annotations

import importlib

from tpulint.api import CODE_PATTERN, FIXES, NAME_PATTERN, SCOPES, STATUSES, Rule
from tpulint.engine.entry_points import BUILTIN_PREFIX, entry_points

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

class RegistryError(Exception):
    """A rule package that cannot be loaded or declares invalid rules."""


class Registry:
    def __init__(self) -> None:
        self.rules: dict[str, Rule] = {}
        self.names: dict[str, str] = {}  # rule name -> code
        self.prefixes: list[str] = []

    def __iter__(self) -> Iterator[Rule]:
        return iter(sorted(self.rules.values(), key=lambda r: r.code))

    def resolve(self, key: str) -> Rule | None:
        """A rule by code (`TPU101`) or name (`float-tensor`)."""
        code = self.names.get(key, key.upper())
        return self.rules.get(code)

    def add(self, rules: Iterable[object], prefix: str, origin: str) -> None:
        if prefix in self.prefixes:
            raise RegistryError(f"rule prefix {prefix} is registered twice ({origin})")
        self.prefixes.append(prefix)
        for item in rules:
            rule = getattr(item, "__tpulint_rule__", item)
            if not isinstance(rule, Rule):
                raise RegistryError(f"{origin}: {item!r} is not a tpulint rule")
            self._validate(rule, prefix, origin)
            self.rules[rule.code] = rule
            self.names[rule.name] = rule.code

    def _validate(self, rule: Rule, prefix: str, origin: str) -> None:
        problems = []
        if not CODE_PATTERN.match(rule.code):
            problems.append(f"code {rule.code!r} is not 2-4 capital letters and 3 digits")
        elif rule.prefix != prefix:
            problems.append(f"code {rule.code} does not start with the package prefix {prefix}")
        if not NAME_PATTERN.match(rule.name):
            problems.append(f"name {rule.name!r} is not kebab-case")
        if rule.code in self.rules:
            problems.append(f"code {rule.code} is already taken")
        if rule.name in self.names:
            problems.append(f"name {rule.name} is already taken by {self.names[rule.name]}")
        if rule.scope not in SCOPES:
            problems.append(f"scope {rule.scope!r} is not one of {', '.join(SCOPES)}")
        if rule.status not in STATUSES:
            problems.append(f"status {rule.status!r} is not one of {', '.join(STATUSES)}")
        if rule.fix not in FIXES:
            problems.append(f"fix {rule.fix!r} is not one of None, 'safe', 'unsafe'")
        if not rule.summary or "\n" in rule.summary:
            problems.append("summary must be one line")
        if problems:
            raise RegistryError(f"{origin}: rule {rule.code}: {'; '.join(problems)}")


def load_registry(plugins: bool = True) -> Registry:
    """The built-in rules, plus every installed rule package when `plugins` is true."""
    registry = Registry()
    builtin = importlib.import_module("tpulint.rules")
    # verify's rules (TPU5xx) are built-in rules too: declared with the verify command, which
    # alone runs them (scope `verify`), listed and selected like every other rule.
    from tpulint.verify.rules import RULES as VERIFY_RULES

    registry.add([*builtin.load(), *VERIFY_RULES], BUILTIN_PREFIX, "tpulint.rules")
    if plugins:
        for prefix, module in entry_points():
            if prefix == BUILTIN_PREFIX:
                continue  # the built-in package's own entry point
            try:
                package = importlib.import_module(module)
                loaded = package.load()
            except Exception as error:  # a broken plugin must not look like a tpulint bug
                raise RegistryError(f"rule package {prefix} ({module}) failed to load: "
                                    f"{type(error).__name__}: {error}") from error
            registry.add(loaded, prefix, module)
    return registry
