"""A hazard's page: its header, facts, history and the steps the user may take, redrawn after
each step; the photos a user uploads; the steps themselves, through the hazard commands."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.actors import who
from dashboard.auth import current_scope, current_user
from dashboard.domain.hazards import steps_from
from dashboard.domain.photos import parse_photo, photo_path
from dashboard.domain.policy import STEP_ACTIONS, allowed
from dashboard.guard import page_callback
from dashboard.hazard_view import history_note, level_badge, status_badges, time_left
from dashboard.i18n import current_language, refusal_text, t
from dashboard.photo_store import store_photo
from dashboard.resources import resources
from data_access import commands
from data_access.queries import accounts
from data_access.queries import hazard_board as queries
from pages.hazard import action_form

callback = page_callback("hazard")


@callback(
    Output(ids.HAZARD_HEADER, "children"),
    Output(ids.HAZARD_FACTS, "children"),
    Output(ids.HAZARD_HISTORY, "children"),
    Output(ids.HAZARD_ACTIONS, "children"),
    Input(ids.HAZARD_TICK, "data"),
    State(ids.HAZARD_ID, "data"),
)
def show_hazard(_tick: object, hazard_id: str) -> Any:
    lang, res, user = current_language(), resources(), current_user()
    found = queries.hazard_detail(res.engine, current_scope(), hazard_id)
    if found is None or user is None:
        raise PreventUpdate
    zone = ZoneInfo(res.settings.time_zone)
    row, now = found.row, datetime.now(UTC)
    steps = [s for s in steps_from(row.status) if allowed(user, STEP_ACTIONS[s])]
    return (
        header(row, lang),
        facts(found, zone, now, lang),
        history(found, zone, lang),
        action_form(steps, lang),
    )


def header(row: queries.HazardRow, lang: str) -> html.Div:
    return html.Div(
        [
            html.H1(row.number or row.id, className="hazard-number me-3"),
            level_badge(row.level, lang),
            html.Span(status_badges(row.status, row.escalation, lang), className="ms-2"),
            html.Span(row.category, className="hazard-category ms-3"),
        ],
        className="d-flex flex-wrap align-items-center",
        **{"data-status": row.status, "data-escalation": row.escalation or ""},
    )


def facts(found: queries.HazardDetail, zone: ZoneInfo, now: datetime, lang: str) -> html.Div:
    row = found.row
    names = accounts.district_names(resources().engine, lang)
    district = names.get(row.district, row.district)
    source: Any = t(f"hazard_origin.{row.origin}", lang)
    if found.inspection_id:
        source = [
            source,
            " · ",
            dcc.Link(
                t("hz.source.inspection", lang).format(id=found.inspection_id),
                href=f"/inspections?{urlencode({'inspection': found.inspection_id})}",
            ),
        ]
    elif found.complaint_id:
        source = [
            source,
            " · ",
            dcc.Link(
                t("hz.source.complaint", lang).format(id=found.complaint_id),
                href=f"/complaint/{quote(found.complaint_id, safe='')}",
            ),
        ]
    items = [
        ("hz.where", district),
        ("hz.target", f"{t(f'target_type.{row.target_type}', lang)} {row.target_id}"),
        ("hz.source", source),
        ("hz.description", found.description),
        ("hz.responsible", row.enterprise or t("hz.no_enterprise", lang)),
        ("hz.office", t("hz.office.value", lang).format(district=district)),
        ("hz.col.reported", f"{row.reported_at.astimezone(zone):%Y-%m-%d %H:%M}"),
        (
            "hz.due",
            f"{row.due_at.astimezone(zone):%Y-%m-%d %H:%M} · {time_left(row, zone, now, lang)}",
        ),
    ]
    return html.Dl(
        [part for key, value in items for part in (html.Dt(t(key, lang)), html.Dd(value))],
        className="hazard-facts",
    )


def history(found: queries.HazardDetail, zone: ZoneInfo, lang: str) -> html.Ol:
    return html.Ol(
        [history_entry(step, found.names, zone, lang) for step in found.history],
        className="hazard-history",
    )


def history_entry(
    step: queries.HazardStep, names: dict[str, str], zone: ZoneInfo, lang: str
) -> html.Li:
    what = t(f"hazard_status.{step.status}", lang)
    lines: list[Any] = [
        html.Div(
            [
                html.Span(f"{step.occurred_at.astimezone(zone):%Y-%m-%d %H:%M}", className="me-2"),
                html.B(what, className="me-2"),
                html.Span(who(step.actor, lang, names), className="text-secondary"),
            ]
        )
    ]
    if step.note:
        lines.append(html.Div(history_note(step.status, step.note, lang), className="hazard-note"))
    if step.due_at is not None:
        when = f"{step.due_at.astimezone(zone):%Y-%m-%d %H:%M}"
        lines.append(html.Div(t("hz.history.new_due", lang).format(when=when), className="small"))
    photos = [
        photo
        for photo in (parse_photo(p, resources().settings.photo_hosts) for p in step.photos)
        if photo
    ]
    if photos:
        lines.append(
            html.Div(
                [
                    html.A(
                        html.Img(src=photo.url, className="hazard-thumb"),
                        href=photo.url,
                        target="_blank",
                    )
                    for photo in photos
                ],
                className="hazard-photos",
            )
        )
    return html.Li(lines, **{"data-status": step.status})


@callback(
    Output(ids.HAZARD_PHOTO_REFS, "data"),
    Output(ids.HAZARD_PHOTO_LIST, "children"),
    Input(ids.HAZARD_PHOTOS, "contents"),
    State(ids.HAZARD_PHOTOS, "filename"),
    State(ids.HAZARD_PHOTO_REFS, "data"),
    prevent_initial_call=True,
)
def keep_photos(contents: list[str] | None, names: list[str] | None, kept: list[str] | None) -> Any:
    lang = current_language()
    photos_dir = resources().settings.data_dir / "photos"
    refs, problems = list(kept or []), []
    for content, name in zip(contents or [], names or [], strict=False):
        reference = store_photo(photos_dir, content)
        if reference is None:
            problems.append(t("hz.photos.bad", lang).format(name=name))
        elif reference not in refs:
            refs.append(reference)
    shown = [
        html.Img(src=photo_path(ref.removeprefix("sha256:")), className="hazard-thumb")
        for ref in refs
    ]
    said = [html.Div(t("hz.photos.count", lang).format(n=len(refs)), className="small")]
    said += [html.Div(problem, className="small text-danger") for problem in problems]
    return refs, [html.Div(shown), *said]


@callback(
    Output(ids.HAZARD_FEEDBACK, "children"),
    Output(ids.HAZARD_TICK, "data"),
    Output(ids.HAZARD_PHOTO_REFS, "data", allow_duplicate=True),  # used: start afresh
    Input({"type": ids.HAZARD_STEP, "step": ALL}, "n_clicks"),
    State(ids.HAZARD_ID, "data"),
    State(ids.HAZARD_NOTE, "value"),
    State(ids.HAZARD_DUE, "value"),
    State(ids.HAZARD_PHOTO_REFS, "data"),
    State(ids.HAZARD_TICK, "data"),
    prevent_initial_call=True,
)
def take_step(
    clicks: list[int | None],
    hazard_id: str,
    note: str | None,
    due: str | None,
    photos: list[str] | None,
    tick: int | None,
) -> Any:
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not any(clicks):
        raise PreventUpdate
    lang, res, user = current_language(), resources(), current_user()
    assert user is not None  # the page guard answered otherwise
    step = str(trigger.get("step"))
    zone = ZoneInfo(res.settings.time_zone)
    result = commands.move_hazard(
        res.engine,
        user,
        hazard_id,
        step,
        note=note,
        photos=list(photos or []),
        due_at=_end_of_day(due, zone),
        photo_hosts=res.settings.photo_hosts,
    )
    if isinstance(result, commands.Refused):
        return _alert(refusal_text(result, lang), "danger"), no_update, no_update
    done = t("hz.done", lang).format(step=t(f"hazard_step.{step}", lang))
    return _alert(done, "success"), (tick or 0) + 1, []


def _end_of_day(value: str | None, zone: ZoneInfo) -> datetime | None:
    """A date input's day, due at its end in the city's time zone (None: none or not a date)."""
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    if day is None:
        return None
    return (
        datetime.combine(day + timedelta(days=1), time(), zone) - timedelta(seconds=1)
    ).astimezone(UTC)


def _alert(text: str, color: str) -> html.Div:
    return html.Div(text, className=f"alert alert-{color} py-2 hazard-alert", role="alert")
