"""系统管理 · 评分权重 Administration: the scoring weights and thresholds (docs/rankings.md,
"Weights and versions"). A form with every key of the configuration in force, grouped as the
models use them, the version in force, a reason, and Save (a new version, through
data_access/commands/scoring.py); then every recorded version: who, when, the keys changed with
their old and new values, and the reason. Built by callbacks/admin_scoring.py."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.auth import current_user
from dashboard.components import notice
from dashboard.domain.policy import page_roles
from dashboard.i18n import TEXT, current_language, t
from pages.admin_users import admin_tabs, page_header

dash.register_page(
    __name__,
    path="/admin/scoring",
    name="Scoring weights",
    title="评分权重 · Scoring weights",
    label="admin.tab.scoring",
    icon="bi-sliders",
    order=33,
    roles=page_roles("admin_scoring"),
    in_menu=False,  # reached from the administration tabs
)

# The form's groups: (title, hint or None, the dotted-key prefixes of their keys), in the order
# the models use them (dashboard/domain/scoring.py).
GROUPS: tuple[tuple[str, str | None, tuple[str, ...]], ...] = (
    (
        "scoring.group.district_weights",
        "scoring.group.district_weights_hint",
        ("district.weights.",),
    ),
    ("scoring.group.deductions", "scoring.group.deductions_hint", ("district.deductions.",)),
    ("scoring.group.bands", "scoring.group.bands_hint", ("district.bands.",)),
    ("scoring.group.complaints", None, ("district.complaint_satisfaction.",)),
    ("scoring.group.traceability", None, ("enterprise.traceability.",)),
    ("scoring.group.risk", None, ("enterprise.risk.weights.", "enterprise.risk.low_traceability")),
    ("scoring.group.risk_bands", None, ("enterprise.risk.bands.",)),
    ("scoring.group.frequency", None, ("enterprise.frequency_days.",)),
    ("scoring.group.score", None, ("enterprise.score.",)),
    ("scoring.group.lists", None, ("lists.",)),
)
TEXT_KEYS = ("note",)  # the one free-text key the form edits; `version` is derived


def key_label(key: str, lang: str) -> str:
    """A key in words with its group ("Four-colour code · bounds › Orange (at or above)"): the
    same word names keys of several groups."""
    label = t(f"scoring.key.{key}", lang) if f"scoring.key.{key}" in TEXT else key
    for title, _hint, prefixes in GROUPS:
        if key.startswith(prefixes):
            return f"{t(title, lang)} › {label}"
        if f"{key}." in prefixes:  # a whole group (the bands, all the weights)
            return t(title, lang)
    return label


def layout(**_query: str) -> html.Div:
    user = current_user()
    lang = current_language()
    if user is None or user.role.value not in dash.page_registry[__name__]["roles"]:
        return notice("forbidden", lang)
    return html.Div(
        [
            admin_tabs("/admin/scoring", lang),
            page_header("scoring.title", "scoring.subtitle", lang),
            dcc.Loading(html.Div(id=ids.AS_FORM), type="dot", delay_show=300),
            html.Div(id=ids.AS_FEEDBACK, className="mt-2"),  # beside Save, where one looks
            html.H2(t("scoring.versions", lang), className="h5 mt-4"),
            html.Div(id=ids.AS_VERSIONS, className="admin-list"),
            dcc.Store(id=ids.AS_TICK, data=0),
        ],
        className="admin-page container-fluid py-3",
    )


def form(values: Mapping[str, Any], version: str, lang: str) -> list[Any]:
    """The form with `values` (dotted key -> value) of `version`."""
    groups = [
        _group(title, hint, [k for k in values if k.startswith(prefixes)], values, lang)
        for title, hint, prefixes in GROUPS
    ]
    return [
        html.Div(
            [
                html.Span(t("scoring.current", lang), className="text-secondary me-2"),
                html.Span(  # html: a dbc.Badge takes no data-* attributes
                    version,
                    id=ids.AS_VERSION,
                    className="badge bg-info fs-6",
                    **{"data-version": version},
                ),
            ],
            className="mb-3",
        ),
        dbc.Row([dbc.Col(group, lg=6, xxl=4, className="mb-3") for group in groups]),
        dbc.Row(
            [
                dbc.Col(_field("note", values.get("note", ""), lang, text=True), lg=6),
                dbc.Col(
                    [
                        dbc.Label(t("scoring.reason", lang), html_for=ids.AS_REASON),
                        dbc.Input(
                            id=ids.AS_REASON,
                            maxLength=500,
                            placeholder=t("scoring.reason_hint", lang),
                        ),
                    ],
                    lg=6,
                ),
            ],
            className="mb-3",
        ),
        dbc.Button(
            [html.I(className="bi bi-save me-1"), t("scoring.save", lang)],
            id=ids.AS_SAVE,
            color="info",
        ),
    ]


def _group(
    title: str, hint: str | None, keys: list[str], values: Mapping[str, Any], lang: str
) -> dbc.Card:
    body: list[Any] = (
        [html.Div(t(hint, lang), className="small text-secondary mb-2")] if hint else []
    )
    body.append(
        dbc.Row([dbc.Col(_field(key, values[key], lang), sm=6) for key in keys], className="g-2")
    )
    return dbc.Card(
        [dbc.CardHeader(t(title, lang), className="fw-semibold"), dbc.CardBody(body)],
        className="h-100 scoring-group",
    )


def _field(key: str, value: Any, lang: str, *, text: bool = False) -> html.Div:
    """One key's input with its label and the place for its refusal; `data-key` names it."""
    field_id = {"type": ids.AS_FIELD, "key": key}
    if text:
        control = dbc.Input(id=field_id, value=value, maxLength=500)
    else:
        control = dbc.Input(id=field_id, value=value, type="number", step="any")
    return html.Div(
        [
            dbc.Label(t(f"scoring.key.{key}", lang), className="small mb-0"),
            control,
            html.Div(id={"type": ids.AS_FIELD_ERROR, "key": key}, className="small text-danger"),
        ],
        className="mb-1",
        **{"data-key": key},
    )
