"""`python -m dashboard report rankings`: the rankings of a period as the PDF briefing or the Excel
workbook (docs/rankings.md "Exports"), computed as the system with the whole city in scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from dashboard.cli.errors import CommandError
from dashboard.domain.roles import CITYWIDE
from dashboard.domain.scoring import (
    SCORING_TIME_ZONE,
    Period,
    ScoringConfig,
    load_config_file,
    local_day,
    parse_period,
)
from dashboard.i18n import LANGUAGES
from dashboard.rankings_export import workbook_bytes
from dashboard.rankings_pdf import briefing_pdf
from dashboard.rankings_report import build_report
from data_access.queries import scoring_config

FORMATS = {".pdf": "pdf", ".xlsx": "xlsx"}


@dataclass(frozen=True)
class RankingsRequest:
    period: str
    out: Path
    lang: str = "zh"
    format: str | None = None  # default: from the suffix of `out`
    version: str | None = None  # default: the version in force
    city_zh: str = ""
    city_en: str = ""
    time_zone: str = SCORING_TIME_ZONE.key


def rankings(engine: Engine, request: RankingsRequest, now: datetime | None = None) -> int:
    now = now or datetime.now(UTC)
    period = _period(request.period, now)
    kind = _format(request)
    if request.lang not in LANGUAGES:
        raise CommandError(f"--lang must be one of {', '.join(LANGUAGES)}")
    config = _config(engine, request.version)
    report = build_report(
        engine,
        CITYWIDE,
        period,
        config,
        now,
        city_zh=request.city_zh,
        city_en=request.city_en,
        time_zone=request.time_zone,
    )
    data = (
        briefing_pdf(report, request.lang)
        if kind == "pdf"
        else workbook_bytes(report, request.lang)
    )
    try:
        request.out.write_bytes(data)
    except OSError as error:
        raise CommandError(f"cannot write {request.out}: {error.strerror}") from None
    print(
        f"wrote {request.out}: rankings {period.label}, scoring version {config.version}, "
        f"{len(report.districts)} districts, {len(data):,} bytes"
    )
    return 0


def _period(text: str, now: datetime) -> Period:
    try:
        period = parse_period(text)
    except ValueError as error:
        raise CommandError(f"--period: {error}") from None
    if period.start > local_day(now):
        raise CommandError(f"--period: {period.label} has not started yet")
    return period


def _format(request: RankingsRequest) -> str:
    if request.format is not None:
        return request.format
    kind = FORMATS.get(request.out.suffix.lower())
    if kind is None:
        raise CommandError(
            f"cannot tell the format from {request.out.name!r}: name it .pdf or .xlsx, "
            "or give --format pdf|xlsx"
        )
    return kind


def _config(engine: Engine, version: str | None) -> ScoringConfig:
    if version is None:
        return scoring_config.active_config(engine)
    config = scoring_config.config_of_version(engine, version)
    if config is None:
        known = {row.version for row in scoring_config.versions(engine)}
        known.add(load_config_file().version)  # the shipped file's, version 1 of every city
        listed = ", ".join(sorted(known))
        raise CommandError(f"--version: unknown scoring version {version!r} (known: {listed})")
    return config
