"""The HTML page leads with the operators that end the Edge TPU region, like the terminal and
Markdown reports: the first few listed, the rest folded, so the placement strip and the
findings are not pushed a screen down (YOLOv10n has 50 such operators)."""

from __future__ import annotations

import re
from typing import Any

from helpers import DATA

from tpulint.report.triage import REGION_ENDS_SHOWN

GEMM = DATA / "corpus" / "redax-gemm_model_16_4_2_1.tflite"  # 8 operators end the region


def test_region_ends_beyond_the_first_few_are_folded(cli: Any) -> None:
    out = cli("check", "--isolated", "--format", "html", str(GEMM)).out
    section = out[out.index("Edge TPU region ends at"):out.index("Operators in execution order")]
    shown, _, folded = section.partition("<details>")
    assert len(re.findall(r"<li>", shown)) == REGION_ENDS_SHOWN
    more = len(re.findall(r"<li>", folded))
    assert more >= 1
    assert f"<summary>+{more} more operators on the CPU for a reason of their own</summary>" \
        in folded
    assert "strands" in shown  # the operator that strands the most comes first
