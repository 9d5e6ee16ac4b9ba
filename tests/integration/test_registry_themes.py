"""The One Map's registry themes follow registrations: users per 1,000 residents, real-name
share, sites and overdue cylinders, read the way the map reads them (map_layers.area_values and
the choropleth's METRICS), on the seeded demo city, on SQLite and PostgreSQL. Registrations go
through the write path (append_events); the counts kept incrementally equal a fresh recount.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import shapely.geometry
from sqlalchemy import Engine, select

from dashboard.choropleth import METRICS
from dashboard.domain.events import EVENT_TYPES, Event
from dashboard.domain.roles import Scope
from data_access.eventlog import Accepted, Duplicate, Incoming, Outcome, append_events
from data_access.models import AreaCount, Customer, Cylinder, District, Enterprise, GridCell, Site
from data_access.queries import map_layers
from data_access.queries.registry_themes import DUE_METRICS, cylinders_due
from data_access.registry import recount_area_counts
from simulators.seed import REFERENCE_DATE

CITYWIDE = Scope()
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
QUARTER = datetime(2026, 9, 30, 16, 0, tzinfo=UTC)
SOURCE = "registry-test"

_ids = iter(range(1, 1_000_000))


def event(event_type: str, **data: Any) -> Event:
    model = EVENT_TYPES[event_type]
    return Event.of(model(**data), id=f"reg-{next(_ids)}", occurred_at=NOW)


def append(engine: Engine, *events: Event) -> list[Outcome]:
    return append_events(engine, [Incoming(SOURCE, e, None) for e in events])


def accepted(engine: Engine, *events: Event) -> None:
    outcomes = append(engine, *events)
    assert all(isinstance(o, Accepted) for o in outcomes), outcomes


TODAY = NOW.date()


def themes(engine: Engine, today: date = TODAY, scope: Scope = CITYWIDE) -> dict:
    """Per district, what the One Map's data path gives the themes."""
    return map_layers.area_values(engine, scope, "district", NOW, QUARTER, today=today)


def theme(engine: Engine, key: str, district: str, today: date = TODAY) -> float | None:
    """A district's value of a theme as the map colours it (population from the district)."""
    with engine.connect() as connection:
        population = connection.scalar(select(District.population).where(District.code == district))
    counts = {**themes(engine, today).get(district, {}), "population": population}
    return METRICS[key].compute(counts)


def kept(engine: Engine, area_type: str, code: str, metric: str) -> int:
    with engine.connect() as connection:
        query = select(AreaCount.value).where(
            AreaCount.area_type == area_type,
            AreaCount.area_code == code,
            AreaCount.metric == metric,
        )
        return int(connection.scalar(query) or 0)


