"""The HTML report renders in a real headless browser (Chromium), and the picture is not blank."""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from helpers import FIXTURES, ROOT

SCRIPT = ROOT / "tools" / "screenshot_report.py"


def browser() -> str | None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("screenshot_report", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found: str | None = module.find_browser()
    return found


def png_pixels(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    chunks, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        if data[offset + 4:offset + 8] == b"IDAT":
            chunks.append(data[offset + 8:offset + 8 + length])
        offset += 12 + length
    return width, height, zlib.decompress(b"".join(chunks))


@pytest.mark.skipif(browser() is None, reason="no Chromium installed (Debian: apt-get install "
                    "chromium); the HTML report is checked structurally in test_formats_pages.py")
def test_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    image = tmp_path / "report.png"
    subprocess.run([sys.executable, str(SCRIPT), str(FIXTURES / "TPU201"),
                    str(FIXTURES / "TPU002"), "--out", str(image), "--width", "1100",
                    "--height", "1400"], check=True, capture_output=True, timeout=300)
    width, height, pixels = png_pixels(image)
    assert (width, height) == (1100, 1400)
    # A rendered page has many colours; a blank or error page has a handful.
    assert len(set(pixels)) > 64
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "bad_unsupported_mid.tflite" in html
