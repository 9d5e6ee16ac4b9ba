"""The filtered lists keep their filters in the address bar, so a link or a reload shows the same
list: each list's callback answers a query string into a dcc.Store, and this clientside callback
writes it into the URL without a reload (history.replaceState tells Dash nothing)."""

from __future__ import annotations

import json

from dash import Input, Output, clientside_callback

_FOLLOW = """function (query) {
    const path = %s;
    if (typeof query !== "string" || window.location.pathname !== path) {
        return window.dash_clientside.no_update;
    }
    const url = path + (query ? "?" + query : "");
    if (url !== window.location.pathname + window.location.search) {
        window.history.replaceState(window.history.state, "", url);
    }
    return window.dash_clientside.no_update;
}"""


def url_follows(path: str, query_store: str) -> None:
    """Register: while `path` is open, the URL's query is the one `query_store` holds."""
    clientside_callback(
        _FOLLOW % json.dumps(path),
        Output(query_store, "id"),
        Input(query_store, "data"),
        prevent_initial_call=True,
    )
