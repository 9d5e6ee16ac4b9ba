"""The read-only JSON API under /api/v1 (docs/api.md): one table of operations, from which both
the Flask routes and the OpenAPI document (openapi.py) are made.

Every operation reads through data_access/queries with the user's scope; an object unknown or
outside the scope is 404 either way (never revealing that it exists), a role that may not read
the resource gets 403 (access.py), a bad parameter 400.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, request
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import Engine

from dashboard.api_v1 import schemas
from dashboard.api_v1.access import may_read
from dashboard.api_v1.errors import api_error, request_language
from dashboard.auth import current_user
from dashboard.domain.periods import city_periods
from dashboard.domain.roles import User
from dashboard.domain.scoring import current_quarter
from dashboard.i18n import t
from dashboard.resources import resources
from data_access.queries import api as queries
from data_access.queries.map_details import (
    CylinderChain,
    HazardHistory,
    cylinder_chain,
    hazard_history,
)
from data_access.queries.map_layers import LiveKpis, current_kpis
from data_access.queries.rankings import DistrictScoreRow, district_ranking
from data_access.queries.scoring_config import active_config

Handler = Callable[[Engine, User, Any, str | None], Any]


@dataclass(frozen=True)
class Operation:
    """One GET operation: its Flask rule, what it reads, and its parameters and response."""

    rule: str  # e.g. "/incidents/<any_id:incident_id>"
    operation_id: str
    summary: str
    resource: str  # access.RESOURCE_PAGES
    response: Any  # the response's type (a pydantic model or a dataclass)
    handler: Handler
    params: type[BaseModel] | None = None  # query parameters
    noun: str | None = None  # one object by id: its name in a 404


def _filters(params: Any) -> queries.Filters:
    return queries.Filters(
        limit=params.limit,
        after=params.cursor,
        status=getattr(params, "status", None),
        district=getattr(params, "district", None),
        since=getattr(params, "since", None),
        until=getattr(params, "until", None),
        enterprise_id=getattr(params, "enterprise", None),
    )


def _lister(query: Callable[..., queries.Page[Any]], page: type[BaseModel]) -> Handler:
    def handler(engine: Engine, user: User, params: Any, _key: str | None) -> BaseModel:
        found = query(engine, user.scope, _filters(params))
        return page(items=found.items, next_cursor=found.last_id)

    return handler


def _kpis(engine: Engine, user: User, _params: Any, _key: str | None) -> LiveKpis:
    periods = city_periods(datetime.now(UTC), resources().settings.time_zone)
    return current_kpis(engine, user.scope, periods.now, periods.day_start)


def _district_ranking(
    engine: Engine, user: User, params: Any, _key: str | None
) -> schemas.DistrictRankingBody:
    now = datetime.now(UTC)
    period = params.chosen or current_quarter(now)
    ranking = district_ranking(engine, user.scope, period, active_config(engine), now)
    return schemas.DistrictRankingBody(
        period=period.label,
        first_day=period.start,
        last_day=period.end - timedelta(days=1),
        previous_period=ranking.previous_period.label,
        version=ranking.version,
        city_index=ranking.city_index,
        items=[_ranking_item(row) for row in ranking.rows],
    )


def _ranking_item(row: DistrictScoreRow) -> schemas.DistrictRankingItem:
    score = row.score
    return schemas.DistrictRankingItem(
        code=row.code,
        name_zh=row.name_zh,
        name_en=row.name_en,
        rank=row.rank,
        index=score.index,
        band=score.band,
        previous=row.previous,
        change=row.change,
        previous_rank=row.previous_rank,
        components=[
            schemas.ComponentItem(
                name=c.name,
                numerator=c.rate.numerator,
                denominator=c.rate.denominator,
                rate=c.rate.value,
                weight=c.weight,
                points=None if c.points is None else round(c.points, 2),
            )
            for c in score.components
        ],
        deductions=[
            schemas.DeductionItem(name=d.name, count=d.count, points=d.points, capped=d.capped)
            for d in score.deductions
        ],
    )


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "/cylinders/<any_id:code>",
        "getCylinder",
        "A cylinder by its code: its owner, state and chain of scans (filling, delivery, ...)",
        "cylinders",
        CylinderChain,
        lambda engine, user, _p, code: cylinder_chain(engine, user.scope, code or ""),
        noun="cylinder",
    ),
    Operation(
        "/hazards",
        "listHazards",
        "Hazards, by id",
        "hazards",
        schemas.HazardPage,
        _lister(queries.hazards, schemas.HazardPage),
        schemas.HazardParams,
    ),
    Operation(
        "/hazards/<any_id:hazard_id>",
        "getHazard",
        "A hazard and its status changes, oldest first",
        "hazards",
        HazardHistory,
        lambda engine, user, _p, key: hazard_history(engine, user.scope, key or ""),
        noun="hazard",
    ),
    Operation(
        "/incidents",
        "listIncidents",
        "Incidents, by id",
        "incidents",
        schemas.IncidentPage,
        _lister(queries.incidents, schemas.IncidentPage),
        schemas.IncidentParams,
    ),
    Operation(
        "/incidents/<any_id:incident_id>",
        "getIncident",
        "An incident and its timeline, oldest first",
        "incidents",
        queries.IncidentDetail,
        lambda engine, user, _p, key: queries.incident_detail(engine, user.scope, key or ""),
        noun="incident",
    ),
    Operation(
        "/teams",
        "listTeams",
        "Emergency teams and what they are doing now, by id",
        "teams",
        schemas.TeamPage,
        _lister(queries.teams, schemas.TeamPage),
        schemas.TeamParams,
    ),
    Operation(
        "/alarms",
        "listAlarms",
        "Sensor alarms, by id",
        "alarms",
        schemas.AlarmPage,
        _lister(queries.alarms, schemas.AlarmPage),
        schemas.AlarmParams,
    ),
    Operation(
        "/complaints",
        "listComplaints",
        "Citizens' complaints, by id",
        "complaints",
        schemas.ComplaintPage,
        _lister(queries.complaints, schemas.ComplaintPage),
        schemas.ComplaintParams,
    ),
    Operation(
        "/enterprises",
        "listEnterprises",
        "Gas enterprises, by id",
        "enterprises",
        schemas.EnterprisePage,
        _lister(queries.enterprises, schemas.EnterprisePage),
        schemas.EnterpriseParams,
    ),
    Operation(
        "/kpis",
        "getKpis",
        "The One Map's KPI strip: today's fillings and deliveries, the safety-check rate, "
        "hazards, and (for the authorities) incidents, teams and alarms",
        "kpis",
        LiveKpis,
        _kpis,
    ),
    Operation(
        "/rankings/districts",
        "getDistrictRanking",
        "The districts ranked by their safety index for a period (the current quarter by "
        "default), each with its components, deductions, band and change since the previous "
        "period, under the scoring configuration in force",
        "rankings",
        schemas.DistrictRankingBody,
        _district_ranking,
        schemas.RankingParams,
    ),
)


def _serialise(operation: Operation, found: Any) -> Response:
    adapter = _ADAPTERS[operation.operation_id]
    body = adapter.dump_json(found)
    response = current_app.response_class(body, 200, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    operation.operation_id: TypeAdapter(operation.response) for operation in OPERATIONS
}


def _bad_parameter(error: ValidationError) -> Response:
    """The first problem, named by its parameter, in the request's language."""
    first = error.errors()[0]
    parameter = ".".join(str(part) for part in first["loc"]) or "?"
    return api_error(
        "bad_parameter", parameter=parameter, problem=_problem(first, request_language())
    )


