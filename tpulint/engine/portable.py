"""How `--jobs` workers get the rules: pickled when they pickle, otherwise by code.

A rule package may build its check functions at load time (closures, `functools.partial` of a
local object): such a rule cannot be pickled, yet a worker that imports the installed rule
packages itself gets the same rule. When even that fails (rules handed to the engine that no
installed package declares), the caller checks in one process.
"""

from __future__ import annotations

from tpulint.record import Record

TYPE_CHECKING = False  # as typing's: `check` does not import typing
if TYPE_CHECKING:
    from tpulint.api import Rule


class RulesByCode(Record):
    """Rules named by code, for a worker to load from the registry of installed packages."""

    codes: tuple[str, ...]

    def load(self) -> list[Rule]:
        from tpulint.engine.registry import load_registry

        registry = load_registry(plugins=True)
        return [registry.rules[code] for code in self.codes]


def shippable(rules: list[Rule]) -> list[Rule] | RulesByCode | None:
    """What to send worker processes so that they check with `rules`, or None if nothing can."""
    import pickle  # only `--jobs` needs it

    try:
        pickle.dumps(rules)
        return rules
    except Exception:  # pickling raises PicklingError, TypeError or AttributeError
        pass
    by_code = RulesByCode(tuple(rule.code for rule in rules))
    try:
        loaded = by_code.load()
    except Exception:  # a code no installed package declares, or a package failing to load
        return None
    return by_code if list(map(_identity, loaded)) == list(map(_identity, rules)) else None


def unshippable(rules: list[Rule]) -> str:
    """The first rule that cannot be pickled, for the warning."""
    import pickle

    for rule in rules:
        try:
            pickle.dumps(rule)
        except Exception:
            return rule.code
    return "?"


def _identity(rule: Rule) -> tuple[str, str, str]:
    return rule.code, rule.check.__module__, rule.check.__qualname__
