"""The built site in a real browser: headless Chromium driven by Selenium.

These tests open the pages from `file://`, as a bookkeeper does, and check what only a
browser can tell: the script sorts and filters, no script from a note runs, nothing is
fetched from outside the site folder, the console stays clean, and axe-core finds no
serious accessibility problem. Screenshots land in tests/_artifacts/ for a human to look at.

Without Debian's `chromium` and `chromium-driver` the tests are skipped, unless
CASEBOOK_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from tests.site.test_site import TODAY, build, git, write_site_book

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).parents[1] / "_artifacts"


def _require_browser() -> None:
    missing = [p for p in (CHROMIUM, DRIVER) if not Path(p).exists()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    if missing:
        reason = ("browser tests need Debian's chromium and chromium-driver "
                  f"(apt-get install chromium chromium-driver); missing: {', '.join(missing)}")
        if os.environ.get("CASEBOOK_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(book, site folder), built once for the module."""
    base = tmp_path_factory.mktemp("browser")
    book = write_site_book(base / "book")
    out = base / "site"
    build(book, out)
    return book, out


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tmp_path_factory.mktemp("chromium-profile")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                f"--user-data-dir={profile}", "--window-size=1400,1000"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    browser = webdriver.Chrome(service=Service(DRIVER), options=options)
    browser.set_page_load_timeout(60)
    browser.set_script_timeout(60)
    try:
        yield browser
    finally:
        browser.quit()


def open_page(driver, out: Path, page: str) -> None:
    """Open a page of the site; drop the logs of earlier pages."""
    driver.get_log("browser")
    driver.get_log("performance")
    driver.get((out / page).as_uri())


def requested_urls(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def console_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]


def screenshot(driver, name: str) -> None:
    """A full-page PNG (beyond the window) for a human to review."""
    import base64

    ARTIFACTS.mkdir(exist_ok=True)
    width, height = driver.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
    })
    (ARTIFACTS / name).write_bytes(base64.b64decode(shot["data"]))


PAGES = ["index.html", "forecast.html", "debtors/janssens.html", "debtors/hostile.html",
         "debtors/dubois.html", "debtors/janssens/2026-10-08-reminder.html"]


@pytest.mark.parametrize("page", PAGES)
def test_no_console_error_and_no_request_outside_the_site(driver, site, page: str) -> None:
    _, out = site
    open_page(driver, out, page)
    driver.find_element("tag name", "body")
    urls = requested_urls(driver)
    assert urls, "the performance log saw no request at all: the check would be empty"
    prefix = out.as_uri() + "/"
    assert [u for u in urls if not u.startswith(prefix)] == []
    assert console_errors(driver) == []


def test_overview_totals_equal_casebook_status(driver, site) -> None:
    book, out = site
    status = json.loads(subprocess.run(
        [sys.executable, "-m", "casebook", "status", "--json", "--book", str(book),
         "--today", TODAY.isoformat()],
        check=True, capture_output=True, text=True,
    ).stdout)
    open_page(driver, out, "index.html")
    value = lambda css: driver.find_element("css selector", css).get_attribute("value")  # noqa: E731
    assert value("#total-outstanding data") == status["totals"]["open"] == "4129.00"
    assert value("#total-overdue data") == status["totals"]["overdue"]
    assert value("#total-dso data") == status["totals"]["dso"]
    for bucket, amount in status["aging"].items():
        assert value(f'#aging tr[data-bucket="{bucket}"] data') == amount
    screenshot(driver, "site-overview.png")


def visible_cases(driver) -> list[str]:
    return [row.get_attribute("data-case")
            for row in driver.find_elements("css selector", "#debtor-table tbody tr")
            if row.is_displayed()]


