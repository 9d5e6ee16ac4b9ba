"""The scoring weights page: the form with the configuration in force and the versions table,
drawn anew after each save; Save turns the form into one command (change_scoring). A refusal
is shown beside the key it names, in the user's language, and nothing is recorded."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, html, no_update

from dashboard import ids
from dashboard.auth import current_user
from dashboard.guard import page_callback
from dashboard.i18n import current_language, refusal_text, t
from dashboard.resources import resources
from data_access import commands
from data_access.commands import Refused
from data_access.queries import scoring_config
from pages.admin_scoring import TEXT_KEYS, form, key_label

callback = page_callback("admin_scoring")

VERSIONS_SHOWN = 50  # the newest; older ones stay in the log and `scoring versions`
COLUMNS = (
    "scoring.col.version",
    "scoring.col.previous",
    "scoring.col.by",
    "scoring.col.at",
    "scoring.col.changes",
    "scoring.col.reason",
)


def flat(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted key, value) of every leaf of a configuration, in its own order."""
    for name, value in data.items():
        if isinstance(value, Mapping):
            yield from flat(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", value


@callback(
    Output(ids.AS_FORM, "children"),
    Output(ids.AS_VERSIONS, "children"),
    Input(ids.AS_TICK, "data"),
)
def draw(_tick: object) -> Any:
    lang, engine = current_language(), resources().engine
    config = scoring_config.active_config(engine)
    values = {key: value for key, value in flat(config.as_dict()) if key != "version"}
    return form(values, config.version, lang), versions_table(config.version, lang)


def versions_table(in_force: str, lang: str) -> Any:
    engine = resources().engine
    rows = scoring_config.versions(engine)[:VERSIONS_SHOWN]
    if not rows:
        return html.Div(
            t("scoring.versions_none", lang).format(version=in_force), className="text-secondary"
        )
    zone = ZoneInfo(resources().settings.time_zone)
    configs: dict[str, dict[str, Any]] = {}

    def values_of(version: str) -> dict[str, Any]:
        if version not in configs:
            config = scoring_config.config_of_version(engine, version)
            configs[version] = dict(flat(config.as_dict())) if config else {}
        return configs[version]

    body = []
    for row in rows:
        old, new = values_of(row.previous_version), values_of(row.version)
        changes = [
            html.Li(
                [
                    html.Span(key_label(key, lang), className="me-1"),
                    html.Span(
                        f"{_shown(old.get(key))} → {_shown(new.get(key))}", className="fw-semibold"
                    ),
                ],
                **{"data-key": key},
            )
            for key in row.keys
        ]
        body.append(
            html.Tr(
                [
                    html.Td(row.version, className="fw-semibold"),
                    html.Td(row.previous_version),
                    html.Td(row.changed_by, **{"data-verbatim": "login"}),
                    html.Td(
                        f"{row.changed_at.astimezone(zone):%Y-%m-%d %H:%M}", className="text-nowrap"
                    ),
                    html.Td(html.Ul(changes, className="mb-0 ps-3 small")),
                    html.Td(row.reason or "", **{"data-verbatim": "text"}),
                ],
                **{"data-version": row.version},
            )
        )
    return html.Table(
        [html.Thead(html.Tr([html.Th(t(c, lang)) for c in COLUMNS])), html.Tbody(body)],
        className="table table-sm table-hover align-middle admin-table",
    )


def _shown(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@callback(
    Output(ids.AS_FEEDBACK, "children"),
    Output(ids.AS_TICK, "data"),
    Output({"type": ids.AS_FIELD_ERROR, "key": ALL}, "children"),
    Input(ids.AS_SAVE, "n_clicks"),
    State({"type": ids.AS_FIELD, "key": ALL}, "value"),
    State({"type": ids.AS_FIELD, "key": ALL}, "id"),
    State({"type": ids.AS_FIELD_ERROR, "key": ALL}, "id"),
    State(ids.AS_VERSION, "children"),
    State(ids.AS_REASON, "value"),
    State(ids.AS_TICK, "data"),
    prevent_initial_call=True,
)
def save(
    clicks: int | None,
    values: list[Any],
    field_ids: list[dict[str, str]],
    error_ids: list[dict[str, str]],
    drawn_version: str | None,
    reason: str | None,
    tick: int | None,
) -> Any:
    lang, user = current_language(), current_user()
    error_keys = [error_id["key"] for error_id in error_ids]
    if not clicks or user is None:
        return no_update, no_update, [no_update] * len(error_keys)
    given = {field_id["key"]: value for field_id, value in zip(field_ids, values, strict=True)}
    missing = [k for k, v in given.items() if k not in TEXT_KEYS and not _is_number(v)]
    if missing:
        errors = [t("scoring.bad_number", lang) if k in missing else None for k in error_keys]
        return _alert(t("scoring.bad_number", lang), "danger"), no_update, errors
    active = scoring_config.active_config(resources().engine)
    if drawn_version and drawn_version != active.version:  # another admin saved meanwhile
        stale = t("scoring.stale", lang).format(version=active.version)
        return _alert(stale, "warning"), (tick or 0) + 1, [None] * len(error_keys)
    wanted = active.as_dict()
    for key, value in given.items():
        _put(wanted, key, value)
    result = commands.change_scoring(resources().engine, user, wanted, reason)
    if isinstance(result, Refused):
        return _refused(result, error_keys, lang)
    saved = t("scoring.saved", lang).format(version=result.subject, n=_changed(result.subject))
    return _alert(saved, "success"), (tick or 0) + 1, [None] * len(error_keys)


def _refused(refused: Refused, error_keys: list[str], lang: str) -> Any:
    """The refusal at the top, and beside the keys it names (a model's key names a group: the
    bands, beside each of its keys)."""
    key = refused.field
    beside = _worded(refused.params.get("message", ""), lang) if key else ""
    errors = [
        t("scoring.invalid_here", lang).format(message=beside)
        if key and (k == key or k.startswith(f"{key}."))
        else None
        for k in error_keys
    ]
    if refused.reason == "scoring_invalid":
        label = key_label(key, lang)
        text = t("refused.scoring_invalid", lang).format(key=label, message=beside)
    else:
        text = refusal_text(refused, lang)
    return _alert(text, "danger"), no_update, errors


def _changed(version: str) -> int:
    rows = [row for row in scoring_config.versions(resources().engine) if row.version == version]
    return len(rows[0].keys) if rows else 0


def _put(data: dict[str, Any], key: str, value: Any) -> None:
    """Set a dotted key in a nested configuration dict (the command validates it)."""
    *parents, last = key.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# The validator's messages in the user's language ("scoring.msg.*"); others are shown as they are.
_MESSAGES = (
    (re.compile(r"^Input should be greater than or equal to (\S+)$"), "scoring.msg.ge"),
    (re.compile(r"^Input should be less than or equal to (\S+)$"), "scoring.msg.le"),
    (re.compile(r"^Input should be greater than (\S+)$"), "scoring.msg.gt"),
    (re.compile(r"^Input should be a valid integer"), "scoring.msg.integer"),
    (re.compile(r"^bands must descend"), "scoring.msg.descend"),
    (re.compile(r"weight must be above 0"), "scoring.msg.one_weight"),
)


def _worded(message: str, lang: str) -> str:
    for pattern, key in _MESSAGES:
        found = pattern.search(message)
        if found:
            return t(key, lang).format(*found.groups())
    return message


def _alert(text: str, color: str) -> Any:
    return dbc.Alert(text, color=color, className="py-2", dismissable=True)
