"""Loading `[tool.tpulint]` and `tpulint.toml`: where settings come from and what is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tpulint.engine.config import ConfigError, load_settings
from tpulint.engine.config_files import find_config


def test_closest_file_wins_and_tpulint_toml_beats_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.tpulint]\nfail-on = "info"\n')
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert find_config(nested) == (tmp_path / "pyproject.toml").resolve()
    (tmp_path / "tpulint.toml").write_text('fail-on = "error"\n')
    settings = load_settings(start=nested)
    assert settings.fail_on == "error"
    assert Path(settings.root) == tmp_path.resolve()


def test_pyproject_without_section_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert find_config(tmp_path) != (tmp_path / "pyproject.toml").resolve()


def test_extend_inherits_then_overrides(tmp_path: Path) -> None:
    (tmp_path / "base.toml").write_text('ignore = ["TPU305"]\nfail-on = "info"\n')
    (tmp_path / "tpulint.toml").write_text('extend = "base.toml"\nfail-on = "error"\n')
    settings = load_settings(start=tmp_path)
    assert settings.ignore == ["TPU305"]
    assert settings.fail_on == "error"


def test_extend_loop_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "tpulint.toml").write_text('extend = "tpulint.toml"\n')
    with pytest.raises(ConfigError, match="loops"):
        load_settings(start=tmp_path)


def test_key_value_overrides_win(tmp_path: Path) -> None:
    (tmp_path / "tpulint.toml").write_text('fail-on = "info"\n')
    settings = load_settings(["fail-on='none'"], start=tmp_path)
    assert settings.fail_on == "none"


@pytest.mark.parametrize(("text", "message"), [
    ('selct = ["TPU"]', "unknown setting 'selct'"),
    ('fail-on = "sometimes"', "fail-on must be one of"),
    ('select = "TPU1, TPU2"\nignore = 3', "'ignore' must be a list of strings"),
    ('[severity]\nTPU301 = "fatal"', "severity of TPU301 must be one of"),
    ('[[ignore-ops]]\nop = "GATHER"\ncodes = ["TPU201"]', "needs a reason"),
    ('[[ignore-ops]]\nop = "GATHER"\nreason = "  "', "needs a reason"),
    ('[[ignore-ops]]\ncodes = ["TPU201"]\nreason = "r"', "needs 'op' or 'tensor'"),
    ('[[ignore-ops]]\ntensor = "("\nreason = "r"', "not a regular expression"),
    ('[[ignore-ops]]\nop = "A"\nreason = "r"\nwhy = "x"', "not why"),
    ("preview = 1", "'preview' must be true or false"),
    ("runtime = 9", "runtime must be"),
    ("not toml =", "invalid TOML"),
])
def test_invalid_settings_are_refused(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "tpulint.toml").write_text(text + "\n")
    with pytest.raises(ConfigError, match=message):
        load_settings(start=tmp_path)


def test_comma_separated_string_is_a_list(tmp_path: Path) -> None:
    (tmp_path / "tpulint.toml").write_text('select = "TPU1, TPU2"\n')
    assert load_settings(start=tmp_path).select == ["TPU1", "TPU2"]


def test_isolated_ignores_files(tmp_path: Path) -> None:
    (tmp_path / "tpulint.toml").write_text('fail-on = "info"\n')
    assert load_settings(isolated=True, start=tmp_path).fail_on == "warning"


def test_require_plugins_names_a_rule_package_that_is_not_loaded() -> None:
    from tpulint.engine.config import Settings
    from tpulint.engine.registry import load_registry
    from tpulint.engine.selection import Selection

    registry = load_registry(plugins=False)
    Selection(registry, Settings(require_plugins=["TPU"]))  # the built-in package: loaded
    with pytest.raises(ConfigError, match="rule package\\(s\\) ACME not loaded"):
        Selection(registry, Settings(require_plugins=["TPU", "ACME"]))
