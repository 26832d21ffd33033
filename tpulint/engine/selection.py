"""Which rules run: `select` and `ignore` by code, prefix or name, the longest match winning."""

from __future__ import annotations

from tpulint.api import Rule
from tpulint.engine.config import ConfigError, Settings
from tpulint.engine.registry import Registry


class Selection:
    def __init__(self, registry: Registry, settings: Settings) -> None:
        self.registry = registry
        self.settings = settings
        selected = [*settings.select, *settings.extend_select]
        ignored = [*settings.ignore, *settings.extend_ignore]
        for selector in [*selected, *ignored]:
            self.validate(selector)
        missing = [prefix for prefix in settings.require_plugins
                   if prefix not in registry.prefixes]
        if missing:
            raise ConfigError(f"require-plugins: rule package(s) {', '.join(missing)} not "
                              "loaded (not installed, or --no-plugins)")
        self.enabled = [rule for rule in registry
                        if self._wins(rule, selected, ignored) and self._runs(rule, settings)]

    def validate(self, selector: str) -> str:
        """The selector as a code prefix; a ConfigError when it matches no rule."""
        key = self._normalise(selector)
        if key == "ALL" or any(rule.code.startswith(key) for rule in self.registry):
            return key
        from tpulint.suggest import did_you_mean

        known = [word for rule in self.registry for word in (rule.code, rule.name)]
        raise ConfigError(f"unknown rule selector '{selector}'{did_you_mean(selector, known)}")

    def validate_suppressions(self) -> None:
        """Codes in per-file ignores, operator ignores and severity overrides must name rules."""
        settings = self.settings
        for selectors in settings.per_file_ignores.values():
            for selector in selectors:
                self.validate(selector)
        for entry in settings.ignore_ops:
            for selector in entry.codes:
                self.validate(selector)
        codes = {}
        for key, level in settings.severity.items():
            rule = self.registry.resolve(key)
            if rule is None:
                raise ConfigError(f"severity: '{key}' is not a rule code or name")
            codes[rule.code] = level
        settings.severity = codes

    def _normalise(self, selector: str) -> str:
        rule = self.registry.resolve(selector)
        return rule.code if rule else selector.strip().upper()

    def _match(self, rule: Rule, selectors: list[str]) -> int:
        """Length of the longest selector matching `rule` (0 for ALL, -1 for none)."""
        best = -1
        for selector in selectors:
            key = self._normalise(selector)
            if key == "ALL":
                best = max(best, 0)
            elif rule.code.startswith(key):
                best = max(best, len(key))
        return best

    def _wins(self, rule: Rule, selected: list[str], ignored: list[str]) -> bool:
        chosen = self._match(rule, selected)
        return chosen >= 0 and chosen > self._match(rule, ignored)

    @staticmethod
    def _runs(rule: Rule, settings: Settings) -> bool:
        if rule.status == "removed":
            return False
        return rule.status != "preview" or settings.preview

    def codes_matching(self, selectors: list[str]) -> set[str]:
        """Every registered code a list of selectors covers (for ignores)."""
        return {rule.code for rule in self.registry if self._match(rule, selectors) >= 0}
