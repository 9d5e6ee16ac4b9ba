"""The notification centre's behaviour: the list and the 24-hour failure count, rebuilt on load,
when a filter changes, on live `incident.notified` events (at most twice a second) and every
30 s as a fallback when the live channel is quiet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dash import Input, Output, clientside_callback, dcc, html

from dashboard import ids
from dashboard.auth import current_scope
from dashboard.guard import page_callback
from dashboard.i18n import current_language, t, t_or
from dashboard.notifier import UNKNOWN, error_in_words
from dashboard.resources import resources
from data_access.queries import notifications as queries

callback = page_callback("notifications")

FAILURE_WINDOW = timedelta(hours=24)
ALL = "all"  # the channel filter's "every channel"
COLUMNS = (
    "notify.col.time",
    "notify.col.outcome",
    "notify.col.incident",
    "notify.col.levels",
    "notify.col.channel",
    "notify.col.recipients",
    "notify.col.attempts",
    "notify.col.error",
)

# Only new notifications matter here, not every team position: look for incident.notified
# after this page's own cursor, then let the incident desk's liveTick throttle the refreshes.
clientside_callback(
    """function (live) {
        const noUpdate = window.dash_clientside.no_update;
        const desk = window.gascc && window.gascc.incidents;
        if (!desk || !window.gasccLive) return noUpdate;
        const cursor = window.gascc.notificationsCursor || 0;
        const got = window.gasccLive.since(cursor);
        window.gascc.notificationsCursor = Math.max(cursor, got.newest || 0);
        const fresh = got.events.some((e) => e.type === "incident.notified");
        if (got.complete && !fresh) return noUpdate;
        return desk.liveTick(live, "notifications");
    }""",
    Output(ids.NOTIFY_TICK, "data"),
    Input(ids.LIVE_EVENTS, "data"),
    prevent_initial_call=True,
)


@callback(
    Output(ids.NOTIFY_LIST, "children"),
    Output(ids.NOTIFY_SUMMARY, "children"),
    Output(ids.NOTIFY_UPDATED, "children"),
    Input(ids.NOTIFY_FAILED_ONLY, "value"),
    Input(ids.NOTIFY_CHANNEL, "value"),
    Input(ids.NOTIFY_TICK, "data"),
    Input(ids.NOTIFY_REFRESH, "n_intervals"),
    Input(ids.LIVE_RESYNC, "data"),
)
def refresh_centre(
    failed_only: bool | None, channel: str | None, _tick: object, _n: object, _resync: object
):
    scope, lang, res = current_scope(), current_language(), resources()
    now = datetime.now(UTC)
    zone = ZoneInfo(res.settings.time_zone)
    only = None if channel in (None, "", ALL) else channel
    rows = queries.notification_centre(
        res.engine, scope, failed_only=bool(failed_only), channel=only
    )
    failed = queries.failures_since(res.engine, scope, now - FAILURE_WINDOW)
    updated = f"{t('notify.updated', lang)} {now.astimezone(zone):%H:%M:%S}"
    if scope.district is not None:  # so no one mistakes one district's list for the city's
        updated = f"{t('scope.district', lang)} · {updated}"
    if rows:
        updated += " · " + t("notify.showing", lang).format(n=len(rows))
    return (
        notification_table(rows, zone, lang, bool(failed_only)),
        failure_count(failed, lang),
        updated,
    )


# --- pieces ---------------------------------------------------------------------------------


def failure_count(failed: int, lang: str) -> html.Div:
    """The last 24 hours' failed deliveries: red while there is any."""
    return html.Div(
        [
            html.I(
                className="bi bi-exclamation-triangle-fill" if failed else "bi bi-check2-circle"
            ),
            html.Span(f"{failed:,}", className="notify-failed-value"),
            html.Span(t("notify.failed_24h", lang)),
        ],
        className="notify-failed " + ("is-failing" if failed else "is-clear"),
        **{"data-failed": str(failed)},
    )


def notification_table(
    rows: list[queries.CentreNotification], zone: ZoneInfo, lang: str, failed_only: bool
) -> html.Div:

    if not rows:
        empty = "notify.none_failed" if failed_only else "notify.none"
        return html.Div(
            [html.I(className="bi bi-bell-slash me-2"), t(empty, lang)],
            className="notify-empty text-secondary",
        )
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(t(column, lang)) for column in COLUMNS])),
            html.Tbody([notification_row(row, zone, lang) for row in rows]),
        ],
        className="table table-sm align-middle notify-table",
    )


def notification_row(row: queries.CentreNotification, zone: ZoneInfo, lang: str) -> html.Tr:
    failed = row.outcome == "failed"
    when = row.occurred_at.astimezone(zone)
    return html.Tr(
        [
            html.Td(f"{when:%m-%d %H:%M:%S}", className="text-nowrap notify-time"),
            html.Td(outcome_badge(row.outcome, lang)),
            html.Td(incident_link(row, lang)),
            html.Td([level_badge(level, lang) for level in row.levels], className="text-nowrap"),
            html.Td(t_or(f"notify.channel.{row.channel}", row.channel, lang)),
            html.Td(recipients_text(row.recipients, lang), className="notify-recipients"),
            html.Td(str(row.attempts or 1), className="text-center"),
            html.Td(error_cell(row.error, lang), className="notify-error" if failed else ""),
        ],
        className="notify-failed-row" if failed else "",
        **{"data-outcome": row.outcome, "data-channel": row.channel},
    )


def error_cell(error: str | None, lang: str) -> list[html.Span]:
    """The failure in words, then what the channel or the other end said, as recorded (a
    technical record, kept verbatim: it is what an operator quotes to the gateway's people)."""
    if not error:
        return []
    words, detail = error_in_words(error, lang)
    cell = [html.Span(words, className="me-1")] if words else []
    if detail:
        cell.append(
            html.Span(detail, className="notify-error-detail", **{"data-verbatim": "record"})
        )
    return cell


def outcome_badge(outcome: str, lang: str) -> html.Span:
    failed = outcome == "failed"
    return html.Span(
        [
            html.I(className="bi bi-x-octagon-fill me-1" if failed else "bi bi-check-lg me-1"),
            t_or(f"notify.outcome.{outcome}", outcome, lang),
        ],
        className="badge " + ("text-bg-danger" if failed else "text-bg-success"),
    )


def level_badge(level: str, lang: str) -> html.Span:
    return html.Span(
        t_or(f"notify.level.{level}", level, lang), className="badge text-bg-secondary me-1"
    )


def incident_link(row: queries.CentreNotification, lang: str) -> dcc.Link:
    kind = t_or(f"incident_kind.{row.kind}", row.kind, lang)
    return dcc.Link(
        [
            html.Span(f"{kind} · {row.address}", className="notify-incident"),
            html.Div(row.incident_id, className="small text-secondary"),
        ],
        href=f"/incident/{row.incident_id}",
        className="text-reset",
    )


def recipients_text(recipients: list[str], lang: str) -> str:
    names = [t("notify.recipient.unknown", lang) if r == UNKNOWN else r for r in recipients]
    return ("、" if lang == "zh" else "; ").join(names)
