"""Headless Chromium renders index.html and every report: no broken images, nothing remote.

Skips (with the reason) when no Chromium is installed; ``make system-deps`` installs it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome", "chrome")
                 if shutil.which(n)), None)
if CHROMIUM is None:
    pytest.skip("headless Chromium not found (install it with `make system-deps` or apt-get install chromium)",
                allow_module_level=True)

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
         "--run-all-compositor-stages-before-draw", "--virtual-time-budget=10000"]

# Appended to a copy of each page: after load, records image counts on <body> for --dump-dom.
PROBE = """<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var broken = imgs.filter(function (i) { return !i.complete || i.naturalWidth === 0; });
  document.body.setAttribute('data-probe-images', String(imgs.length));
  document.body.setAttribute('data-probe-broken', String(broken.length));
  document.body.setAttribute('data-probe-height', String(document.body.scrollHeight));
});
</script>"""


def _chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=180)


def _probed_dom(page: Path, script: str, profile: Path) -> subprocess.CompletedProcess:
    """Chromium's DOM of a copy of ``page`` with ``script`` appended to <body> (the copy is removed)."""
    probe = page.with_name(f".probe-{page.name}")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", script + "</body>"), encoding="utf-8")
    try:
        return _chromium(["--dump-dom", probe.as_uri()], profile)
    finally:
        probe.unlink()


def _pages(run: Path) -> list[Path]:
    return [run.parent / "index.html", *sorted(run.glob("*.html"))]


def test_pages_render_without_broken_images(small_run, tmp_path):
    for page in _pages(small_run):
        proc = _probed_dom(page, PROBE, tmp_path / "profile")
        dom = proc.stdout
        assert "<body" in dom, f"{page.name}: chromium printed no DOM: {proc.stderr[-500:]}"
        m = re.search(r'data-probe-images="(\d+)"[^>]*data-probe-broken="(\d+)"[^>]*data-probe-height="(\d+)"', dom)
        assert m, f"{page.name}: probe did not run"
        images, broken, height = map(int, m.groups())
        assert broken == 0, f"{page.name}: {broken} of {images} images failed to load"
        assert height > 300, f"{page.name}: page looks empty ({height}px)"
        if page.name != "index.html":
            assert images >= 1, f"{page.name}: a report without a single chart"
        srcs = re.findall(r"<img\b[^>]*\bsrc=\"([^\"]*)", dom)
        assert all(s.startswith("data:image/") for s in srcs)


def test_screenshots(small_run, tmp_path):
    """Screenshots are written (look at them with SEGMENT_LIB_SCREENSHOTS=<dir>) and are not blank."""
    import os

    out = Path(os.environ.get("SEGMENT_LIB_SCREENSHOTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    for page in _pages(small_run):
        png = out / f"{page.stem}.png"
        proc = _chromium([f"--screenshot={png}", "--window-size=1280,2000", page.as_uri()], tmp_path / "profile")
        assert png.is_file() and png.stat().st_size > 20_000, f"{page.name}: {proc.stderr[-500:]}"


def test_maps_render_from_boundaries(small_run, tmp_path):
    """The region and rebalance maps are drawn from the province outlines and load in the browser."""
    for name, title in (("02_regions", "Satisfaction by region"), ("03_rebalance", "Proposed split")):
        script = PROBE.replace("document.images", "document.querySelectorAll('img[alt*=\"%s\"]')" % title)
        dom = _probed_dom(small_run / f"{name}.html", script, tmp_path / "profile").stdout
        m = re.search(r'data-probe-images="(\d+)"[^>]*data-probe-broken="(\d+)"', dom)
        assert m and m.group(1) == "1" and m.group(2) == "0", f"{name}: map '{title}' missing or broken"


# --- Chinese reports (one zh run, small_run_zh): glyphs, "What to do" first, appendix collapsed ---
# Draws "行" and "一" on a canvas in the page's font: real glyphs differ, missing-glyph boxes do not.
ZH_PROBE = """<script>
window.addEventListener('load', function () {
  function ink(ch) {
    var c = document.createElement('canvas'); c.width = 40; c.height = 40;
    var x = c.getContext('2d'); x.font = '28px ' + getComputedStyle(document.body).fontFamily;
    x.fillText(ch, 4, 32); return Array.prototype.join.call(x.getImageData(0, 0, 40, 40).data, '');
  }
  var first = document.querySelector('.sl-actions, .sl-section');
  var det = document.querySelector('details.sl-appendix');
  document.body.setAttribute('data-probe', [ink('行') !== ink('一') ? 'glyphs' : 'tofu',
    first && first.classList.contains('sl-actions') ? 'actions-first' : 'actions-not-first',
    det && !det.open && det.offsetHeight < det.querySelector('summary').offsetHeight + 40
      ? 'collapsed' : 'open'].join(' '));
});
</script>"""


def test_chinese_reports_render(small_run_zh, tmp_path):
    for page in sorted(small_run_zh.glob("*.html")):
        dom = _probed_dom(page, ZH_PROBE, tmp_path / "profile").stdout
        m = re.search(r'data-probe="([^"]*)"', dom)
        assert m, f"{page.name}: probe did not run"
        assert m.group(1) == "glyphs actions-first collapsed", f"{page.name}: {m.group(1)}"
