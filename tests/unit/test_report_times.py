"""The close-out report's teams table gives times of day on the incident's day and full dates
otherwise, so its ten columns fit a page and a 1366 px screen without losing a date."""

from datetime import UTC, date, datetime

from dashboard.reports import _Format


def test_a_time_on_the_reports_day_is_a_time_of_day_and_another_day_is_dated():
    f = _Format("zh", "Asia/Shanghai")
    day = date(2026, 12, 3)
    assert f.clock(datetime(2026, 12, 3, 0, 34, 47, tzinfo=UTC), day).text == "08:34:47"
    # 16:30 UTC is half past midnight of the next day in Wuhan
    assert f.clock(datetime(2026, 12, 3, 16, 30, tzinfo=UTC), day).text == "2026-12-04 00:30:00"
    assert f.clock(None, day).tone == "muted"
