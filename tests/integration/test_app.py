"""The app factory: resources bound per app, nothing fetched from outside, Redis optional."""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest

from dashboard.app import NotMigratedError, create_app
from dashboard.domain.browser import browser_rules
from dashboard.resources import resources
from dashboard.settings import Settings
from data_access.cache import RedisCache, cache_for
from data_access.queries import one_map
from tests.conftest import sign_in

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")


def test_an_unmigrated_database_is_refused_with_the_fix(tmp_path: Path) -> None:
    settings = Settings.from_env({"SECRET_KEY": "x" * 20}, data_dir=tmp_path)
    with pytest.raises(NotMigratedError, match="db upgrade"):
        create_app(settings)


def test_the_page_loads_nothing_from_the_internet(client) -> None:
    sign_in(client, "duty")
    page = client.get("/").get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources, "the index page should reference its scripts and styles"
    assert [s for s in sources if s.startswith(("http:", "https:", "//"))] == []
    assert 'data-bs-theme="dark"' in page


def test_every_page_carries_the_domains_rules_as_a_json_data_block(client) -> None:
    """assets/gascc.js reads them; a data block, not a script, so a strict CSP allows it."""
    sign_in(client, "duty")
    for path in ("/", "/incidents", "/screen"):
        page = client.get(path).get_data(as_text=True)
        block = re.search(r'<script type="application/json" id="gascc-rules">(.*?)</script>', page)
        assert block is not None, path
        assert json.loads(block.group(1)) == browser_rules()
        scripts = re.findall(r'src="/assets/([^"?]+\.js)', page)
        assert scripts[0] == "gascc.js", scripts  # the reader loads before its users
        assert page.index('id="gascc-rules"') < page.index("/assets/gascc.js")


def test_each_app_gets_its_own_resources(demo_settings, tmp_path: Path) -> None:
    first = create_app(demo_settings)
    second = create_app(replace(demo_settings, language="en"))
    with first.server.app_context():
        assert resources().settings.language == "zh"
    with second.server.app_context():
        assert resources().settings.language == "en"
    assert first.server.config["GASCC_ENGINE"] is not second.server.config["GASCC_ENGINE"]
    for app in (first, second):
        app.server.config["GASCC"].notifier.close()


@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL not set")
def test_with_redis_configured_the_cache_lives_in_redis(demo_settings) -> None:
    import redis

    app = create_app(replace(demo_settings, redis_url=REDIS_URL))
    engine = app.server.config["GASCC_ENGINE"]
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter("gascc:cache:data_access.queries.one_map.district_shapes:*"):
        client.delete(key)
    assert isinstance(cache_for(engine), RedisCache)
    shapes = one_map.district_shapes(engine)
    assert one_map.district_shapes(engine) == shapes  # the second from Redis
    kept = list(client.scan_iter("gascc:cache:data_access.queries.one_map.district_shapes:*"))
    assert len(kept) == 1
    app.server.config["GASCC"].notifier.close()


def _menu(layout: dict) -> tuple[list[str], list[str]]:
    """The bar's top-level links and the supervision dropdown's links, as hrefs."""

    def walk(node: object, inside_group: bool, top: list[str], grouped: list[str]) -> None:
        if isinstance(node, dict):
            props = node.get("props", {})
            in_group = inside_group or props.get("id") == "shell-menu-supervision"
            if node.get("type") == "NavLink":
                top.append(props["href"])
            if node.get("type") == "DropdownMenuItem" and in_group:
                grouped.append(props["href"])
            for value in props.values():
                walk(value, in_group, top, grouped)
        elif isinstance(node, list):
            for item in node:
                walk(item, inside_group, top, grouped)

    top: list[str] = []
    grouped: list[str] = []
    walk(layout, False, top, grouped)
    return top, grouped


def test_the_supervision_pages_share_one_dropdown_so_the_bar_stays_short(client) -> None:
    sign_in(client, "supervisor")
    top, grouped = _menu(client.get("/_dash-layout").json)
    assert {"/hazards", "/inspections", "/tasks"} <= set(grouped)
    assert not {"/hazards", "/inspections", "/tasks"} & set(top)
    assert "/" in top and "/incidents" in top
    assert len(top) <= 6  # with the one dropdown: fits one line at 1366 px


def test_the_menu_offers_an_enterprise_only_its_pages(client) -> None:
    sign_in(client, "enterprise")
    top, grouped = _menu(client.get("/_dash-layout").json)
    assert "/tasks" not in grouped and "/hazards" in grouped
    assert "/incidents" not in top
