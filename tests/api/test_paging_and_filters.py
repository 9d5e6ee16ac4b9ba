"""Lists are paged by key (a cursor: the rows after the last one seen) and filtered by status,
district, time and enterprise, on top of the reader's scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from tests.api.conftest import ApiCity
from tests.support import JIANGAN, WUCHANG


def all_pages(api_city: ApiCity, path: str, limit: int) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        query = f"{path}?limit={limit}" + (f"&cursor={quote(cursor)}" if cursor else "")
        body = api_city.get(query).get_json()
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


def test_following_the_cursor_reads_every_row_once_in_order(api_city: ApiCity):
    everything = api_city.ids("/api/v1/teams?limit=200")
    pages = all_pages(api_city, "/api/v1/teams", 7)
    assert len(pages) > 2
    assert all(len(page) == 7 for page in pages[:-1])
    assert [team for page in pages for team in page] == everything == sorted(everything)


def test_a_row_added_between_pages_neither_repeats_nor_hides_a_row(api_city: ApiCity):
    first = api_city.get("/api/v1/incidents?limit=1").get_json()
    assert [item["id"] for item in first["items"]] == ["INC-J"]
    from tests.api.conftest import event, logged

    added = event(
        "incident.reported", incident_id="INC-A", kind="leak", channel="hotline_96511",
        lat=30.585, lon=114.29, address="测试路 2 号", severity=1, description="新报",
    )  # fmt: skip
    logged(api_city.engine, added, "inc-added", minutes_ago=1)
    rest = api_city.ids(f"/api/v1/incidents?limit=200&cursor={first['next_cursor']}")
    assert rest == ["INC-W"]  # "INC-A" sorts before the cursor: an offset would repeat INC-J


def test_the_last_page_says_there_is_no_next(api_city: ApiCity):
    body = api_city.get("/api/v1/hazards?limit=2").get_json()
    assert (len(body["items"]), body["next_cursor"]) == (2, None)


def test_status_district_and_enterprise_filters_narrow_the_list(api_city: ApiCity):
    assert api_city.ids("/api/v1/hazards?status=assigned") == ["HZ-W"]
    assert api_city.ids(f"/api/v1/hazards?district={JIANGAN}") == ["HZ-J"]
    assert api_city.ids(f"/api/v1/hazards?enterprise={api_city.wuchang_enterprise}") == ["HZ-W"]
    assert api_city.ids(f"/api/v1/complaints?district={WUCHANG}&status=received") == ["CP-W"]
    teams = api_city.get(f"/api/v1/teams?district={WUCHANG}&limit=200").get_json()["items"]
    assert teams and {team["district"] for team in teams} == {WUCHANG}


def test_since_and_until_keep_the_rows_of_that_time(api_city: ApiCity):
    # HZ-J was reported an hour ago, HZ-W ten minutes ago
    half_hour_ago = quote((datetime.now(UTC) - timedelta(minutes=30)).isoformat())
    assert api_city.ids(f"/api/v1/hazards?since={half_hour_ago}") == ["HZ-W"]
    assert api_city.ids(f"/api/v1/hazards?until={half_hour_ago}") == ["HZ-J"]


def test_a_filter_never_widens_the_scope(api_city: ApiCity):
    assert api_city.ids(f"/api/v1/hazards?district={WUCHANG}", "api-jiangan") == []
    other = api_city.wuchang_enterprise
    assert api_city.ids(f"/api/v1/hazards?enterprise={other}", "api-enterprise") == []
