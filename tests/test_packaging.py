"""The package list in pyproject.toml matches the packages on disk (a missing one would be
absent from the wheel while an editable install still imports it)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib


def test_every_package_is_listed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts)
               for p in (ROOT / "tpulint").rglob("__init__.py")}
    on_disk.add("tpulint.rules")
    assert listed == on_disk
    assert config["package-dir"] == {"tpulint.rules": "rules"}
    assert (ROOT / "tpulint" / "py.typed").exists()


def test_pycoral_is_never_a_dependency() -> None:
    # The PyPI project named pycoral is unrelated to Google's; tpulint uses Google's only when
    # it is already importable.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"],
                    *(r for extra in project["optional-dependencies"].values() for r in extra)]
    assert not [r for r in requirements if r.lower().startswith("pycoral")]
