"""Cross-site writes are refused (issue 13, item 9): a state-changing request whose Origin is
another site's, or that the browser marks cross-site, gets 403 before anything else runs (the
login form included); the same requests from our own pages pass."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in
from tests.dash_endpoint import post_callback

EVIL = "https://evil.example"
OURS = "http://localhost"  # Flask's test client talks to http://localhost
CREDENTIALS = {"username": "duty", "password": "duty-demo"}


def refused(response) -> bool:
    body = response.get_json(silent=True) or {}
    return response.status_code == 403 and body.get("error") == "cross_site"


@pytest.mark.parametrize(
    "headers",
    [{"Origin": EVIL}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}],
    ids=["foreign origin", "opaque origin", "cross-site fetch"],
)
def test_login_refuses_a_foreign_origin(client, headers: dict) -> None:
    response = client.post("/login", data=CREDENTIALS, headers=headers)
    assert refused(response)
    assert "跨站" in response.get_json()["message"]
    assert client.get("/_dash-layout").status_code == 401  # not signed in


def test_login_from_our_own_page_passes(client) -> None:
    headers = {"Origin": OURS, "Sec-Fetch-Site": "same-origin"}
    assert client.post("/login", data=CREDENTIALS, headers=headers).status_code == 302


def test_a_callback_posted_from_another_site_is_refused(client) -> None:
    sign_in(client, "duty")
    for headers in ({"Origin": EVIL}, {"Sec-Fetch-Site": "cross-site"}):
        client.environ_base.update({f"HTTP_{k.upper().replace('-', '_')}": v
                                    for k, v in headers.items()})  # fmt: skip
        response = post_callback(client, "one-map-map", "id", "one-map-map")
        assert refused(response), response.data[:200]
        client.environ_base.clear()
    assert post_callback(client, "one-map-map", "id", "one-map-map").status_code == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_every_state_changing_method_is_checked_even_on_paths_that_do_not_exist_yet(
    client, method: str
) -> None:
    sign_in(client, "duty")
    response = client.open("/api/v1/anything", method=method, headers={"Origin": EVIL})
    assert refused(response)


def test_sign_out_from_another_site_is_refused(client) -> None:
    sign_in(client, "duty")
    with client.session_transaction() as session:
        token = session.get("csrf", "")
    response = client.post("/logout", data={"csrf": token}, headers={"Origin": EVIL})
    assert refused(response)
    assert client.get("/_dash-layout").status_code == 200


def test_reading_is_not_affected(client) -> None:
    """Cross-site GETs (a link to the desk from a mail) still work; they change nothing."""
    sign_in(client, "duty")
    headers = {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}
    assert client.get("/_dash-layout", headers=headers).status_code == 200


def test_behind_a_tls_proxy_the_https_origin_of_this_host_passes(client) -> None:
    """The app may see http while the browser, talking to the proxy, says https."""
    headers = {"Origin": "https://localhost", "Sec-Fetch-Site": "same-origin"}
    assert client.post("/login", data=CREDENTIALS, headers=headers).status_code == 302
    assert refused(
        client.post("/login", data=CREDENTIALS, headers={"Origin": "https://localhost:9"})
    )
