"""Sessions end on the server (issue 13, item 4): a cookie copied before sign-out, a role change
or a deactivation stops working; an idle session ends; sign-in rotates the session; sign-out is
a POST with the session's CSRF token, and a GET (a link, an image) signs nobody out."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from dashboard.app import create_app
from dashboard.domain.roles import Role, system_user
from data_access import commands
from data_access.models import EventRecord
from data_access.users import list_users
from tests.conftest import sign_in

ADMIN = system_user("tests")


def engine_of(app):
    return app.server.config["GASCC_ENGINE"]


def cookie_of(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def copy_of(app, cookie: str):
    """Another browser (or an attacker) holding a copy of the same cookie."""
    other = app.server.test_client()
    other.set_cookie("session", cookie)
    return other


def signed_in(client) -> bool:
    return client.get("/_dash-layout").status_code == 200


def csrf_of(client) -> str:
    with client.session_transaction() as session:
        return str(session.get("csrf", ""))


def sign_out(client):
    return client.post("/logout", data={"csrf": csrf_of(client)})


def logged(app, event_type: str) -> list[tuple[str, dict]]:
    with engine_of(app).connect() as connection:
        rows = connection.execute(
            select(EventRecord.actor, EventRecord.data).where(EventRecord.type == event_type)
        )
        return [(actor, data) for actor, data in rows]


def test_a_cookie_copied_before_sign_out_stops_working_after_it(demo_app, client) -> None:
    sign_in(client, "duty")
    stolen = copy_of(demo_app, cookie_of(client))
    assert signed_in(stolen)
    assert sign_out(client).status_code == 302
    assert not signed_in(client)
    assert not signed_in(stolen)


def test_a_copied_cookie_stops_working_in_every_worker_and_after_a_restart(
    demo_app, demo_settings, client
) -> None:
    """Another worker (or the app after a restart) is another app on the same database."""
    sign_in(client, "duty")
    cookie = cookie_of(client)
    other_worker = create_app(demo_settings)
    try:
        assert signed_in(copy_of(other_worker, cookie))
        sign_out(client)
        assert not signed_in(copy_of(other_worker, cookie))
    finally:
        other_worker.server.config["GASCC"].notifier.close()
        engine_of(other_worker).dispose()


def test_get_logout_only_asks_and_signs_nobody_out(client) -> None:
    """A link or an <img src=/logout> on any page must not sign the desk out."""
    sign_in(client, "duty")
    response = client.get("/logout")
    assert response.status_code == 200
    assert 'method="post"' in response.get_data(as_text=True)
    assert signed_in(client)


@pytest.mark.parametrize("token", ["", "forged-token"])
def test_sign_out_without_the_sessions_csrf_token_is_refused(client, token: str) -> None:
    sign_in(client, "duty")
    response = client.post("/logout", data={"csrf": token})
    assert response.status_code == 403
    assert "退出请求无效" in response.get_data(as_text=True)
    assert signed_in(client)


def forms_in(node: object) -> list[dict]:
    """Every html.Form in a Dash layout (its JSON)."""
    found: list[dict] = []
    if isinstance(node, dict):
        if node.get("type") == "Form":
            found.append(node["props"])
        for value in node.values():
            found += forms_in(value)
    elif isinstance(node, list):
        for item in node:
            found += forms_in(item)
    return found


def test_the_shell_signs_out_with_a_form_carrying_the_token(client) -> None:
    sign_in(client, "duty")
    forms = [f for f in forms_in(client.get("/_dash-layout").get_json()) if f.get("action")]
    assert [(f["action"], f["method"]) for f in forms] == [("/logout", "POST")]
    hidden = forms[0]["children"][0]["props"]
    assert (hidden["type"], hidden["name"], hidden["value"]) == ("hidden", "csrf", csrf_of(client))


def test_a_role_change_ends_every_session_of_the_user(demo_app, client) -> None:
    sign_in(client, "jiangan")
    second = demo_app.server.test_client()
    sign_in(second, "jiangan")
    engine = engine_of(demo_app)
    renamed = commands.change_user(
        engine, ADMIN, "jiangan", Role.DISTRICT_OFFICER, district="420102", display_name="新名字"
    )
    assert isinstance(renamed, commands.Done)
    assert signed_in(client)  # a new display name alone is no reason to sign anyone out
    promoted = commands.change_user(engine, ADMIN, "jiangan", Role.LEADER)
    assert isinstance(promoted, commands.Done)
    assert not signed_in(client) and not signed_in(second)
    sign_in(client, "jiangan")  # signing in again gives the new rights
    assert signed_in(client)


def test_deactivation_ends_every_copy_of_the_session(demo_app, client) -> None:
    sign_in(client, "duty")
    cookie = cookie_of(client)
    done = commands.deactivate_user(engine_of(demo_app), ADMIN, "duty")
    assert isinstance(done, commands.Done)
    assert not signed_in(copy_of(demo_app, cookie))


def test_an_idle_session_ends(demo_app, client) -> None:
    sign_in(client, "duty")
    assert signed_in(client)
    idle = demo_app.server.config["GASCC"].settings.session_idle_s
    with client.session_transaction() as session:  # the browser was last seen long ago
        session["seen"] = int(time.time()) - idle - 5
    assert not signed_in(client)
    assert [data["reason"] for _, data in logged(demo_app, "session.ended")] == ["idle"]


def test_a_session_in_use_stays(demo_app, client) -> None:
    sign_in(client, "duty")
    idle = demo_app.server.config["GASCC"].settings.session_idle_s
    with client.session_transaction() as session:
        session["seen"] = int(time.time()) - idle + 30
    assert signed_in(client)
    with client.session_transaction() as session:  # the request renewed the stamp
        assert session["seen"] >= int(time.time()) - 5


def test_sign_in_rotates_the_session_and_ends_the_previous_one(demo_app, client) -> None:
    sign_in(client, "duty")
    first = cookie_of(client)
    with client.session_transaction() as session:
        first_id, first_csrf = session["sid"], session["csrf"]
    sign_in(client, "duty")
    with client.session_transaction() as session:
        assert session["sid"] != first_id and session["csrf"] != first_csrf
    assert signed_in(client)
    assert not signed_in(copy_of(demo_app, first))


def test_sign_ins_and_sign_outs_are_in_the_audit_trail(demo_app, client) -> None:
    sign_in(client, "duty")
    with client.session_transaction() as session:
        session_id = session["sid"]
    sign_out(client)
    started, ended = logged(demo_app, "session.started"), logged(demo_app, "session.ended")
    assert [actor for actor, _ in started] == ["duty"]
    assert [(actor, data["reason"]) for actor, data in ended] == [("duty", "logout")]
    # the log holds the id's hash, never the id a cookie could be forged from
    assert started[0][1]["session_hash"] == ended[0][1]["session_hash"] != session_id
    assert session_id not in str(started + ended)


# --- the session store itself, on SQLite and PostgreSQL ---------------------------------------


def test_sessions_start_end_and_end_with_the_users_rights(engine) -> None:
    from dashboard.auth import hash_password
    from data_access.sessions import end_session, live_session, start_session

    made = commands.create_user(engine, ADMIN, "wang", hash_password("pw-123456"), Role.LEADER)
    assert isinstance(made, commands.Done)
    user = next(u for u in list_users(engine) if u.username == "wang")
    first, second = start_session(engine, user, "10.0.0.1"), start_session(engine, user, None)
    assert first != second
    found = live_session(engine, first)
    assert found is not None and found.user.username == "wang"
    end_session(engine, user, first, "logout")
    end_session(engine, user, first, "logout")  # again: nothing more is recorded
    assert live_session(engine, first) is None and live_session(engine, second) is not None
    assert live_session(engine, "never-issued") is None
    changed = commands.change_user(engine, ADMIN, "wang", Role.DUTY_OFFICER)
    assert isinstance(changed, commands.Done)
    assert live_session(engine, second) is None
    with engine.connect() as connection:
        kinds = connection.scalars(
            select(EventRecord.type).where(EventRecord.type.like("session.%"))
        ).all()
    assert sorted(kinds) == ["session.ended", "session.started", "session.started"]


def expire(app, username: str) -> None:
    """Move the user's sessions' start 13 hours back, as if they had been signed in since."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from data_access.models import UserSession

    with engine_of(app).begin() as connection:
        connection.execute(
            update(UserSession)
            .where(UserSession.username == username)
            .values(started_at=datetime.now(UTC) - timedelta(hours=13))
        )


def test_a_session_ends_after_twelve_hours_however_busy(demo_app, client) -> None:
    sign_in(client, "duty")
    expire(demo_app, "duty")
    assert not signed_in(client)
    assert [data["reason"] for _, data in logged(demo_app, "session.ended")] == ["expired"]


def test_the_walls_kiosk_account_is_not_signed_out_after_twelve_hours(demo_app, client) -> None:
    sign_in(client, "screen")
    expire(demo_app, "screen")
    assert signed_in(client)
