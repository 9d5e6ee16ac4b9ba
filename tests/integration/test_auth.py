"""Nothing is visible without signing in, and each role sees only its own slice of the city."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import func, select

from dashboard.domain.login_throttle import WINDOW_S, wait_s
from dashboard.domain.roles import system_user
from data_access import commands
from data_access.models import Site
from data_access.users import list_users
from tests.conftest import sign_in

SITES_CALLBACK = {
    "output": "..one-map-sites.data...one-map-live.data..",
    "outputs": [
        {"id": "one-map-sites", "property": "data"},
        {"id": "one-map-live", "property": "data"},
    ],
    "inputs": [
        {"id": "one-map-map", "property": "id", "value": "one-map-map"},
        {"id": "live-resync", "property": "data", "value": None},
    ],
    "changedPropIds": [],
    "state": [],
}


def call_sites_callback(client) -> dict:
    response = client.post("/_dash-update-component", json=SITES_CALLBACK)
    assert response.status_code == 200, response.data[:300]
    return json.loads(response.data)["response"]


@pytest.mark.parametrize("path", ["/", "/no-such-page", "/?x=1"])
def test_pages_redirect_to_the_login_page_without_a_session(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/")


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/_dash-layout"), ("GET", "/_dash-dependencies"), ("POST", "/_dash-update-component")],
)
def test_dash_endpoints_refuse_requests_without_a_session(client, method: str, path: str) -> None:
    response = client.open(path, method=method, json=SITES_CALLBACK)
    assert response.status_code == 401
    assert json.loads(response.data) == {"error": "login required"}


def test_login_page_is_public_in_chinese_and_english(client) -> None:
    assert "用户名" in client.get("/login").get_data(as_text=True)
    client.get("/lang/en")
    assert "Username" in client.get("/login").get_data(as_text=True)


def test_wrong_password_is_refused_with_a_message(client) -> None:
    response = sign_in(client, "duty", "not-the-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client) -> None:
    assert sign_in(client, "nobody", "whatever-123").status_code == 401


def test_empty_form_asks_for_both_fields(client) -> None:
    response = client.post("/login", data={"username": "", "password": ""})
    assert response.status_code == 400


def test_repeated_failures_are_throttled(client) -> None:
    for _ in range(5):
        sign_in(client, "duty", "wrong-password")
    response = sign_in(client, "duty")  # even the right password, for a while
    assert response.status_code == 429


def test_the_throttle_lifts_as_the_back_off_runs_out() -> None:
    address, pair = "10.0.0.9", "acct-addr:duty|10.0.0.9"
    failures = {pair: (5, 1000.0)}
    assert wait_s(failures, "duty", address, 1000.0) == 30  # the sixth try waits 30 s
    assert wait_s(failures, "duty", address, 1029.5) == 1
    assert wait_s(failures, "duty", address, 1030.0) == 0
    assert wait_s(failures, "other", address, 1000.0) == 0
    assert wait_s({pair: (6, 1000.0)}, "duty", address, 1000.0) == 60  # it doubles
    assert wait_s({pair: (40, 1000.0)}, "duty", address, 1000.0) == WINDOW_S  # capped


def test_login_returns_to_the_requested_page(client) -> None:
    response = client.post(
        "/login?next=/%3Flayer%3Dsites", data={"username": "duty", "password": "duty-demo"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/?layer=sites"


@pytest.mark.parametrize("target", ["http://evil.example/", "//evil.example/x", "javascript:1"])
def test_login_never_redirects_off_site(client, target: str) -> None:
    response = client.post(
        "/login", query_string={"next": target}, data={"username": "duty", "password": "duty-demo"}
    )
    assert response.headers["Location"] == "/"


def test_signed_in_user_gets_the_shell_with_their_name(client) -> None:
    sign_in(client, "duty")
    layout = json.loads(client.get("/_dash-layout").data)
    assert "值班员 王敏" in json.dumps(layout, ensure_ascii=False)


def test_logout_ends_the_session(client) -> None:
    sign_in(client, "duty")
    with client.session_transaction() as session:
        token = session["csrf"]
    client.post("/logout", data={"csrf": token})
    assert client.post("/_dash-update-component", json=SITES_CALLBACK).status_code == 401


def test_deactivated_user_is_signed_out_at_the_next_request(client, demo_app) -> None:
    sign_in(client, "duty")
    engine = demo_app.server.config["GASCC_ENGINE"]
    assert isinstance(commands.deactivate_user(engine, system_user("tests"), "duty"), commands.Done)
    assert client.get("/_dash-layout").status_code == 401


def test_city_wide_user_sees_every_site(client, demo_app) -> None:
    sign_in(client, "duty")
    engine = demo_app.server.config["GASCC_ENGINE"]
    with engine.connect() as connection:
        total = connection.scalar(select(func.count()).select_from(Site))
    sites = call_sites_callback(client)["one-map-sites"]["data"]["features"]
    assert len(sites) == total > 0


def test_district_officer_sees_only_their_district(client, demo_app) -> None:
    sign_in(client, "jiangan")
    engine = demo_app.server.config["GASCC_ENGINE"]
    with engine.connect() as connection:
        own = connection.scalar(select(func.count()).where(Site.district == "420102"))
    features = call_sites_callback(client)["one-map-sites"]["data"]["features"]
    assert len(features) == own > 0
    jiangan_box = (30.55, 114.22, 30.75, 114.40)  # generous box around 江岸区
    for feature in features:
        lon, lat = feature["geometry"]["coordinates"]
        assert jiangan_box[0] < lat < jiangan_box[2] and jiangan_box[1] < lon < jiangan_box[3]


def test_enterprise_user_sees_only_their_own_sites(client, demo_app) -> None:
    sign_in(client, "enterprise")
    engine = demo_app.server.config["GASCC_ENGINE"]
    user_enterprise = next(
        u.enterprise_id for u in list_users(engine) if u.username == "enterprise"
    )
    with engine.connect() as connection:
        own = connection.scalar(select(func.count()).where(Site.enterprise_id == user_enterprise))
    features = call_sites_callback(client)["one-map-sites"]["data"]["features"]
    assert len(features) == own


def test_healthz_reports_the_database(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.data) == {"status": "ok", "database": "ok"}


def test_live_token_needs_a_session(client) -> None:
    assert client.get("/api/live-token").status_code == 401


def test_live_token_carries_the_district_officers_scope(client, demo_settings) -> None:
    from dashboard.live_token import check_live_token

    sign_in(client, "jiangan")
    body = json.loads(client.get("/api/live-token").data)
    grant = check_live_token(demo_settings.secret_key, body["token"])
    assert grant.scope.district == "420102" and grant.username == "jiangan"
    assert body["url"].startswith("ws://") and body["url"].endswith(":8765/live")


def test_field_photos_are_served_to_signed_in_users_only_and_never_as_script(
    client, demo_settings
) -> None:
    from simulators.photos import photo_bytes

    svg = photo_bytes("storefront", "C-0001", "后湖街", "2026-11-23 18:00")
    name = f"{hashlib.sha256(svg).hexdigest()}.svg"
    (demo_settings.data_dir / "photos").mkdir()
    (demo_settings.data_dir / "photos" / name).write_bytes(svg)
    assert client.get(f"/photos/{name}").status_code in (302, 401)  # not without a session
    sign_in(client, "duty")
    response = client.get(f"/photos/{name}")
    assert response.status_code == 200 and response.data == svg
    assert response.mimetype == "image/svg+xml"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    for bad in ("ABC.svg", name.replace(".svg", ".html"), "0" * 64 + ".svg"):
        assert client.get(f"/photos/{bad}").status_code == 404
    # A path that climbs out is never routed here (Dash's page shell answers instead).
    for climbing in ("../gascc.sqlite3", "..%2Fgascc.sqlite3"):
        assert not client.get(f"/photos/{climbing}").data.startswith(b"SQLite format")
