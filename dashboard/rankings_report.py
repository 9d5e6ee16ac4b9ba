"""The rankings of one period gathered for the exports (the Excel workbook and the PDF briefing
of the weekly meeting, docs/rankings.md "Exports"): the district ranking with every district's
components and counts, each district's trend, the enterprise ranking with the red, black and
overdue lists, and the 12-point totals. Both renderers (dashboard/rankings_export.py,
dashboard/rankings_pdf.py) read only this object, so the page's buttons and the command line
produce the same files; it needs no Dash app.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from dashboard.domain.roles import Scope
from dashboard.domain.scoring import SCORING_TIME_ZONE, Period, ScoringConfig, local_day
from data_access.queries import rankings
from data_access.queries.rankings import (
    DistrictRanking,
    DistrictScoreRow,
    EnterpriseRanking,
    EnterpriseScoreRow,
    PointsRow,
    TrendPoint,
)


@dataclass(frozen=True, slots=True)
class RankingsReport:
    period: Period
    config: ScoringConfig  # what every score was computed with
    generated_at: datetime  # UTC
    time_zone: str  # the city's, for times shown
    city_zh: str  # "" when unknown: the title then names no city
    city_en: str
    ranking: DistrictRanking
    trend: dict[str, list[TrendPoint]]  # by district code, oldest quarter first
    enterprises: EnterpriseRanking
    points_year: int  # the 12-point year: the one the period ends in
    points: list[PointsRow]

    @property
    def version(self) -> str:
        return self.config.version

    @property
    def districts(self) -> list[DistrictScoreRow]:
        """Best first, districts without an index last (the ranking's order)."""
        return self.ranking.rows

    def district_name(self, code: str | None, lang: str) -> str:
        for row in self.ranking.rows:
            if row.code == code:
                return row.name_zh if lang == "zh" else row.name_en
        return code or ""

    def enterprise(self, enterprise_id: str) -> EnterpriseScoreRow | None:
        return self._enterprises_by_id().get(enterprise_id)

    def _enterprises_by_id(self) -> dict[str, EnterpriseScoreRow]:
        return {row.id: row for row in self.enterprises.rows}

    def city(self, lang: str) -> str:
        return self.city_zh if lang == "zh" else self.city_en

    def local_time(self) -> datetime:
        return self.generated_at.astimezone(ZoneInfo(self.time_zone))

    @property
    def last_day(self) -> date:
        return self.period.end - timedelta(days=1)

    @property
    def as_of(self) -> date:
        """The day the lists are judged on: the period's last day, or today if it is running."""
        return min(self.last_day, local_day(self.generated_at))


def build_report(
    engine: Engine,
    scope: Scope,
    period: Period,
    config: ScoringConfig,
    now: datetime,
    *,
    city_zh: str = "",
    city_en: str = "",
    time_zone: str = SCORING_TIME_ZONE.key,
) -> RankingsReport:
    """Everything both exports show for `period` in `scope`, scored under `config` (the active
    version, or an older one to recompute a past period under it)."""
    year = (period.end - timedelta(days=1)).year
    return RankingsReport(
        period=period,
        config=config,
        generated_at=now.astimezone(UTC),
        time_zone=time_zone,
        city_zh=city_zh,
        city_en=city_en,
        ranking=rankings.district_ranking(engine, scope, period, config, now),
        trend=rankings.district_trend(engine, scope, period, config, now),
        enterprises=rankings.enterprise_ranking(engine, scope, period, config, now),
        points_year=year,
        points=rankings.points_totals(engine, scope, year),
    )


def overdue_days(row: EnterpriseScoreRow, today: date) -> int | None:
    """How many days past its frequency an enterprise's inspection is (None: never inspected)."""
    last = row.score.last_inspection
    if last is None:
        return None
    return max(0, (today - last).days - row.score.frequency_days)
