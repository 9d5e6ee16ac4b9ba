"""结案报告 The close-out report of one incident: a printable page with the same content as its
PDF (dashboard/reports.py builds both from one document), a link to download that PDF and one
back to the incident. A report of an open incident says it is not closed yet.

Unknown and out-of-scope incidents get the same "not found" notice. The page is a snapshot
built when opened (no callbacks: callbacks/incident_report.py)."""

from __future__ import annotations

from urllib.parse import quote, unquote

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.auth import current_user
from dashboard.components import notice
from dashboard.domain.photos import safe_link
from dashboard.domain.policy import page_roles
from dashboard.i18n import current_language, t
from dashboard.report_document import Cell, ReportDocument, Section
from dashboard.reports import load_document
from dashboard.resources import resources

dash.register_page(
    __name__,
    path_template="/report/<incident_id>",
    name="Close-out report",
    title="结案报告 · Close-out report",
    label="page.incident_report",
    icon="bi-file-earmark-text",
    order=12,
    roles=page_roles("incident_report"),
    in_menu=False,
)


def layout(incident_id: str | None = None, **_query: str) -> html.Div:
    user = current_user()
    lang = current_language()
    if user is None or user.role.value not in page_roles("incident_report"):
        return notice("report.forbidden", lang)
    document = load_document(unquote(incident_id), lang) if incident_id else None
    if document is None:
        return html.Div(
            dbc.Alert(t("report.not_found", lang), color="warning", className="m-4"),
            id=ids.REPORT_NOT_FOUND,
        )
    return html.Div(
        html.Article(
            [
                header(document, lang),
                *([open_banner(document.banner)] if document.banner else []),
                *[section(part) for part in document.sections],
            ],
            className="report-sheet",
            lang="zh-CN" if lang == "zh" else "en",
        ),
        id=ids.REPORT,
        className="incident-report",
    )


def header(document: ReportDocument, lang: str) -> html.Header:
    quoted = quote(document.incident_id, safe="")
    return html.Header(
        [
            html.Div(
                [
                    html.H1(document.title, className="report-title"),
                    html.Div(
                        [
                            html.Span(f"{t('report.id', lang)}: "),
                            html.Strong(document.incident_id, className="report-id"),
                        ]
                    ),
                    html.Div(
                        f"{document.generated} · {document.zone_note}", className="report-meta"
                    ),
                ],
                className="flex-grow-1",
            ),
            html.Div(
                [
                    # A plain link: Flask serves the PDF, not Dash's router.
                    html.A(
                        [
                            html.I(className="bi bi-file-earmark-pdf me-1"),
                            t("report.download_pdf", lang),
                        ],
                        href=f"/reports/{quoted}.pdf",
                        id=ids.REPORT_PDF,
                        className="btn btn-info btn-sm",
                    ),
                    dcc.Link(
                        [html.I(className="bi bi-arrow-left me-1"), t("report.back", lang)],
                        href=f"/incident/{quoted}",
                        id=ids.REPORT_BACK,
                        className="btn btn-outline-secondary btn-sm",
                    ),
                ],
                className="report-actions",
            ),
        ],
        className="report-header",
    )


def open_banner(text: str) -> dbc.Alert:
    return dbc.Alert(
        [html.I(className="bi bi-hourglass-split me-2"), text],
        color="warning",
        id=ids.REPORT_OPEN_BANNER,
        className="report-banner",
    )


def cell(value: Cell) -> html.Span | list:
    hosts = resources().settings.photo_hosts
    links = [link(label, safe_link(url, hosts)) for label, url in value.links]
    tone = f" tone-{value.tone}" if value.tone else ""
    return html.Span([value.text, *links], className=f"report-value{tone}")


def link(label: str, url: str | None) -> html.A | html.Span:
    """Only a path of this site or an allowed https URL becomes a link; else the label alone."""
    if url is None:
        return html.Span(label, className="ms-1")
    return html.A(label, href=url, target="_blank", rel="noopener noreferrer", className="ms-1")


def fields(part: Section) -> html.Dl:
    wide_from = len(part.fields) - part.wide_tail
    items = []
    for index, (label, value) in enumerate(part.fields):
        wide = " wide" if index >= wide_from else ""
        items.append(
            html.Div(
                [html.Dt(label), html.Dd(cell(value))],
                className=f"report-field{wide}",
            )
        )
    return html.Dl(items, className=f"report-fields report-fields-{part.key}")


def table(part: Section) -> dbc.Table:
    return dbc.Table(
        [
            html.Thead(html.Tr([html.Th(column) for column in part.columns])),
            html.Tbody([html.Tr([html.Td(cell(value)) for value in row]) for row in part.rows]),
        ],
        size="sm",
        className=f"report-table report-table-{part.key}",
    )


def section(part: Section) -> html.Section:
    children: list = [html.H2(part.title, className="report-h2")]
    if part.fields:
        children.append(fields(part))
    if part.columns and part.rows:
        children.append(html.Div(table(part), className="table-responsive"))
    elif part.columns and part.empty:
        children.append(html.P(part.empty, className="report-empty"))
    if part.note:
        children.append(html.P(part.note, className="report-note"))
    return html.Section(children, className=f"report-section report-section-{part.key}")
