"""Rate tables: shipped data, the book's overrides, splitting at changes (casebook.book.rates)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from casebook.book import rates
from casebook.book.rates import load_tables, rate_on, shipped_tables, split
from casebook.book.wording import english

D = Decimal


@pytest.mark.parametrize(
    "table, day, expected",
    [
        ("be-commercial", date(2022, 12, 31), "8.0"),
        ("be-commercial", date(2023, 1, 1), "10.5"),
        ("be-commercial", date(2023, 7, 1), "12.0"),
        ("be-commercial", date(2024, 7, 1), "12.5"),
        ("be-commercial", date(2025, 6, 30), "11.5"),
        ("be-commercial", date(2025, 7, 1), "10.5"),
        ("be-legal", date(2024, 6, 1), "5.75"),
        ("be-legal", date(2025, 6, 1), "4.50"),
        ("nl-commercial", date(2024, 7, 1), "12.25"),
        ("nl-commercial", date(2025, 1, 1), "11.15"),
        ("nl-commercial", date(2026, 3, 1), "10.15"),
        ("nl-statutory", date(2022, 12, 31), "2"),
        ("nl-statutory", date(2024, 1, 1), "7"),
        ("nl-statutory", date(2026, 1, 1), "4"),
    ],
)
def test_shipped_rates_match_domain(table, day, expected):
    assert rate_on(shipped_tables()[table], day) == D(expected)


def test_every_shipped_row_names_its_source():
    for table in shipped_tables():
        assert table.title and table.law
        for row in table.rows:
            assert row.source and row.status in {"C", "S", "?"}


def test_split_cuts_exactly_at_each_change():
    periods, warnings = split(shipped_tables()["be-commercial"], date(2025, 6, 21), date(2025, 7, 20))
    assert [(p.start, p.end, p.days, p.rate) for p in periods] == [
        (date(2025, 6, 21), date(2025, 6, 30), 10, D("11.5")),
        (date(2025, 7, 1), date(2025, 7, 20), 20, D("10.5")),
    ]
    assert warnings == ()


def test_split_merges_equal_rates_and_covers_every_day():
    start, end = date(2019, 3, 1), date(2026, 5, 31)
    periods, _ = split(shipped_tables()["be-commercial"], start, end)
    assert periods[0].start == start and periods[-1].end == end
    assert sum(p.days for p in periods) == (end - start).days + 1
    assert all(a.rate != b.rate for a, b in zip(periods, periods[1:]))
    assert periods[0].end == date(2022, 12, 31)


def test_past_the_last_known_rate_uses_it_and_warns():
    table = shipped_tables()["be-commercial"]
    assert table.known_until == date(2026, 6, 30)
    periods, warnings = split(table, date(2026, 6, 1), date(2026, 8, 1))
    assert periods[-1].rate == D("10.5") and periods[-1].end == date(2026, 8, 1)
    assert len(warnings) == 1
    assert "2026-06-30" in english(warnings[0]) and "10.5 %" in english(warnings[0])
    assert split(table, date(2026, 6, 1), date(2026, 6, 30))[1] == ()


def test_before_the_first_known_rate_warns():
    _, warnings = split(shipped_tables()["nl-statutory"], date(2018, 12, 1), date(2019, 1, 5))
    assert warnings and "before 2019-01-01" in english(warnings[0])


def test_yearly_table_is_known_to_the_end_of_the_year():
    assert shipped_tables()["be-legal"].known_until == date(2026, 12, 31)


def test_book_rates_folder_adds_and_replaces_rows(tmp_path):
    (tmp_path / "rates").mkdir()
    (tmp_path / "rates" / "be-commercial.yaml").write_text(
        "rates:\n"
        "  - {from: 2026-07-01, rate: '9.5', source: 'BS 2026-07-15'}\n"
        "  - {from: 2026-01-01, rate: '10.0', source: 'corrected'}\n",
        encoding="utf-8",
    )
    tables, problems = load_tables(tmp_path)
    assert problems == []
    table = tables["be-commercial"]
    assert rate_on(table, date(2026, 8, 1)) == D("9.5")
    assert rate_on(table, date(2026, 2, 1)) == D("10.0")
    assert rate_on(table, date(2025, 2, 1)) == D("11.5")  # shipped rows kept
    assert table.known_until == date(2026, 12, 31)
    assert tables.overridden == ("rates/be-commercial.yaml",)
    assert "rates/be-commercial.yaml" in table.origin
    assert table.rows[-1].origin == "rates/be-commercial.yaml:2"
    # The shipped tables themselves are untouched.
    assert rate_on(shipped_tables()["be-commercial"], date(2026, 2, 1)) == D("10.5")


def test_book_without_rates_folder_gets_the_shipped_tables(tmp_path):
    assert load_tables(tmp_path) == (shipped_tables(), [])
    assert load_tables(None) == (shipped_tables(), [])


def test_bad_rate_files_are_problems_with_lines(tmp_path):
    (tmp_path / "rates").mkdir()
    (tmp_path / "rates" / "nl-commercial.yaml").write_text(
        "period: decade\nrates:\n  - {from: 2026-07-01, rate: 'ten'}\n  - {from: soon, rate: '1'}\n"
        "  - {from: 2026-09-01, rate: '3'}\n",
        encoding="utf-8",
    )
    (tmp_path / "rates" / "be-legal.yaml").write_text("rates: [\n", encoding="utf-8")
    tables, problems = load_tables(tmp_path)
    messages = [str(p) for p in problems]
    assert "rates/nl-commercial.yaml:1: period must be one of half-year, year" in messages
    assert "rates/nl-commercial.yaml:3: `rate` must be a percentage, not 'ten'" in messages
    assert "rates/nl-commercial.yaml:4: `from` must be a date YYYY-MM-DD" in messages
    assert any(m.startswith("rates/be-legal.yaml:") and "YAML syntax error" in m for m in messages)
    # The valid row still applies; the broken file leaves the shipped table alone.
    assert rate_on(tables["nl-commercial"], date(2026, 9, 2)) == D("3")
    assert tables["be-legal"] == shipped_tables()["be-legal"]


def test_shipped_files_are_package_data():
    for name in rates.TABLES:
        assert (rates.data(f"rates/{name}.yaml")).is_file()


def test_rates_folder_setting_must_stay_inside_the_book(tmp_path):
    (tmp_path / "casebook.yaml").write_text("rates: {folder: ../elsewhere}\n", encoding="utf-8")
    tables, problems = load_tables(tmp_path)
    assert tables == shipped_tables()
    assert [str(p) for p in problems] == [
        "casebook.yaml:1: rates.folder '../elsewhere' is outside the book"]
