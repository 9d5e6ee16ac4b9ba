"""检查任务 Inspection tasks issued downward (seeds/002 art. 5): a form to issue a task to the
district offices (one task per district picked), the tasks in the user's scope with the progress
of each and its overdue mark, completing and withdrawing them, exports; and one task's objects
compared with the enterprises' own checks (/tasks?task=<id>). Built by
callbacks/inspection_tasks.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.auth import current_scope, current_user
from dashboard.components import notice
from dashboard.domain.policy import Action, allowed, page_roles
from dashboard.domain.tasks import STATUSES, TARGET_TYPES, VERDICTS, checklist_words
from dashboard.i18n import current_language, t
from dashboard.resources import resources
from data_access.queries import accounts
from data_access.queries import inspection_tasks as queries

dash.register_page(
    __name__,
    path="/tasks",
    name="Inspection tasks",
    title="检查任务 · Inspection tasks",
    label="page.inspection_tasks",
    icon="bi-clipboard-check",
    order=16,
    menu_group="supervision",
    roles=page_roles("inspection_tasks"),
    in_menu=True,
)

REFRESH_MS = 60_000
ALL = "all"  # a select's "no filter"
DEFAULT_DAYS = 14  # the deadline the form proposes


def layout(**query: str) -> html.Div:
    user = current_user()
    lang = current_language()
    if user is None or user.role.value not in dash.page_registry[__name__]["roles"]:
        return notice("forbidden", lang)
    task_id = query.get("task")
    if task_id:
        return detail_layout(task_id, lang)
    may_issue = allowed(user, Action.ISSUE_TASK)
    board = dbc.Col(
        [filters(lang, query), actions_bar(lang, may_act=may_issue),
         html.Div(id=ids.TK_LIST, className="tk-list")],
        xl=8 if may_issue else 12,
    )  # fmt: skip
    columns = [dbc.Col(issue_form(lang), xl=4)] if may_issue else []
    return html.Div(
        [
            html.Div(
                [
                    html.H1(t("tk.title", lang), className="tk-title"),
                    html.Div(t("tk.subtitle", lang), className="text-secondary small"),
                ],
                className="mb-2",
            ),
            dbc.Row([*columns, board], className="g-3"),
            dcc.Store(id=ids.TK_TICK, data=0),
            dcc.Interval(id=ids.TK_REFRESH, interval=REFRESH_MS),
        ],
        className="tk-page container-fluid py-3",
    )


def _district_options(lang: str) -> list[dict[str, str]]:
    scope = current_scope()
    zh = lang == "zh"
    return [
        {"label": name_zh if zh else name_en, "value": code}
        for code, name_zh, name_en in accounts.districts(resources().engine)
        if scope.district in (None, code)
    ]


def issue_form(lang: str) -> dbc.Card:
    engine, scope = resources().engine, current_scope()
    checklists = queries.checklists(engine)
    options = [
        {
            "label": (f"【{t('tk.campaign', lang)}】" if row.campaign else "")
            + checklist_words(row.id, row.title, list(row.items), lang)[0],
            "value": row.id,
        }
        for row in checklists
    ]
    zone = ZoneInfo(resources().settings.time_zone)
    proposed = (datetime.now(UTC) + timedelta(days=DEFAULT_DAYS)).astimezone(zone).date()
    own = [scope.district] if scope.district else []
    fields: list[Any] = [
        _field("tk.form.title", dbc.Input(id=ids.TK_FORM_TITLE, maxLength=200), lang),
        _field(
            "tk.form.checklist",
            dbc.Select(
                id=ids.TK_FORM_CHECKLIST,
                options=options,
                value=options[0]["value"] if options else None,
            ),
            lang,
        ),
        _field(
            "tk.form.districts",
            dcc.Dropdown(
                id=ids.TK_FORM_DISTRICTS,
                options=_district_options(lang),
                value=own,
                multi=True,
                clearable=not own,  # an officer's own district is the only one to pick
                placeholder=t("tk.form.districts_pick", lang),
                labels=dropdown_labels(lang),
                className="tk-dropdown",
            ),
            lang,
            hint=None if scope.district else t("tk.form.districts_hint", lang),
        ),
        _field(
            "tk.form.types",
            html.Div(
                [
                    dbc.Checklist(
                        id=ids.TK_FORM_TYPES,
                        options=[
                            {"label": t(f"tk.target.{kind}", lang), "value": kind}
                            for kind in TARGET_TYPES
                        ],
                        value=["site"],
                        inline=True,
                    ),
                    html.Div(id=ids.TK_FORM_TYPES_HINT, className="small text-secondary"),
                ]
            ),
            lang,
        ),
        _field(
            "tk.form.deadline",
            dbc.Input(id=ids.TK_FORM_DEADLINE, type="date", value=proposed.isoformat()),
            lang,
        ),
        _field("tk.form.note", dbc.Textarea(id=ids.TK_FORM_NOTE, rows=2, maxLength=2000), lang),
        dbc.Button(
            [html.I(className="bi bi-send me-1"), t("tk.form.issue", lang)],
            id=ids.TK_FORM_ISSUE,
            color="primary",
        ),
        html.Div(id=ids.TK_FORM_FEEDBACK, className="mt-2"),
    ]
    return dbc.Card([dbc.CardHeader(t("tk.new", lang)), dbc.CardBody(fields)], className="tk-form")


DROPDOWN_LABELS = (
    "select_all",
    "deselect_all",
    "selected_count",
    "search",
    "clear_search",
    "clear_selection",
    "no_options_found",
)


def dropdown_labels(lang: str) -> dict[str, str]:
    """Dash's dropdown's own words (English by default) in the reader's language."""
    return {key: t(f"tk.dropdown.{key}", lang) for key in DROPDOWN_LABELS}


