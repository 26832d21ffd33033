"""Render tpulint's HTML report and photograph it in headless Chromium.

    python tools/screenshot_report.py fixtures/TPU201 fixtures/TPU002 --out report.png

Writes the page (`--html`, default beside the screenshot) with `tpulint check --format html`,
then runs Chromium headless on it with the network and every background service off. Exits 4 when
no Chromium is installed (Debian: `apt-get install chromium`). The page must not need the network:
Chromium gets no proxy and the page fetches nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_browser() -> str | None:
    configured = os.environ.get("TPULINT_CHROMIUM")
    if configured:
        return configured
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def write_report(paths: list[str], target: Path) -> int:
    """`tpulint check --format html`; its exit code (1 when the models have findings)."""
    command = [sys.executable, "-m", "tpulint", "check", *paths, "--format", "html",
               "--output-file", str(target), "--no-cache", "--isolated"]
    return subprocess.run(command, check=False).returncode


def screenshot(browser: str, page: Path, image: Path, width: int, height: int) -> None:
    with tempfile.TemporaryDirectory(prefix="tpulint-chromium-") as profile:
        command = [
            browser, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
            "--disable-dev-shm-usage",
            # No network: a dead proxy for everything, so nothing can be fetched.
            "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
            f"--user-data-dir={profile}", f"--window-size={width},{height}",
            f"--screenshot={image.resolve()}", page.resolve().as_uri(),
        ]
        subprocess.run(command, check=True, capture_output=True, timeout=120)
    if not image.is_file() or image.stat().st_size == 0:
        raise RuntimeError(f"{browser} wrote no screenshot")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="models or directories to check")
    parser.add_argument("--out", type=Path, default=Path("tpulint-report.png"))
    parser.add_argument("--html", type=Path, help="where to keep the page")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2000)
    args = parser.parse_args(argv)
    browser = find_browser()
    if browser is None:
        print("screenshot_report: no Chromium found (apt-get install chromium)", file=sys.stderr)
        return 4
    page = args.html or args.out.with_suffix(".html")
    if write_report(args.paths, page) not in (0, 1):
        print("screenshot_report: tpulint could not write the report", file=sys.stderr)
        return 2
    screenshot(browser, page, args.out, args.width, args.height)
    print(f"wrote {page} and {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
