"""End to end in headless Chromium: the static leaderboard loads from file://, has one row per
model, sorts on a header click, switches raw / ceiled, renders hostile ids as text, and a
screenshot is written.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them) and selenium.
A missing browser FAILS the test; outside CI it can be skipped deliberately with
``BRAINSCORE_AUDIO_SKIP_BROWSER=1``.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import matplotlib.image
import pytest
from test_publish_site import HOSTILE, OVERALL, TABLE, table_board

from brainscore_audio.publish.site import build_site

pytestmark = pytest.mark.slow  # starts a browser

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1200,900"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (Path(CHROMIUM).is_file() and Path(CHROMEDRIVER).is_file()):
        if os.environ.get("BRAINSCORE_AUDIO_SKIP_BROWSER") and not os.environ.get("CI"):
            pytest.skip("BRAINSCORE_AUDIO_SKIP_BROWSER is set and chromium is not installed")
        pytest.fail(f"{CHROMIUM} / {CHROMEDRIVER} not found: apt-get install chromium "
                    "chromium-driver (.ci/run does)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS + [f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _order(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#board tbody tr'))"
        ".map(r => r.getAttribute('data-model'));")


def _column(driver, benchmark: str) -> list[str]:
    return driver.execute_script(
        "const th = document.querySelector(`#board th[data-benchmark='${arguments[0]}']`);"
        "const col = Array.from(th.parentNode.cells).indexOf(th);"
        "return Array.from(document.querySelectorAll('#board tbody tr'))"
        ".map(r => r.cells[col].querySelector('.val').textContent);", benchmark)


def _click_header(driver, selector: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, f"{selector} button.sort").click()


def test_leaderboard_loads_sorts_and_toggles_in_chromium(browser, tmp_path):
    from selenium.webdriver.common.by import By

    build_site(table_board(), tmp_path / "site")
    browser.get((tmp_path / "site" / "index.html").as_uri())
    rows = browser.find_elements(By.CSS_SELECTOR, "#board tbody tr")
    assert len(rows) == len(TABLE)
    assert browser.execute_script("return window.__xss") is None
    assert HOSTILE in [r.find_element(By.CSS_SELECTOR, "th a").text for r in rows]

    raw_a = {m: s["bench.a"][0] for m, s in TABLE.items()}
    by_raw = sorted(raw_a, key=raw_a.get, reverse=True)
    _click_header(browser, "th[data-benchmark='bench.a']")
    assert _order(browser) == by_raw
    assert _column(browser, "bench.a") == [f"{raw_a[m]:.3f}" for m in by_raw]
    assert browser.find_element(By.CSS_SELECTOR, "th[data-benchmark='bench.a']") \
        .get_attribute("aria-sort") == "descending"
    _click_header(browser, "th[data-benchmark='bench.a']")
    assert _order(browser) == by_raw[::-1]

    # a column with a missing score: the unscored model stays last in both directions
    raw_b = {m: s["bench.b"][0] for m, s in TABLE.items() if "bench.b" in s}
    _click_header(browser, "th[data-benchmark='bench.b']")
    assert _order(browser) == sorted(raw_b, key=raw_b.get, reverse=True) + ["gamma"]
    _click_header(browser, "th[data-benchmark='bench.b']")
    assert _order(browser) == sorted(raw_b, key=raw_b.get) + ["gamma"]

    # raw -> ceiled while sorted by bench.a: values and order follow raw / ceiling
    _click_header(browser, "th[data-benchmark='bench.a']")
    browser.find_element(By.ID, "mode-ceiled").click()
    ceiled_a = {m: s["bench.a"][0] / s["bench.a"][1] for m, s in TABLE.items()}
    by_ceiled = sorted(ceiled_a, key=ceiled_a.get, reverse=True)
    assert by_ceiled != by_raw  # planted so the toggle must re-sort
    assert _order(browser) == by_ceiled
    assert _column(browser, "bench.a") == [f"{ceiled_a[m]:.3f}" for m in by_ceiled]
    assert "ceiled" in browser.find_element(By.ID, "mode-legend").text
    browser.find_element(By.ID, "mode-raw").click()
    assert _order(browser) == by_raw

    # the aggregate column sorts too (None last); the model column alphabetically
    _click_header(browser, "th[data-aggregate='downstream-overall']")
    scored = {m: v for m, v in OVERALL.items() if v is not None}
    assert _order(browser) == sorted(scored, key=scored.get, reverse=True) + [HOSTILE]
    _click_header(browser, "#board thead th:first-child")
    assert _order(browser) == sorted(TABLE)

    # hover text carries the standard error
    cell_title = browser.execute_script(
        "return document.querySelector(`tr[data-model='beta'] td`).title")
    assert "\u00b1 0.0200 (SE)" in cell_title and "ceiling 1.0000" in cell_title

    shot = tmp_path / "leaderboard.png"
    assert browser.save_screenshot(str(shot))
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 600 and height >= 400
    pixels = matplotlib.image.imread(str(shot))[..., :3]
    ink = (pixels < 0.9).any(axis=-1).mean()  # fraction of non-white pixels
    assert 0.01 < ink < 0.9, ink  # a rendered table, not a blank (or black) page

    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []

    # a model page opens from its link, with its inline SVG profile
    browser.find_element(By.LINK_TEXT, "beta").click()
    assert browser.current_url.endswith("/models/beta.html")
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.chart")) >= 2


def test_demo_leaderboard_site_loads_and_sorts_in_chromium(browser, tmp_path):
    """The committed demo leaderboard, through the CLI: one row per model; every benchmark
    column sorts by its raw score."""
    from selenium.webdriver.common.by import By

    from brainscore_audio import leaderboard
    from brainscore_audio.cli import main

    source = Path(__file__).resolve().parents[1] / "leaderboard" / "leaderboard.json"
    board = leaderboard.load(source)
    assert main(["leaderboard", "html", str(source), "--output", str(tmp_path / "site")]) == 0
    browser.get((tmp_path / "site" / "index.html").as_uri())
    assert len(browser.find_elements(By.CSS_SELECTOR, "#board tbody tr")) == len(board.models)
    for bench_id in board.benchmarks:
        labels = leaderboard.model_labels(board)  # what the rows are called
        raw = {labels[m]: model.scores[bench_id].raw for m, model in board.models.items()
               if bench_id in model.scores}
        _click_header(browser, f"th[data-benchmark='{bench_id}']")
        order = _order(browser)
        assert order[:len(raw)] == sorted(raw, key=lambda m: (-raw[m], m))
    assert browser.save_screenshot(str(tmp_path / "demo.png"))
    assert (tmp_path / "demo.png").stat().st_size > 10_000