def _field(key: str, control: Any, lang: str, hint: str | None = None) -> html.Div:
    parts = [dbc.Label(t(key, lang), className="small mb-1"), control]
    if hint:
        parts.append(html.Div(hint, className="small text-secondary"))
    return html.Div(parts, className="mb-2")


def filters(lang: str, query: dict[str, str]) -> dbc.Card:
    scope = current_scope()
    statuses = [
        {"label": t("tk.open", lang), "value": queries.OPEN},
        {"label": t("tk.all", lang), "value": ALL},
    ] + [{"label": t(f"task_status.{status}", lang), "value": status} for status in STATUSES[1:]]
    whole_city = [] if scope.district else [{"label": t("tk.all_districts", lang), "value": ALL}]
    districts = whole_city + _district_options(lang)
    status = query.get("status")
    district = query.get("district")
    return dbc.Card(
        dbc.CardBody(
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label(t("tk.filter.status", lang), className="small mb-1"),
                            dbc.Select(
                                id=ids.TK_STATUS,
                                options=statuses,
                                value=status
                                if status in {o["value"] for o in statuses}
                                else queries.OPEN,
                            ),
                        ],
                        md=4,
                    ),
                    dbc.Col(
                        [
                            dbc.Label(t("tk.filter.district", lang), className="small mb-1"),
                            dbc.Select(
                                id=ids.TK_DISTRICT,
                                options=districts,
                                value=district
                                if district in {o["value"] for o in districts}
                                else districts[0]["value"],
                            ),
                        ],
                        md=4,
                    ),
                    dbc.Col(
                        dbc.Checkbox(
                            id=ids.TK_OVERDUE,
                            label=t("tk.filter.overdue", lang),
                            value=query.get("overdue") == "1",
                        ),
                        md=4,
                        className="d-flex align-items-end pb-2",
                    ),
                ],
                className="g-2",
            )
        ),
        className="mb-2 tk-filters",
    )


def actions_bar(lang: str, *, may_act: bool) -> html.Div:
    # Always there (hidden when the user acts on no task): the action callbacks read it.
    reason = [
        dbc.Input(
            id=ids.TK_REASON,
            placeholder=t("tk.reason", lang),
            maxLength=2000,
            size="sm",
            className="tk-reason" if may_act else "d-none",
        )
    ]
    return html.Div(
        [
            dbc.Button(
                [html.I(className="bi bi-filetype-csv me-1"), t("tk.csv", lang)],
                id=ids.TK_CSV, color="secondary", outline=True, size="sm",
            ),
            dbc.Button(
                [html.I(className="bi bi-file-earmark-excel me-1"), t("tk.xlsx", lang)],
                id=ids.TK_XLSX, color="secondary", outline=True, size="sm",
            ),
            html.Span(id=ids.TK_EXPORT_STATUS, className="small"),
            html.Span(id=ids.TK_TOTAL, className="small text-secondary"),
            *reason,
            html.Div(id=ids.TK_ACTION_FEEDBACK, className="w-100"),
            dcc.Download(id=ids.TK_DOWNLOAD),
        ],
        className="d-flex flex-wrap align-items-center gap-2 my-2",
    )  # fmt: skip


# --- one task --------------------------------------------------------------------------------


def detail_layout(task_id: str, lang: str) -> html.Div:
    verdicts = [{"label": t("tk.all", lang), "value": ALL}] + [
        {"label": t(f"verdict.{verdict}", lang), "value": verdict} for verdict in VERDICTS
    ]
    return html.Div(
        [
            dcc.Link(
                [html.I(className="bi bi-arrow-left me-1"), t("tk.back", lang)],
                href="/tasks",
                className="small",
            ),
            html.Div(id=ids.TK_DETAIL, className="tk-detail mt-2"),
            html.Div(
                [
                    dbc.Label(t("tk.detail.verdict", lang), className="small mb-0"),
                    dbc.Select(
                        id=ids.TK_VERDICT, options=verdicts, value=ALL, className="tk-verdict"
                    ),
                    dbc.Button(
                        [html.I(className="bi bi-filetype-csv me-1"), t("tk.csv", lang)],
                        id=ids.TK_DETAIL_CSV,
                        color="secondary",
                        outline=True,
                        size="sm",
                    ),
                    dbc.Button(
                        [html.I(className="bi bi-file-earmark-excel me-1"), t("tk.xlsx", lang)],
                        id=ids.TK_DETAIL_XLSX,
                        color="secondary",
                        outline=True,
                        size="sm",
                    ),
                    dcc.Download(id=ids.TK_DETAIL_DOWNLOAD),
                ],
                className="d-flex flex-wrap align-items-center gap-2 my-2",
            ),
            html.Div(id=ids.TK_OBJECTS, className="tk-objects"),
            dcc.Store(id=ids.TK_TASK_ID, data=task_id),
        ],
        className="tk-page container-fluid py-3",
    )
