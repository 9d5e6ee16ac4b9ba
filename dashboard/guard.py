"""Callbacks serve the roles of their page only.

A page refuses a role in its layout, but its callbacks answer anyone who posts to Dash's
endpoint (`/_dash-update-component`) with a session. Each callbacks module therefore registers
its callbacks with `callback = page_callback("<page>")` instead of `dash.callback`: a request
from a role the page does not admit gets no answer (PreventUpdate), whatever it asks.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import dash
from dash.exceptions import PreventUpdate

from dashboard.auth import current_user
from dashboard.domain.policy import PAGE_ROLES

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def page_callback(page: str) -> Callable[..., Decorator]:
    """`dash.callback` for the callbacks of `page` (a key of PAGE_ROLES)."""
    roles = PAGE_ROLES[page]

    def register(*args: Any, **kwargs: Any) -> Decorator:
        def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(function)
            def guarded(*call_args: Any, **call_kwargs: Any) -> Any:
                user = current_user()
                if user is None or user.role not in roles:
                    raise PreventUpdate
                return function(*call_args, **call_kwargs)

            guarded.page = page  # type: ignore[attr-defined]  # tests list them by page
            return dash.callback(*args, **kwargs)(guarded)

        return decorate

    return register
