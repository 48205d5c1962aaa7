"""The report page in a real browser: headless Chromium (Debian's ``chromium`` package) loads
it from a file:// URL; the tables and figures must render with a size, nothing may be logged
to the console, and a full-page screenshot is kept.

Without Chromium the test is skipped, saying why (``-rs`` and a warning in the summary): the
page was then not loaded in a browser. ``.ci/run`` installs Chromium where apt-get works.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest
from matplotlib.image import imread

from simulator.page import write_report

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]
WINDOW = (1280, 4000)
PROBE = "waitsim-console-probe"
MEASURE = f"""<script>
addEventListener("load", () => {{
  const size = e => {{ const r = e.getBoundingClientRect(); return [r.width, r.height]; }};
  const out = {{
    tables: [...document.querySelectorAll("table")].map(t => [t.rows.length, ...size(t)]),
    images: [...document.images].map(i => [i.complete, i.naturalWidth, ...size(i)]),
    sections: [...document.querySelectorAll("h2")].map(h => h.textContent),
    pageWidth: document.documentElement.scrollWidth,
  }};
  const pre = document.createElement("pre");
  pre.id = "measured";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
  console.error("{PROBE}");
}});
</script>"""
"""Injected into a copy of the page only (the page itself has no script): measures what
rendered, and logs one console error to show that the console is being read."""


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        reason = ("browser test NOT RUN: no Chromium on this machine (Debian: apt-get "
                  "install chromium), so the report page was not loaded in a browser")
        warnings.warn(reason, stacklevel=2)
        pytest.skip(reason)
    return path


def _browse(chromium: str, page: Path, profile: Path, *extra: str
            ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
         f"--window-size={WINDOW[0]},{WINDOW[1]}", "--virtual-time-budget=10000", *extra,
         page.as_uri()],
        capture_output=True, text=True, timeout=180, check=False)


def _console(stderr: str) -> list[str]:
    """The page's console messages in Chromium's log."""
    return [line for line in stderr.splitlines() if "CONSOLE" in line]


def test_the_page_renders_in_chromium(report_folder: Path, tmp_path: Path) -> None:
    chromium = _chromium()
    page = write_report(report_folder, tmp_path / "report.html")
    measured = tmp_path / "measured.html"
    measured.write_text(page.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"),
                        encoding="utf-8")

    dump = _browse(chromium, measured, tmp_path / "profile-1", "--dump-dom")
    found = re.search(r'<pre id="measured">(.*?)</pre>', dump.stdout, re.DOTALL)
    assert found, f"no measurement in the DOM; Chromium said: {dump.stderr[-2000:]}"
    m = json.loads(found[1].replace("&quot;", '"').replace("&amp;", "&"))
    assert [PROBE in line for line in _console(dump.stderr)] == [True], _console(dump.stderr)
    assert m["sections"][:3] == ["The options, ranked", "Key numbers of each option",
                                 "Key figures"]
    assert len(m["tables"]) >= 5
    assert all(rows >= 2 and width > 100 and height > 20 for rows, width, height in m["tables"])
    assert len(m["images"]) >= 5
    assert all(done and natural > 0 and width > 300 and height > 150
               for done, natural, width, height in m["images"])
    assert m["pageWidth"] <= WINDOW[0]  # nothing wider than the window

    screenshot = tmp_path / "report.png"
    shot = _browse(chromium, page, tmp_path / "profile-2", f"--screenshot={screenshot}")
    assert _console(shot.stderr) == []  # the page as shipped logs nothing
    pixels = imread(screenshot)
    assert pixels.shape[:2] == (WINDOW[1], WINDOW[0])
    assert pixels[..., :3].std() > 0.05  # not a blank page
    print(f"screenshot of the report page: {screenshot}")
