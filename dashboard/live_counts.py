"""Counts that live views keep running between refreshes, in the app's cache."""

from __future__ import annotations

from datetime import datetime

from dashboard.domain.roles import Scope
from dashboard.resources import resources
from data_access.queries.map_layers import tally_scans

TALLY_KEEP_S = 26 * 3600  # a day's tally, kept a little past the day


def todays_scans(scope: Scope, day_start: datetime) -> dict[str, int]:
    """Today's filling and delivery scans in `scope`, counting only what the log got since the
    last call (the One Map's KPI strip and the wall's KPI band share the tally)."""
    res = resources()
    key = f"live_counts:scans:{scope.district}:{scope.enterprise_id}"
    tally = tally_scans(res.engine, scope, day_start, res.cache.get(key))
    res.cache.set(key, tally, timeout=TALLY_KEEP_S)
    return tally.stages
