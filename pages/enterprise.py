"""企业档案 One enterprise's file (一企一档, seed 000): licence, kind, district; its sites and
vehicles; its staff with certificates expired or expiring flagged; its cylinders by status; open
hazards; problem cylinders and detentions; complaints; this year's 12-point totals for the
enterprise, each supply point and each worker (suspended at 12, seed 003); its inspections. Each
object links to its own page. Drawn by callbacks/enterprise.py, which also exports it.

Whoever may not see the enterprise (another enterprise's user, a district officer of another
district) gets the same message as for an id that does not exist."""

from __future__ import annotations

from urllib.parse import unquote

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.auth import current_scope, current_user
from dashboard.components import notice
from dashboard.domain.policy import PAGE_ROLES, page_roles
from dashboard.domain.roles import Role
from dashboard.i18n import current_language, t
from dashboard.resources import resources
from data_access.queries.enterprise_file import enterprise_head

dash.register_page(
    __name__,
    path_template="/enterprise/<enterprise_id>",
    name="Enterprise",
    title="企业档案 · Enterprise file",
    label="page.enterprise_own",
    icon="bi-building",
    order=18,
    roles=page_roles("enterprise"),
    # In the menu for an enterprise's users only, as their own file (dashboard/shell.py).
    in_menu=True,
    menu_roles=(Role.ENTERPRISE.value,),
    menu_path="/enterprise/{enterprise_id}",
)


def layout(enterprise_id: str | None = None, **_query: str) -> html.Div:
    user = current_user()
    lang = current_language()
    if user is None or user.role.value not in dash.page_registry[__name__]["roles"]:
        return notice("forbidden", lang)
    wanted = unquote(enterprise_id or "")[:64]
    head = enterprise_head(resources().engine, current_scope(), wanted) if wanted else None
    if head is None:
        return notice("ef.not_found", lang)
    back = (
        dcc.Link(
            [html.I(className="bi bi-arrow-left me-1"), t("ef.back", lang)],
            href="/enterprises",
            className="small",
        )
        if user.role in PAGE_ROLES["enterprises"]
        else None
    )
    return html.Div(
        [
            dcc.Store(id=ids.ENT_ID, data=head.id),
            html.Div([back, exports(lang)], className="d-flex flex-wrap align-items-center gap-3"),
            dcc.Loading(html.Div(id=ids.ENT_BODY), type="dot", color="#6edff6"),
            # The rankings issue draws the enterprise's scores here; until then it is hidden.
            html.Section(id=ids.ENT_SCORES, className="ef-scores", hidden=True),
        ],
        className="ef-page container-fluid py-2",
    )


def exports(lang: str) -> html.Div:
    return html.Div(
        [
            dbc.Button(
                [html.I(className="bi bi-filetype-csv me-1"), t("ef.csv", lang)],
                id=ids.ENT_CSV, color="secondary", outline=True, size="sm",
            ),
            dbc.Button(
                [html.I(className="bi bi-file-earmark-excel me-1"), t("ef.xlsx", lang)],
                id=ids.ENT_XLSX, color="secondary", outline=True, size="sm",
            ),
            html.Span(id=ids.ENT_EXPORT_STATUS, className="small"),
            dcc.Download(id=ids.ENT_DOWNLOAD),
        ],
        className="d-flex flex-wrap align-items-center gap-2 ms-auto",
    )  # fmt: skip
