"""Every rule fires on its bad fixtures and is silent on its good twins (real converter output).

A good twin is a near miss: its rule's bad model with the offending part fixed, so that the
rule's silence on it says the rule looks at that part.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tpulint.engine.check import check_file
from tpulint.engine.config import Settings
from tpulint.engine.registry import load_registry

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = load_registry(plugins=False)
RULES = list(REGISTRY)
CASES = [(path.parent.name, path) for path in sorted(ROOT.glob("fixtures/TPU*/*.tflite"))]
# Rules whose bad case no converter produces small enough to commit; tested in memory instead.
WITHOUT_FIXTURE = {
    "TPU107": "no converter writes an 8-bit tensor without quantization (test_rules_memory.py)",
    "TPU402": "over 7 MB of weights; the estimate is tested in test_rules_memory.py",
    "TPU091": "about the configuration, not a model (test_unused_ignore.py)",
    **dict.fromkeys(("TPU501", "TPU502", "TPU503", "TPU504"),
                    "about a compilation, not a model: recorded compiler runs in "
                    "test_verify_findings.py and test_verify_verdict.py"),
}

# The network converted to full int8 is the one near miss of these rules' bad models, which are
# that network converted with one setting changed (no optimization, float16 types, default
# input/output types, the 16x8 operator set, no fixed batch size).
SHARED_TWIN = ("TPU102", "TPU103", "TPU105", "TPU106", "TPU302")


@pytest.mark.parametrize(("code", "path"), CASES, ids=[f"{c}/{p.name}" for c, p in CASES])
def test_rule_fires_on_bad_and_is_silent_on_good(code: str, path: Path) -> None:
    result = check_file(str(path), RULES, Settings())
    assert result.error is None
    fired = [f for f in result.findings if f.code == code]
    if path.name.startswith("bad_"):
        assert fired, f"{code} did not fire on {path.name}"
        for finding in fired:
            assert finding.message and "\n" not in finding.message
    else:
        assert not fired, [f.message for f in fired]


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_every_rule_has_a_bad_and_a_good_fixture(rule) -> None:  # type: ignore[no-untyped-def]
    names = {p.name for c, p in CASES if c == rule.code}
    if rule.code in WITHOUT_FIXTURE:
        assert not any(n.startswith("bad_") for n in names)
        return
    assert any(n.startswith("bad_") for n in names), f"no bad fixture for {rule.code}"
    assert any(n.startswith("good_") for n in names), f"no good fixture for {rule.code}"


def test_the_good_model_is_clean_and_fully_mapped() -> None:
    result = check_file(str(ROOT / "fixtures/TPU102/good_int8.tflite"), RULES, Settings())
    assert result.findings == []
    assert result.summary.cpu == 0 and result.summary.edgetpu_subgraphs == 1


def test_good_twins_are_distinct_models() -> None:
    twins: dict[bytes, list[str]] = {}
    for code, path in CASES:
        if path.name.startswith("good_"):
            twins.setdefault(path.read_bytes(), []).append(f"{code}/{path.name}")
    shared = [names for names in twins.values() if len(names) > 1]
    assert shared == [[f"{code}/good_int8.tflite" for code in SHARED_TWIN]]


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_the_documented_example_names_its_fixtures(rule) -> None:  # type: ignore[no-untyped-def]
    example = re.search(r"fixtures/(TPU\d{3})/(bad_\w+\.tflite)[^(]*\(good twins?:\s*([^)]*)\)",
                        rule.doc)
    if example is None:
        assert not (ROOT / "fixtures" / rule.code).is_dir() or rule.code in WITHOUT_FIXTURE
        return
    code, bad, good = example.groups()
    named = {bad, *(name.strip() for name in good.split(","))}
    assert named == {p.name for c, p in CASES if c == code}
