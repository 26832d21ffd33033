"""The HTML report fits the window from 1000 px up, measured in headless Chromium.

A copy of the page gets a small script (the report itself has none) that lists every element
reaching past the window's right edge into the page title; `--dump-dom` prints it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from helpers import DATA, FIXTURES

BROWSER = next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")
                if shutil.which(name)), None)
MODELS = [DATA / "corpus" / "redax-gemm_model_16_4_2_1.tflite",  # fused names of 170 characters
          DATA / "corpus" / "td-deeplabv3_mnv2_dm05_pascal_quant.tflite",
          FIXTURES / "TPU201" / "bad_unsupported_mid.tflite"]
MEASURE = """<script>
const width = document.documentElement.clientWidth;
const wide = [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 0.5)
  .map(e => e.tagName + '.' + e.className);
document.title = 'overflow:' + wide.length + ':' + wide.slice(0, 5).join(',');
</script></body>"""


def overflowing(page: Path, width: int) -> str:
    measured = page.with_name("measured.html")
    measured.write_text(page.read_text(encoding="utf-8").replace("</body>", MEASURE),
                        encoding="utf-8")
    assert BROWSER is not None
    with tempfile.TemporaryDirectory(prefix="tpulint-chromium-") as profile:
        done = subprocess.run(
            [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--no-first-run", "--proxy-server=127.0.0.1:9", f"--user-data-dir={profile}",
             f"--window-size={width},1200", "--virtual-time-budget=2000", "--dump-dom",
             measured.as_uri()],
            capture_output=True, text=True, timeout=180, check=True)
    title = re.search(r"<title>(overflow:[^<]*)</title>", done.stdout)
    assert title, done.stdout[:500]
    return title.group(1)


@pytest.mark.skipif(BROWSER is None, reason="no Chromium installed (Debian: apt-get install "
                    "chromium)")
@pytest.mark.parametrize("width", [1000, 1400])
def test_nothing_overflows_the_window(tmp_path: Path, width: int) -> None:
    page = tmp_path / "report.html"
    subprocess.run([sys.executable, "-m", "tpulint", "check", "--isolated", "--no-cache",
                    "--format", "html", "--output-file", str(page), *map(str, MODELS)],
                   check=False, capture_output=True, timeout=300)
    assert overflowing(page, width) == "overflow:0:"
