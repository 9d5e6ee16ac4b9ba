"""The One Map's time slider: the city as it was up to 24 hours ago, replayed from the log.

While the slider is off live, the moving points, the cylinder flow, the KPI strip and the themes
that rewind (coverage and hazards: callbacks/one_map.py recolour_areas) show the chosen
moment (data_access/queries/replay.py), and nothing live overwrites them: assets/map.js holds
the live events back, and the live server callbacks check the slider. Back at live, every
live view reloads from the server through the same signal a hub resync uses.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dash import ClientsideFunction, Input, Output, State, clientside_callback, no_update

from callbacks.one_map import kpi_strip, scope_label
from callbacks.one_map_layers import flow_features, live_features
from dashboard import ids
from dashboard.auth import current_user
from dashboard.guard import page_callback
from dashboard.i18n import current_language, t
from dashboard.resources import resources
from data_access.queries.replay import city_at, moment_of

callback = page_callback("one_map")


@callback(
    Output(ids.MAP_LIVE, "data", allow_duplicate=True),
    Output(ids.MAP_FLOWS, "data", allow_duplicate=True),
    Output(ids.MAP_COUNTS, "children", allow_duplicate=True),
    Output(ids.MAP_UPDATED, "children", allow_duplicate=True),
    Output(ids.MAP_REPLAY_LABEL, "children"),
    Output(ids.LIVE_RESYNC, "data", allow_duplicate=True),
    Input(ids.MAP_REPLAY, "value"),
    prevent_initial_call=True,
)
def show_moment(minutes: float | None):
    """Minutes before now (0: live). The past comes from the log; live comes back by resync."""
    lang = current_language()
    at = moment_of(minutes, datetime.now(UTC))
    if at is None:
        back_to_live = {"reason": "replay-ended", "at": time.time()}
        return (*[no_update] * 4, t("replay.live", lang), back_to_live)
    user = current_user()
    assert user is not None  # the login guard runs before any callback
    res, scope = resources(), user.scope
    moment = city_at(res.engine, scope, at, res.settings.time_zone)  # whole minutes: kept 60 s
    local = at.astimezone(ZoneInfo(res.settings.time_zone))
    label = f"{t('replay.at', lang)} {local:%m-%d %H:%M}"
    # what does not rewind says so: the alarm list and the on-demand layers are the present
    updated = (
        f"{scope_label(scope, lang)}{label} · {t('replay.not_live', lang)}"
        f" · {t('replay.present_layers', lang)}"
    )
    return (
        live_features(moment.points, [], lang),
        flow_features(moment.flows),
        kpi_strip(moment.kpis, lang),
        updated,
        label,
        no_update,
    )


# Playing: the timer steps the slider forward until it reaches live, then stops.
clientside_callback(
    ClientsideFunction(namespace="gascc", function_name="replayControl"),
    Output(ids.MAP_REPLAY, "value"),
    Output(ids.MAP_REPLAY_TIMER, "disabled"),
    Output(ids.MAP_REPLAY_PLAY, "children"),
    Input(ids.MAP_REPLAY_PLAY, "n_clicks"),
    Input(ids.MAP_REPLAY_TIMER, "n_intervals"),
    State(ids.MAP_REPLAY, "value"),
    State(ids.MAP_REPLAY, "step"),
    State(ids.MAP_REPLAY, "min"),
    State(ids.MAP_REPLAY_TIMER, "disabled"),
    prevent_initial_call=True,
)

# Marks the map as replaying, so that live events wait and the frame says it is the past.
clientside_callback(
    ClientsideFunction(namespace="gascc", function_name="replayMode"),
    Output(ids.MAP_FRAME, "className"),
    Input(ids.MAP_REPLAY, "value"),
    State(ids.MAP_FRAME, "className"),
    prevent_initial_call=True,
)
