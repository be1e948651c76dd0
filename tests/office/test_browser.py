"""The office overview in headless Chromium, from file://: every link to a book's site
opens that site, nothing is fetched from outside the folder, the console stays clean, and
the figures shown are the books' `casebook status --json` summed. Skipped without Chromium
(see tests/site/test_browser.py, whose driver is used here)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.site.test_browser import (
    assert_no_serious_violation,
    console_errors,
    driver,
    open_page,
    requested_urls,
    screenshot,
)

from .books import BOOKS, TODAY, book_root, make_office, run, status_json

pytestmark = pytest.mark.browser
__all__ = ["driver"]  # the fixture, used by name


@pytest.fixture(scope="module")
def office_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    office = make_office(tmp_path_factory.mktemp("office-browser"))
    out = office.parent / "public"
    code, _, err = run("office", "site", "--office", str(office), "--today", TODAY.isoformat(),
                       "--out", str(out))
    assert code == 0, err
    return office, out


def test_the_overview_and_every_book_link(driver, office_site) -> None:  # noqa: F811
    office, out = office_site
    open_page(driver, out, "index.html")
    prefix = out.as_uri() + "/"
    assert [u for u in requested_urls(driver) if not u.startswith(prefix)] == []
    assert console_errors(driver) == []
    # the stylesheet loaded (the CSP lets 'self' through): the header is the theme's colour
    header = driver.find_element("css selector", "header.top")
    assert header.value_of_css_property("background-color") == "rgba(23, 50, 77, 1)"
    screenshot(driver, "office-overview.png")
    value = lambda css: driver.find_element("css selector", css).get_attribute("value")  # noqa: E731
    statuses = {name: status_json(book_root(office, name)) for name in BOOKS}
    total = sum(Decimal(s["totals"]["open"]) for s in statuses.values())
    assert Decimal(value('tr[data-currency="EUR"] [data-key="open"] data')) == total
    for bucket in statuses["acme"]["aging"]:
        shown = value(f'tr[data-currency="EUR"] [data-bucket="{bucket}"] data')
        assert Decimal(shown) == sum(Decimal(s["aging"][bucket]) for s in statuses.values())
    links = [a.get_attribute("href")
             for a in driver.find_elements("css selector", "#book-table a")]
    assert links == [f"{prefix}{name}/index.html" for name in BOOKS]
    for name, link in zip(BOOKS, links):
        driver.get_log("browser")
        driver.get(link)
        shown = driver.find_element("css selector", "#total-outstanding data").get_attribute("value")
        assert shown == statuses[name]["totals"]["open"], name
        assert console_errors(driver) == [], name


def test_the_overview_has_no_serious_accessibility_violation(driver, office_site) -> None:  # noqa: F811
    _, out = office_site
    open_page(driver, out, "index.html")
    assert_no_serious_violation(driver)