def test_filtering_and_sorting_the_debtor_table(driver, site) -> None:
    _, out = site
    open_page(driver, out, "index.html")
    assert sorted(visible_cases(driver)) == ["dubois", "hostile", "janssens", "peeters", "vermeulen"]
    search = driver.find_element("id", "filter-text")
    search.send_keys("menuiserie")
    assert visible_cases(driver) == ["dubois"]
    assert driver.find_element("id", "filter-count").text == "1 van 5 debiteuren"  # the book's nl
    search.clear()
    search.send_keys(" ")  # an input event with an empty filter shows everything again
    assert len(visible_cases(driver)) == 5
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element("id", "filter-status")).select_by_value("closed")
    assert visible_cases(driver) == ["vermeulen"]
    Select(driver.find_element("id", "filter-status")).select_by_value("")
    driver.find_element("id", "filter-overdue").click()
    assert sorted(visible_cases(driver)) == ["dubois", "hostile", "janssens"]
    driver.find_element("id", "filter-overdue").click()
    header = driver.find_elements("css selector", "#debtor-table thead th")[4]  # Open
    header.find_element("tag name", "button").click()
    assert visible_cases(driver) == ["vermeulen", "hostile", "peeters", "janssens", "dubois"]
    assert header.get_attribute("aria-sort") == "ascending"
    header.find_element("tag name", "button").click()
    assert visible_cases(driver)[0] == "dubois"
    assert console_errors(driver) == []


def test_debtor_page_timeline_shows_the_real_commits(driver, site) -> None:
    book, out = site
    open_page(driver, out, "debtors/janssens.html")
    items = driver.find_elements("css selector", "#timeline li")
    expected = git(book, "log", "--format=%H %an %s", "--", "cases/janssens").splitlines()
    assert len(items) == len(expected) == 4
    for item, line in zip(items, expected):
        sha, _, _ = line.partition(" ")
        shown = item.find_element("css selector", "code.sha")
        assert shown.text == sha[:10] and shown.get_attribute("title") == sha
        assert item.get_attribute("data-sha") == sha
    assert "janssens: call by phone" in items[1].text and "casebook" in items[1].text
    screenshot(driver, "site-debtor.png")


def test_a_note_crafted_to_run_script_does_not(driver, site) -> None:
    _, out = site
    open_page(driver, out, "debtors/hostile.html")
    # the payload would set document.title to "pwned"; the escaped name stays the title
    assert driver.title == '<img src=x onerror="window.pwned=1">Evil & Co · Studio Noord BV · debiteuren'
    assert driver.execute_script("return typeof window.pwned") == "undefined"
    # the javascript: link is plain text, not a link: there is nothing to click
    note = driver.find_element("css selector", "#notes .prose")
    assert "[click me](javascript:window.pwned=4)" in note.text
    # an image becomes a link to it: shown only if clicked, never fetched by opening the page
    assert [a.get_attribute("href") for a in note.find_elements("tag name", "a")] == [
        "https://tracker.example/pixel.png", "https://example.com/terms",
        "mailto:help@example.com"]
    assert note.find_elements("tag name", "img") == []
    assert driver.execute_script("return typeof window.pwned") == "undefined"
    assert console_errors(driver) == []


@pytest.mark.parametrize("page", ["index.html", "forecast.html", "debtors/janssens.html",
                                  "debtors/hostile.html"])
def test_no_serious_accessibility_violation(driver, site, page: str) -> None:
    _, out = site
    open_page(driver, out, page)
    assert_no_serious_violation(driver)


def assert_no_serious_violation(driver) -> None:
    """axe-core on the open page: it checked something, and found nothing serious."""
    from axe_selenium_python import Axe

    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    assert results["passes"], "axe checked nothing"
    bad = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], axe.report(bad)


def test_page_is_complete_without_javascript(driver, site) -> None:
    """The filter form only appears with the script; the table is all there without it."""
    _, out = site
    html = (out / "index.html").read_text("utf-8")
    assert '<form class="filters" id="debtor-filters" role="search" hidden>' in html
    assert html.count('<tr data-case="') == 5
    open_page(driver, out, "index.html")
    assert driver.find_element("id", "debtor-filters").is_displayed()
