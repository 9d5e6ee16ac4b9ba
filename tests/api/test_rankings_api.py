"""GET /api/v1/rankings/districts: the district safety index for a period, as /rankings computes
it (on SQLite and PostgreSQL): every district best first for the city's readers, a district
officer's own row with its city rank, no ranking for enterprises and wall screens, a bad period
refused naming the parameter.

The API's small city (tests/api/conftest.py) has no inspection and no delivery yet, so coverage
does not apply (a period before the city's records, not 0 %); Jiang'an and Wuchang are judged on
hazard closure alone (HZ-J and HZ-W reported this quarter, open: 0 of 1, index 0); the incidents
are minutes old (not judged yet) and the complaints not due, so the other eleven districts have
no index. Once the test inspects one object, coverage applies everywhere (0 of N, 1 of N).
"""

from __future__ import annotations

from datetime import UTC, datetime

from dashboard.domain.events import Event, InspectionCompleted
from dashboard.domain.scoring import COMPONENTS, DEDUCTIONS, current_quarter, load_config_file
from data_access.eventlog import Accepted, Incoming, append_events
from tests.api.conftest import ApiCity
from tests.support import IN_JIANGAN, JIANGAN, WUCHANG

URL = "/api/v1/rankings/districts"
CONFIG = load_config_file()


def inspect_jiangan_enterprise(api_city: ApiCity) -> None:
    data = InspectionCompleted(
        inspection_id="INSP-API-1",
        kind="daily",
        target_type="enterprise",
        target_id=api_city.jiangan_enterprise,
        district=JIANGAN,
        inspector_id="inspector-1",
        items=[{"item": "valves", "passed": True}],
        lat=IN_JIANGAN[0],
        lon=IN_JIANGAN[1],
    )
    event = Event.of(data, id="insp-api-1", occurred_at=datetime.now(UTC))
    (outcome,) = append_events(api_city.engine, [Incoming("tests", event)])
    assert isinstance(outcome, Accepted), outcome


def ranking(api_city: ApiCity, query: str = "", as_: str = "api-duty") -> dict:
    response = api_city.get(URL + query, as_)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def test_the_city_ranking_of_the_current_quarter_with_every_component(api_city: ApiCity):
    body = ranking(api_city)
    quarter = current_quarter(datetime.now(UTC))
    assert (body["period"], body["previous_period"]) == (quarter.label, quarter.previous().label)
    assert body["version"] == CONFIG.version
    items = {item["code"]: item for item in body["items"]}
    assert len(items) == 13
    jiangan = items[JIANGAN]
    assert [c["name"] for c in jiangan["components"]] == list(COMPONENTS)
    assert [d["name"] for d in jiangan["deductions"]] == list(DEDUCTIONS)
    parts = {c["name"]: c for c in jiangan["components"]}
    assert (parts["hazard_closure"]["numerator"], parts["hazard_closure"]["denominator"]) == (0, 1)
    assert parts["hazard_closure"]["points"] == 0
    assert parts["inspection_coverage"]["points"] is None  # nothing inspected in the city yet
    assert parts["emergency_response"]["points"] is None  # minutes old: not judged yet
    scored = [(item["code"], item["index"], item["rank"], item["band"]) for item in body["items"]]
    assert sorted(scored[:2]) == [(JIANGAN, 0, 1, "red"), (WUCHANG, 0, 1, "red")]  # a tie
    assert all(index is None and rank is None for _, index, rank, _ in scored[2:])


def test_one_inspection_lifts_jiangan_to_first_by_the_configured_weights(api_city: ApiCity):
    inspect_jiangan_enterprise(api_city)
    body = ranking(api_city)
    first = body["items"][0]
    assert (first["code"], first["rank"]) == (JIANGAN, 1)
    coverage = next(c for c in first["components"] if c["name"] == "inspection_coverage")
    due = coverage["denominator"]
    assert coverage["numerator"] == 1
    # by hand: coverage 1/due with weight 25, hazard closure 0/1 with weight 10 apply
    weights = CONFIG.district.weights
    expected = round(
        100 * weights["inspection_coverage"] / due
        / (weights["inspection_coverage"] + weights["hazard_closure"]),
        2,
    )  # fmt: skip
    assert first["index"] == expected
    assert coverage["points"] == round(expected, 2)
    assert [item["rank"] for item in body["items"][1:]] == [2] * 12  # the others tie at 0
    assert body["city_index"] == round(expected / 13, 2)


def test_a_district_officer_gets_their_row_with_its_city_rank(api_city: ApiCity):
    inspect_jiangan_enterprise(api_city)
    (jiangan,) = ranking(api_city, as_="api-jiangan")["items"]
    assert (jiangan["code"], jiangan["rank"]) == (JIANGAN, 1)
    (wuchang,) = ranking(api_city, as_="api-wuchang")["items"]
    assert (wuchang["code"], wuchang["rank"]) == (WUCHANG, 2)
    assert len(ranking(api_city, as_="api-leader")["items"]) == 13


def test_enterprises_and_wall_screens_may_not_read_rankings(api_city: ApiCity):
    for reader in ("api-enterprise", "api-screen"):
        response = api_city.get(URL, reader)
        assert response.status_code == 403, reader
        assert response.get_json()["error"]["code"] == "forbidden"
    assert api_city.get(URL, None).status_code == 401


def test_a_past_quarter_is_ranked_against_the_one_before(api_city: ApiCity):
    body = ranking(api_city, "?period=2026Q3")
    assert (body["period"], body["previous_period"]) == ("2026Q3", "2026Q2")
    assert (body["first_day"], body["last_day"]) == ("2026-07-01", "2026-09-30")
    assert ranking(api_city, "?period=1900Q1")["previous_period"] == "1899Q4"


def test_a_bad_period_is_refused_naming_the_parameter(api_city: ApiCity):
    """Quarters only, as the document's pattern says (ranges of days: the page and the CLI)."""
    bad = ("2026Q5", "2026q4", " 2026Q4", "last-quarter", "2100Q1", "2026-10-01..2026-10-31")
    for period in (*bad, "1" * 40):
        response = api_city.client.get(
            URL,
            query_string={"period": period},
            headers={
                "Authorization": f"Bearer {api_city.tokens['api-duty']}",
                "Accept-Language": "en",
            },
        )
        assert response.status_code == 400, period
        error = response.get_json()["error"]
        assert error["code"] == "bad_parameter"
        assert "period" in error["message"] and "2026Q4" in error["message"], error
