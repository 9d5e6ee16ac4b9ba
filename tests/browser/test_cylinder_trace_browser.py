"""Tracing a cylinder in the browser: the supervisor types a cylinder's QR link into the search
box of the navigation bar and reads its whole chain (oldest first, with the site, the worker and
the customer's real-name mark), the path on the map, and its safety check with all four photos
loaded; a bad input is told why; the enterprise login cannot open another enterprise's cylinder
by URL. No console errors."""

from __future__ import annotations

import struct
import zlib
from base64 import b64encode
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from dashboard import ids
from dashboard.domain.events import CylinderScanned, DeliverySafetyChecked, Event
from dashboard.photo_store import store_photo
from data_access.db import make_engine
from data_access.eventlog import Accepted, Incoming, append_events
from data_access.models import Customer, Cylinder, Site, Worker
from data_access.queries.registry import first_enterprise_id
from tests.browser.conftest import own_demo, sign_in

pytestmark = pytest.mark.browser

KINDS = ("storefront", "cylinder_hose", "stove_hose", "surroundings")
COLOURS = (b"\xe0\x40\x40", b"\x40\xe0\x40", b"\x40\x40\xe0", b"\xe0\xe0\x40")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_database_template: Path):
    with own_demo(tmp_path_factory, demo_database_template, "cylinder-trace") as running:
        yield running


@pytest.fixture
def engine(demo) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{demo.data_dir / 'gascc.sqlite3'}")
    yield engine
    engine.dispose()


def png(colour: bytes) -> bytes:
    """A real 2x2 PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    pixels = b"".join(b"\x00" + colour * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


def _first(engine: Engine, query):
    with engine.connect() as connection:
        found = connection.execute(query.limit(1)).first()
    assert found is not None, query
    return found


def traced_cylinder(engine: Engine, photos_dir: Path) -> tuple[str, str]:
    """A cylinder of the demo enterprise filled, sold to a real-name customer, delivered and
    checked with four stored photos; and a cylinder of another enterprise: (ours, theirs)."""
    ours = first_enterprise_id(engine)
    code = _first(engine, select(Cylinder.code).where(Cylinder.enterprise_id == ours)).code
    theirs = _first(engine, select(Cylinder.code).where(Cylinder.enterprise_id != ours)).code
    site = _first(engine, select(Site.id, Site.lat, Site.lon).where(Site.enterprise_id == ours))
    worker = _first(engine, select(Worker.id).where(Worker.enterprise_id == ours)).id
    customer = _first(
        engine,
        select(Customer.id, Customer.lat, Customer.lon).where(
            Customer.real_name_verified.is_(True)
        ),
    )
    photos = {}
    for kind, colour in zip(KINDS, COLOURS, strict=True):
        upload = f"data:image/png;base64,{b64encode(png(colour)).decode()}"
        reference = store_photo(photos_dir, upload)
        assert reference is not None
        photos[kind] = reference
    now = datetime.now(UTC)
    at_site = {"site_id": site.id, "lat": site.lat, "lon": site.lon}
    at_home = {"customer_id": customer.id, "lat": customer.lat, "lon": customer.lon}
    steps = [
        CylinderScanned(code=code, stage="filling", worker_id=worker, **at_site),
        CylinderScanned(code=code, stage="sale", **{**at_site, "customer_id": customer.id}),
        CylinderScanned(code=code, stage="delivery", worker_id=worker, **at_home),
        DeliverySafetyChecked(
            code=code, customer_id=customer.id, worker_id=worker, passed=True, photos=photos
        ),
    ]
    events = [
        Event.of(data, id=f"browser-trace-{n}", occurred_at=now - timedelta(minutes=30 - n))
        for n, data in enumerate(steps)
    ]
    outcomes = append_events(engine, [Incoming("browser-test", e) for e in events])
    assert all(isinstance(o, Accepted) for o in outcomes), outcomes
    return code, theirs


def test_a_cylinder_traced_through_the_search_box_shows_its_chain_and_four_photos(
    demo, engine, new_tab
):
    code, theirs = traced_cylinder(engine, demo.data_dir / "photos")
    tab = new_tab()
    sign_in(tab, demo.url, "supervisor", landing="/cylinders", language="zh")
    page = tab.page
    page.wait_for_selector(f"#{ids.CYL_SEARCH_TEXT}", timeout=30_000)

    # a bad input is told why, in Chinese
    page.fill(f"#{ids.CYL_SEARCH_TEXT}", "这不是编码")
    page.press(f"#{ids.CYL_SEARCH_TEXT}", "Enter")
    page.wait_for_selector(f"#{ids.CYL_SEARCH_FEEDBACK}:has-text('无法识别气瓶编码')")

    # the cylinder's QR link, as a scanner types it
    page.fill(f"#{ids.CYL_SEARCH_TEXT}", f"https://gas.example.cn/q/{code}")
    page.click(f"#{ids.CYL_SEARCH_GO}")
    page.wait_for_selector(f"#{ids.CYL_BODY} [data-code='{code}']", timeout=30_000)
    assert page.url.endswith(f"/cylinder/{code}")
    stages = page.eval_on_selector_all(
        f"#{ids.CYL_BODY} .cyl-chain li", "(items) => items.map((li) => li.dataset.stage)"
    )
    assert stages[-3:] == ["filling", "sale", "delivery"]  # oldest first
    chain = page.inner_text(f"#{ids.CYL_BODY} .cyl-chain")
    assert "充装" in chain and "实名" in chain
    photos = f"#{ids.CYL_BODY} .cyl-check .cyl-photo[data-shown='true'] img"
    page.wait_for_function(
        '() => { const imgs = document.querySelectorAll("' + photos + '");'
        " return imgs.length >= 4 && Array.from(imgs).every((img) => img.complete"
        " && img.naturalWidth > 0); }",
        timeout=30_000,
    )
    labels = page.inner_text(f"#{ids.CYL_BODY} .cyl-check")
    for label in ("门面招牌", "钢瓶与连接管连接处", "灶具与连接管连接处", "用气环境"):
        assert label in labels
    assert page.locator(f"#{ids.CYL_MAP} path.leaflet-interactive").count() >= 1  # the path
    assert page.locator(f"#{ids.CYL_BODY} a.cyl-detain").count() == 1  # a supervisor detains
    assert not tab.console_errors, tab.console_errors

    # the enterprise login: another enterprise's cylinder by URL is "not found", in English
    company = new_tab(1366, 768)
    sign_in(company, demo.url, "enterprise", landing=f"/cylinder/{theirs}", language="en")
    company.page.wait_for_selector("text=No such cylinder, or it is not within what you may see.")
    assert theirs not in company.page.inner_text("main")
    assert not company.console_errors, company.console_errors