def a_cell(engine: Engine, index: int = 0) -> tuple[str, str, float, float]:
    """(cell, its district, lat, lon) of a grid cell whose centroid lies inside it."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                GridCell.code,
                GridCell.district,
                GridCell.centroid_lat,
                GridCell.centroid_lon,
                GridCell.geometry,
            ).order_by(GridCell.code)
        ).all()
    inside = [
        (code, district, lat, lon)
        for code, district, lat, lon, geometry in rows
        if shapely.geometry.shape(geometry).contains(shapely.geometry.Point(lon, lat))
    ]
    return inside[index * 7 % len(inside)]


def customer(customer_id: str, district: str, lat: float, lon: float, **data: Any) -> Event:
    fields = {"kind": "household", "real_name_verified": False, **data}
    return event(
        "customer.registered", customer_id=customer_id, district=district, lat=lat, lon=lon,
        **fields,
    )  # fmt: skip


def cylinder(code: str, enterprise_id: str, due: date, **data: Any) -> Event:
    fields = {
        "capacity_kg": 15.0,
        "manufactured_on": "2020-01-01",
        "last_inspected_on": "2022-12-01",
        "next_inspection_due": due.isoformat(),
        "scrap_due": "2030-01-01",
        **data,
    }
    return event("cylinder.registered", code=code, enterprise_id=enterprise_id, **fields)


def an_enterprise(engine: Engine, district: str | None = None) -> tuple[str, str]:
    query = select(Enterprise.id, Enterprise.district).order_by(Enterprise.id)
    if district is not None:
        query = query.where(Enterprise.district == district)
    with engine.connect() as connection:
        return tuple(connection.execute(query.limit(1)).one())  # type: ignore[return-value]


# --- the themes follow registrations -----------------------------------------------------------


def test_a_new_customer_raises_users_per_1000_and_real_name_share(city: Engine) -> None:
    cell, district, lat, lon = a_cell(city)
    users, share = theme(city, "users_per_1000", district), theme(city, "real_name_share", district)
    before = themes(city)[district]
    in_cell = kept(city, "grid", cell, "customers")

    accepted(city, customer("C-NEW-1", district, lat, lon, real_name_verified=True))

    after = themes(city)[district]
    assert after["customers"] == before["customers"] + 1
    assert after["customers_real_name"] == before["customers_real_name"] + 1
    assert after["customers_household"] == before["customers_household"] + 1
    assert theme(city, "users_per_1000", district) > users  # type: ignore[operator]
    assert theme(city, "real_name_share", district) > share  # type: ignore[operator]
    assert kept(city, "grid", cell, "customers") == in_cell + 1
    with city.connect() as connection:
        assert connection.scalar(select(Customer.grid_cell).where(Customer.id == "C-NEW-1")) == cell


def test_an_unverified_customer_does_not_raise_the_real_name_share(city: Engine) -> None:
    _cell, district, lat, lon = a_cell(city, 1)
    share = theme(city, "real_name_share", district)
    accepted(city, customer("C-NEW-2", district, lat, lon, real_name_verified=False))
    assert theme(city, "real_name_share", district) < share  # type: ignore[operator]


def test_a_customer_registered_again_as_verified_raises_the_real_name_share(city: Engine) -> None:
    with city.connect() as connection:
        row = connection.execute(
            select(Customer)
            .where(Customer.real_name_verified.is_(False))
            .order_by(Customer.id)
            .limit(1)
        ).one()
    before = themes(city)[row.district]
    share = theme(city, "real_name_share", row.district)
    cell_count = kept(city, "grid", row.grid_cell, "customers")

    again = customer(row.id, row.district, row.lat, row.lon, kind=row.kind, real_name_verified=True)
    accepted(city, again)

    after = themes(city)[row.district]
    assert after["customers_real_name"] == before["customers_real_name"] + 1
    assert after["customers"] == before["customers"]  # the same customer, counted once
    assert theme(city, "real_name_share", row.district) > share  # type: ignore[operator]
    assert kept(city, "grid", row.grid_cell, "customers") == cell_count  # same place, same cell


def test_a_new_site_raises_sites_in_its_district_and_grid_cell(city: Engine) -> None:
    cell, district, lat, lon = a_cell(city, 2)
    enterprise_id, _ = an_enterprise(city)
    sites, in_cell = themes(city)[district].get("sites", 0), kept(city, "grid", cell, "sites")
    site = event(
        "site.registered", site_id="SITE-NEW-1", enterprise_id=enterprise_id, kind="supply_point",
        name="新站", district=district, lat=lat, lon=lon,
    )  # fmt: skip
    accepted(city, site)
    assert theme(city, "sites", district) == sites + 1
    assert kept(city, "grid", cell, "sites") == in_cell + 1
    with city.connect() as connection:
        assert connection.scalar(select(Site.grid_cell).where(Site.id == "SITE-NEW-1")) == cell


def test_a_registration_arriving_twice_counts_once(city: Engine) -> None:
    cell, district, lat, lon = a_cell(city, 3)
    before, in_cell = themes(city)[district]["customers"], kept(city, "grid", cell, "customers")
    first = customer("C-TWICE", district, lat, lon)
    accepted(city, first)
    assert isinstance(append(city, first)[0], Duplicate)  # the same event: the log refuses it
    accepted(city, customer("C-TWICE", district, lat, lon))  # sent again under a new id
    assert themes(city)[district]["customers"] == before + 1
    assert kept(city, "grid", cell, "customers") == in_cell + 1


# --- overdue cylinders: relative to today ------------------------------------------------------


def test_a_cylinder_counts_as_overdue_the_day_after_its_due_date_until_inspected(
    city: Engine,
) -> None:
    enterprise_id, district = an_enterprise(city)
    due = date(2026, 12, 10)
    day_after = due + timedelta(days=1)
    on_due = theme(city, "cylinders_overdue", district, due) or 0
    next_day = theme(city, "cylinders_overdue", district, day_after) or 0
    cylinders = kept(city, "district", district, "cylinders")

    accepted(city, cylinder("CYL-DUE-1", enterprise_id, due))

    assert kept(city, "district", district, "cylinders") == cylinders + 1
    assert theme(city, "cylinders_overdue", district, due) == on_due  # due today: not overdue
    assert theme(city, "cylinders_overdue", district, day_after) == next_day + 1

    inspected = cylinder(
        "CYL-DUE-1", enterprise_id, due + timedelta(days=4 * 365), last_inspected_on="2026-12-11"
    )
    accepted(city, inspected)
    assert theme(city, "cylinders_overdue", district, day_after) == next_day
    assert kept(city, "district", district, "cylinders") == cylinders + 1


def test_a_scrapped_cylinder_is_not_overdue(city: Engine) -> None:
    enterprise_id, district = an_enterprise(city)
    today = NOW.date()
    overdue = themes(city, today)[district]["cylinders_overdue_inspection"]
    accepted(city, cylinder("CYL-OLD-1", enterprise_id, date(2026, 1, 1)))
    assert themes(city, today)[district]["cylinders_overdue_inspection"] == overdue + 1
    with city.connect() as connection:
        lat, lon = connection.execute(
            select(District.centroid_lat, District.centroid_lon).where(District.code == district)
        ).one()
    scrap = event("cylinder.scanned", code="CYL-OLD-1", stage="scrap", lat=lat, lon=lon)
    accepted(city, scrap)
    assert themes(city, today)[district]["cylinders_overdue_inspection"] == overdue


def test_the_overdue_counts_match_the_seeding_recount_on_its_day(city: Engine) -> None:
    stored = _area_counts(city)
    due = cylinders_due(city, CITYWIDE, REFERENCE_DATE)
    for (area_type, code, metric), value in stored.items():
        if metric in DUE_METRICS:
            assert area_type == "district"
            assert due.get(code, {}).get(metric, 0) == value, (code, metric)


def test_a_district_officer_sees_the_overdue_cylinders_of_their_district_only(
    city: Engine,
) -> None:
    _, district = an_enterprise(city)
    everyone = cylinders_due(city, CITYWIDE, NOW.date())
    assert cylinders_due(city, Scope(district=district), NOW.date()) == {
        district: everyone[district]
    }
    enterprise_id, _ = an_enterprise(city, district)
    with city.connect() as connection:
        own = connection.scalars(
            select(Cylinder.next_inspection_due).where(Cylinder.enterprise_id == enterprise_id)
        ).all()
    mine = cylinders_due(city, Scope(enterprise_id=enterprise_id), NOW.date())
    expected = sum(d < NOW.date() for d in own)
    assert mine.get(district, {}).get("cylinders_overdue_inspection", 0) == expected
    assert set(mine) <= {district}


# --- the kept counts equal a recount --------------------------------------------------------


def _area_counts(engine: Engine) -> dict[tuple[str, str, str], int]:
    with engine.connect() as connection:
        rows = connection.execute(select(AreaCount.area_type, AreaCount.area_code,
                                         AreaCount.metric, AreaCount.value)).all()  # fmt: skip
    return {(t, c, m): int(v) for t, c, m, v in rows}


def _registrations(engine: Engine, rng: random.Random) -> list[list[Event]]:
    """Batches of new registrations and re-registrations that move every counted thing."""
    with engine.connect() as connection:
        customers = connection.execute(select(Customer).order_by(Customer.id).limit(400)).all()
        sites = connection.execute(select(Site).order_by(Site.id)).all()
        enterprises = connection.execute(select(Enterprise).order_by(Enterprise.id)).all()
        cylinders = connection.execute(select(Cylinder).order_by(Cylinder.code).limit(300)).all()
        districts = list(connection.scalars(select(District.code).order_by(District.code)))
    cells = [a_cell(engine, i) for i in range(12)]
    kinds = ("household", "commercial", "industrial")
    batches: list[list[Event]] = []
    for n in range(4):
        batch: list[Event] = []
        for k in range(40):  # new customers, somewhere in a cell
            _cell, district, lat, lon = rng.choice(cells)
            batch.append(customer(f"C-S{n}-{k}", district, lat, lon, kind=rng.choice(kinds),
                                  real_name_verified=rng.random() < 0.5))  # fmt: skip
        for row in rng.sample(customers, 40):  # registered again: moved, verified, kind
            _cell, district, lat, lon = rng.choice(cells)
            place = (district, lat, lon) if rng.random() < 0.5 else (row.district, row.lat, row.lon)
            batch.append(customer(row.id, *place, kind=rng.choice(kinds),
                                  real_name_verified=rng.random() < 0.7))  # fmt: skip
        for k in range(5):  # new sites, and sites moved
            _cell, district, lat, lon = rng.choice(cells)
            owner = rng.choice(enterprises).id
            batch.append(event("site.registered", site_id=f"S-S{n}-{k}", enterprise_id=owner,
                               kind="supply_point", name="站", district=district, lat=lat,
                               lon=lon))  # fmt: skip
            site = rng.choice(sites)
            batch.append(event("site.registered", site_id=site.id, enterprise_id=site.enterprise_id,
                               kind=site.kind, name=site.name, district=district, lat=lat,
                               lon=lon))  # fmt: skip
        for k in range(20):  # new cylinders, and cylinders changing hands
            owner = rng.choice(enterprises).id
            batch.append(cylinder(f"CY-S{n}-{k}", owner, date(2027, 1, 1)))
            known = rng.choice(cylinders)
            batch.append(cylinder(known.code, rng.choice(enterprises).id, date(2028, 1, 1)))
        # an enterprise moves district with its cylinders (some registered in this batch)
        moving = rng.choice(enterprises)
        batch.append(event("enterprise.registered", enterprise_id=moving.id, name=moving.name,
                           kind=moving.kind, district=rng.choice(districts)))  # fmt: skip
        batch.append(cylinder(f"CY-M{n}", moving.id, date(2027, 1, 1)))
        batch.append(event("enterprise.registered", enterprise_id=f"E-S{n}", name=f"新企业{n}",
                           kind="bottled", district=rng.choice(districts)))  # fmt: skip
        _cell, district, lat, lon = rng.choice(cells)  # a sensor, and a team placed and moved
        batch.append(event("sensor.registered", sensor_id=f"SN-S{n}", kind="methane", lat=lat,
                           lon=lon))  # fmt: skip
        for team_id in (f"T-S{n}", "T-S0"):
            batch.append(event("team.registered", team_id=team_id, level="street", owner_id="o",
                               district=rng.choice(districts), members=5, capabilities=[],
                               lat=lat, lon=lon))  # fmt: skip
        rng.shuffle(batch)
        batches.append(batch)
    return batches


def test_the_incrementally_kept_counts_equal_a_fresh_recount(city: Engine) -> None:
    rng = random.Random(16)
    batches = _registrations(city, rng)
    for batch in batches:
        for start in range(0, len(batch), 50):  # several transactions per batch
            accepted(city, *batch[start : start + 50])
    again = append(city, *batches[-1][:30])  # the same events again: the log refuses them
    assert all(isinstance(o, Duplicate) for o in again)
    # the same registrations sent again under new ids: applied, and nothing counts twice
    accepted(city, *(Event.of(e.data, id=f"{e.id}-x", occurred_at=NOW) for e in batches[0][:60]))

    incremental = _area_counts(city)
    with city.connect() as connection:
        populations = dict(connection.execute(select(District.code, District.population)).all())
    recount_area_counts(city, REFERENCE_DATE, populations)
    recounted = _area_counts(city)

    def kept_metrics(counts: dict) -> dict:  # the day-dependent ones are computed when read
        return {k: v for k, v in counts.items() if k[2] not in DUE_METRICS and v}

    assert kept_metrics(incremental) == kept_metrics(recounted)