def _problem(error: Any, lang: str) -> str:
    kind, context = error["type"], error.get("ctx") or {}
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return t("api.problem.integer", lang)
    if kind in ("greater_than_equal", "less_than_equal"):
        return t("api.problem.range", lang).format(low=1, high=schemas.MAX_LIMIT)
    if kind == "literal_error":
        return t("api.problem.choice", lang).format(choices=context.get("expected", ""))
    if error["loc"][:1] == ("period",):
        return t("api.problem.period", lang)
    if kind.startswith(("datetime", "timezone")) or error["loc"][:1] in (("since",), ("until",)):
        return t("api.problem.datetime", lang)
    if kind in ("string_too_long", "string_too_short"):
        return t("api.problem.length", lang).format(high=context.get("max_length", ""))
    return t("api.problem.invalid", lang)


def _view(operation: Operation) -> Callable[..., Response]:
    def view(**path: str) -> Response:
        user = current_user()
        assert user is not None  # authenticate_api_request answered 401 otherwise
        if not may_read(user, operation.resource):
            return api_error("forbidden")
        params = None
        if operation.params is not None:
            try:
                params = operation.params.model_validate(request.args.to_dict())
            except ValidationError as error:
                return _bad_parameter(error)
        key = next(iter(path.values()), None)
        if key is not None and not 1 <= len(key) <= schemas.MAX_ID_LENGTH:
            return _not_found(operation, key)
        found = operation.handler(current_app.config["GASCC_ENGINE"], user, params, key)
        if found is None:
            return _not_found(operation, key or "")
        return _serialise(operation, found)

    return view


def _not_found(operation: Operation, key: str) -> Response:
    noun = t(f"api.noun.{operation.noun}", request_language())
    return api_error("not_found", noun=noun, id=key[: schemas.MAX_ID_LENGTH])


def blueprint() -> Blueprint:
    from dashboard.api_v1.openapi import openapi_document

    api = Blueprint("api_v1", __name__, url_prefix="/api/v1")
    for operation in OPERATIONS:
        api.add_url_rule(operation.rule, operation.operation_id, _view(operation))
    api.add_url_rule("/openapi.json", "openapi", openapi_document)
    # any other path under /api/v1: the API's 404, not the Dash app's page shell
    api.add_url_rule("/<any_id:rest>", "unknown", _unknown_route)
    return api


def _unknown_route(rest: str) -> Response:
    noun = t("api.noun.route", request_language())
    return api_error("not_found", noun=noun, id=f"/api/v1/{rest}"[:200])
