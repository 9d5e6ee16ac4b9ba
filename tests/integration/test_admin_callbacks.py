"""The administration pages' callbacks as Dash's endpoint serves them: an administrator's
actions are commands recorded in the log, refusals come back in the user's language, and no
other role gets any answer from these pages (the duty officer's posts record nothing)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from dashboard import ids
from data_access.models import EventRecord
from data_access.users import find_login
from tests.conftest import sign_in
from tests.dash_endpoint import answer_text, post_callback


def engine_of(app) -> Engine:
    return app.server.config["GASCC_ENGINE"]


def logged(engine: Engine, kind: str) -> int:
    query = select(func.count()).select_from(EventRecord).where(EventRecord.type == kind)
    with engine.connect() as connection:
        return int(connection.scalar(query) or 0)


NEW_USER = {
    f"{ids.ADMIN_USER_USERNAME}.value": "wall-3",
    f"{ids.ADMIN_USER_DISPLAY}.value": "三号大屏",
    f"{ids.ADMIN_USER_ROLE}.value": "screen",
    f"{ids.ADMIN_USER_DISTRICT}.value": "none",
    f"{ids.ADMIN_USER_PASSWORD}.value": "wall-3-password",
    f"{ids.ADMIN_USER_GENERATE}.value": False,
    f"{ids.ADMIN_USERS_TICK}.data": 0,
}
NEW_TOKEN = {
    f"{ids.ADMIN_TOKEN_SOURCE}.value": "fire-119",
    f"{ids.ADMIN_TOKEN_TYPES}.value": ["incident.reported"],
    f"{ids.ADMIN_TOKENS_TICK}.data": 0,
}


def test_an_admin_creates_a_screen_account_and_resets_its_password(demo_app, client):
    engine = engine_of(demo_app)
    sign_in(client, "admin")
    answer = post_callback(client, ids.ADMIN_USER_CREATE, "n_clicks", 1, NEW_USER)
    assert answer.status_code == 200 and "wall-3" in answer_text(answer)
    found = find_login(engine, "wall-3")
    assert found is not None and found[0].role.value == "screen"
    listed = post_callback(client, ids.ADMIN_USERS_ROLE_FILTER, "value", "screen")
    assert "wall-3" in answer_text(listed) and "duty" not in answer_text(listed)
    reset = {
        f"{ids.ADMIN_USER_PICKED}.data": "wall-3",
        f"{ids.ADMIN_USER_GENERATE}.value": True,
    }
    answer = post_callback(client, ids.ADMIN_USER_RESET, "n_clicks", 1, reset)
    assert answer.status_code == 200
    shown = answer.get_json()["response"][ids.ADMIN_USERS_FEEDBACK]["children"]
    generated = _code_in(shown)
    assert generated and sign_in(client, "wall-3", generated).status_code == 302


def _code_in(component: object) -> str | None:
    """The text of the first html.Code in a serialised component tree."""
    if isinstance(component, dict):
        if component.get("type") == "Code":
            return component["props"]["children"]
        for value in component.get("props", component).values():
            found = _code_in(value)
            if found:
                return found
    if isinstance(component, list):
        for item in component:
            found = _code_in(item)
            if found:
                return found
    return None


@pytest.mark.parametrize(
    ("change", "text"),
    [
        ({f"{ids.ADMIN_USER_PASSWORD}.value": "short"}, "密码长度须为 8 至 200 个字符"),
        ({f"{ids.ADMIN_USER_USERNAME}.value": "duty"}, "用户名 duty 已被使用"),
        ({f"{ids.ADMIN_USER_ROLE}.value": "district_officer"}, "区燃管办账号须选择所属辖区"),
    ],
)
def test_a_bad_form_is_refused_in_the_users_language(demo_app, client, change, text):
    sign_in(client, "admin")
    before = logged(engine_of(demo_app), "user.created")
    answer = post_callback(client, ids.ADMIN_USER_CREATE, "n_clicks", 1, {**NEW_USER, **change})
    assert text in answer_text(answer)
    assert logged(engine_of(demo_app), "user.created") == before


def test_an_admin_cannot_deactivate_themself_through_the_page(demo_app, client):
    sign_in(client, "admin")
    others = {f"{ids.ADMIN_USER_PICKED}.data": "admin"}
    answer = post_callback(client, ids.ADMIN_USER_DEACTIVATE, "submit_n_clicks", 1, others)
    assert "不能停用您自己的账号" in answer_text(answer)
    assert find_login(engine_of(demo_app), "admin") is not None


def test_a_token_secret_is_shown_once_and_revoking_records_it(demo_app, client):
    engine = engine_of(demo_app)
    sign_in(client, "admin")
    answer = post_callback(client, ids.ADMIN_TOKEN_CREATE, "n_clicks", 1, NEW_TOKEN)
    secret = _code_in(answer.get_json()["response"][ids.ADMIN_TOKEN_SECRET]["children"])
    assert secret and len(secret) >= 40
    listed = post_callback(client, ids.ADMIN_TOKENS_TICK, "data", 1)
    assert "fire-119" in answer_text(listed) and secret not in answer_text(listed)
    with engine.connect() as connection:
        token_id = connection.scalar(
            select(EventRecord.seq).where(EventRecord.type == "token.created")
        )
    assert token_id is not None
    from data_access.tokens import find_token

    grant = find_token(engine, secret)
    assert grant is not None
    revoke = {"type": ids.ADMIN_TOKEN_REVOKE, "token": grant.token_id}
    answer = post_callback(client, revoke, "submit_n_clicks", 1)
    assert answer.status_code == 200 and logged(engine, "token.revoked") == 1
    assert find_token(engine, secret) is None


def test_the_audit_trail_lists_and_exports_as_filtered(demo_app, client):
    sign_in(client, "admin")
    post_callback(client, ids.ADMIN_TOKEN_CREATE, "n_clicks", 1, NEW_TOKEN)
    filtered = {f"{ids.ADMIN_AUDIT_TYPES}.value": ["token.created"]}
    answer = post_callback(client, ids.ADMIN_AUDIT_SEARCH, "n_clicks", 1, filtered)
    text = answer_text(answer)
    assert "token.created" in text and "user.created" not in text
    export = post_callback(client, ids.ADMIN_AUDIT_CSV, "n_clicks", 1, filtered)
    download = export.get_json()["response"][ids.ADMIN_AUDIT_DOWNLOAD]["data"]
    assert download["filename"].endswith(".csv") and download["base64"]
    import base64

    content = base64.b64decode(download["content"]).decode("utf-8-sig")
    lines = content.strip().splitlines()
    assert len(lines) == 2 and "token.created" in lines[1] and "admin" in lines[1]
    assert "token_hash" not in content


@pytest.mark.parametrize(
    ("trigger", "prop", "others"),
    [
        (ids.ADMIN_USER_CREATE, "n_clicks", NEW_USER),
        (ids.ADMIN_TOKEN_CREATE, "n_clicks", NEW_TOKEN),
        (ids.ADMIN_USER_RESET, "n_clicks", {f"{ids.ADMIN_USER_PICKED}.data": "duty"}),
        (ids.ADMIN_USER_DEACTIVATE, "submit_n_clicks", {f"{ids.ADMIN_USER_PICKED}.data": "leader"}),
        (ids.ADMIN_USERS_TICK, "data", {}),  # the list of accounts
        (ids.ADMIN_TOKENS_TICK, "data", {}),
        (ids.ADMIN_AUDIT_SEARCH, "n_clicks", {}),
        (ids.ADMIN_AUDIT_CSV, "n_clicks", {}),
    ],
)
@pytest.mark.parametrize("username", ["duty", "screen"])
def test_no_other_role_gets_an_answer_from_the_admin_pages(
    demo_app, client, username, trigger, prop, others
):
    engine = engine_of(demo_app)
    sign_in(client, username)
    with engine.connect() as connection:
        before = connection.scalar(select(func.count()).select_from(EventRecord))
    answer = post_callback(client, trigger, prop, 1, others)
    assert answer.status_code == 204  # PreventUpdate: nothing at all
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(EventRecord)) == before


@pytest.mark.parametrize("path", ["/admin/users", "/admin/tokens", "/admin/audit"])
def test_the_admin_pages_are_refused_to_other_roles(client, path):
    sign_in(client, "duty")
    layout = client.get("/_dash-layout").get_json()
    assert path not in str(layout)  # no menu entry
