"""Every command, for every role: allowed or refused, and a refused command records nothing.

The expectations are written out here, independently of dashboard/domain/policy.py, so that a
change of the policy shows up as a failing line. The objects acted on are in Jiang'an; a district
officer acts there as "own district" and as an officer of Wuchang ("other district")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy import Engine, func, select

from dashboard.domain.dispatch import FREE
from dashboard.domain.events import Event, SensorReading
from dashboard.domain.incident_form import IncidentDraft
from dashboard.domain.roles import Role, User
from data_access import commands
from data_access.commands import Done, Refused
from data_access.eventlog import Incoming, append_events
from data_access.models import Alarm, EventRecord, Incident, Sensor, Team, TeamState
from data_access.queries.scoring_config import active_config
from tests.complaint_support import receive_complaint
from tests.integration import test_detentions as detention_tests
from tests.support import IN_JIANGAN, JIANGAN, WUCHANG, desk_user, report_hazard

ACTORS: dict[str, User] = {
    "admin": desk_user("admin", Role.ADMIN),
    "leader": desk_user("leader", Role.LEADER),
    "duty_officer": desk_user("duty", Role.DUTY_OFFICER),
    "supervisor": desk_user("supervisor", Role.SUPERVISOR),
    "district_officer": desk_user("jiangan", Role.DISTRICT_OFFICER, district=JIANGAN),
    "district_officer_elsewhere": desk_user("wuchang", Role.DISTRICT_OFFICER, district=WUCHANG),
    "enterprise": desk_user("ent", Role.ENTERPRISE, enterprise_id="ENT-0001"),
    "screen": desk_user("screen", Role.SCREEN),
}
DESK = {"admin", "duty_officer", "district_officer"}
ALLOWED: dict[str, set[str]] = {
    "acknowledge_alarm": DESK | {"supervisor"},
    "escalate_alarm": DESK,
    "report_incident": DESK,
    "dispatch_teams": DESK,
    "report_team_status": DESK,
    "post_incident_update": DESK,
    "request_notification": DESK,
    "close_incident": DESK,
    "move_hazard": {"admin", "supervisor", "district_officer"},  # its first step: assign
    # inspection tasks (a task of the city's to Jiang'an: its office completes, the city withdraws)
    "issue_task": {"admin", "supervisor", "district_officer"},
    "complete_task": {"admin", "supervisor", "district_officer"},
    "cancel_task": {"admin", "supervisor"},
    "publish_checklist": {"admin", "supervisor"},
    # complaints (a Jiang'an complaint naming the enterprise actor): the city's desk passes a
    # new one to the district (whose office is refused: the city holds it), the district office
    # or the enterprise holding it replies, the offices close, only the city escalates by hand
    "assign_complaint": {"admin", "supervisor", "duty_officer"},
    "reply_complaint": {"admin", "district_officer", "enterprise"},
    "close_complaint": {"admin", "supervisor", "duty_officer", "district_officer"},
    "escalate_complaint": {"admin", "supervisor", "duty_officer"},
    "turn_complaint_into_hazard": {"admin", "supervisor", "district_officer"},
    "turn_complaint_into_incident": {"admin", "duty_officer", "district_officer"},
    # online detention (a Jiang'an cylinder of the enterprise's): the gas offices detain and
    # dispose of it, only its enterprise recalls it
    "detain_cylinder": {"admin", "supervisor", "district_officer"},
    "record_recall": {"enterprise"},
    "release_cylinder": {"admin", "supervisor", "district_officer"},
    "scrap_cylinder": {"admin", "supervisor", "district_officer"},
    "create_user": {"admin"},
    "change_user": {"admin"},
    "deactivate_user": {"admin"},
    "reset_password": {"admin"},
    "create_token": {"admin"},
    "revoke_token": {"admin"},
    # the scoring weights: each allowed change is a new version
    "change_scoring": {"admin"},
    "set_scoring_value": {"admin"},
}


def next_weight(engine: Engine) -> float:
    """A hazard-closure weight other than the one in force: every change must change something."""
    return active_config(engine).district.weights["hazard_closure"] + 1


def next_scoring(engine: Engine) -> dict:
    """The configuration in force with one weight changed, under no new version name."""
    config = active_config(engine).as_dict()
    config["district"]["weights"]["hazard_closure"] = next_weight(engine)
    return config


DRAFT = IncidentDraft("leak", 2, "patrol", *IN_JIANGAN, "江岸区测试地址", "巡查闻到燃气味")
ADMIN = ACTORS["admin"]
_names = count()  # of the accounts and token sources made here


def jiangan_incident(engine: Engine) -> str:
    result = commands.report_incident(engine, ADMIN, DRAFT)
    assert isinstance(result, Done), result
    return result.subject


def free_jiangan_team(engine: Engine) -> str:
    with engine.connect() as connection:
        states = dict(connection.execute(select(TeamState.team_id, TeamState.status)).all())
        ours = connection.scalars(select(Team.id).where(Team.district == JIANGAN).order_by(Team.id))
        return next(team for team in ours if states.get(team, "available") in FREE)


def close_all(engine: Engine) -> None:
    """Close what an actor left open, so that its teams are free for the next actor."""
    with engine.connect() as connection:
        still_open = connection.scalars(select(Incident.id).where(Incident.status != "closed"))
        for incident_id in still_open.all():
            assert isinstance(commands.close_incident(engine, ADMIN, incident_id, "测试结束"), Done)


def dispatched(engine: Engine) -> tuple[str, str]:
    incident, team = jiangan_incident(engine), free_jiangan_team(engine)
    assert isinstance(commands.dispatch_teams(engine, ADMIN, incident, [team], 5), Done)
    return incident, team


def jiangan_alarm(engine: Engine) -> str:
    """A new alarm of a Jiang'an sensor that never had one (on either database)."""
    alarmed = select(Alarm.sensor_id).where(Alarm.sensor_id.is_not(None))
    with engine.connect() as connection:
        sensor = connection.execute(
            select(Sensor.id, Sensor.high)
            .where(Sensor.high.is_not(None), Sensor.district == JIANGAN, Sensor.id.not_in(alarmed))
            .order_by(Sensor.id)
        ).first()
    assert sensor is not None, "the demo city has run out of Jiang'an sensors to alarm"
    reading = SensorReading(sensor_id=sensor.id, value=sensor.high * 3)
    event = Event.of(reading, id=f"reading-{sensor.id}", occurred_at=datetime.now(UTC))
    append_events(engine, [Incoming("scada", event)])
    with engine.connect() as connection:
        return connection.scalar(
            select(Alarm.id).where(Alarm.sensor_id == sensor.id, Alarm.status == "raised")
        )


def jiangan_hazard(engine: Engine) -> str:
    """A new hazard at a Jiang'an site (every step of the loop: test_hazard_loop.py)."""
    return report_hazard(engine, fresh("HZ-ROLE"))[0]


def checklists_published(engine: Engine) -> tuple:
    commands.publish_builtin_checklists(engine)
    return ()


def issue_to_jiangan(engine: Engine, user: User) -> object:
    deadline = datetime.now(UTC) + timedelta(days=14)
    return commands.issue_task(
        engine, user, title="日常监督检查", checklist_id="daily-supervision",
        districts=[JIANGAN], target_types=["site"], deadline=deadline,
    )  # fmt: skip


def city_task(engine: Engine) -> str:
    """A task the city's office issued to Jiang'an."""
    checklists_published(engine)
    result = issue_to_jiangan(engine, ADMIN)
    assert isinstance(result, Done), result
    return result.subject


def detainable(engine: Engine) -> tuple:
    """A new cylinder of the enterprise actor's, last scanned in Jiang'an."""
    return (detention_tests.cylinder(engine),)


def detain(engine: Engine, user: User, code: str) -> object:
    recall_by = datetime.now(UTC).date() + timedelta(days=3)
    return commands.detain_cylinder(engine, user, code, reason="超期未检", recall_by=recall_by)


def detained(engine: Engine) -> tuple:
    """A detention of such a cylinder, and a site of its enterprise to recall it to."""
    code = detention_tests.cylinder(engine)
    return detention_tests.detain(engine, code), detention_tests.site_of(engine)


def recalled(engine: Engine) -> tuple:
    detention_id, site = detained(engine)
    assert isinstance(
        commands.record_recall(engine, detention_tests.OWNER, detention_id, site), Done
    )
    return (detention_id,)


def scrap(engine: Engine, user: User, detention_id: str) -> object:
    return commands.scrap_cylinder(engine, user, detention_id, note="瓶体严重腐蚀")


def new_complaint(engine: Engine) -> str:
    """A complaint just received in Jiang'an, naming the enterprise actor (held by the city)."""
    return receive_complaint(engine, fresh("CMP-ROLE"), enterprise_id="ENT-0001")


def complaint_at_enterprise(engine: Engine) -> str:
    """Such a complaint passed down to the district and on to the enterprise."""
    complaint_id = new_complaint(engine)
    assert isinstance(commands.assign_complaint(engine, ADMIN, complaint_id), Done)
    assert isinstance(commands.assign_complaint(engine, ADMIN, complaint_id, "ENT-0001"), Done)
    return complaint_id


def replied_complaint(engine: Engine) -> tuple:
    complaint_id = complaint_at_enterprise(engine)
    assert isinstance(commands.reply_complaint(engine, ADMIN, complaint_id, "已上门处理"), Done)
    return (complaint_id, 5)


def fresh(prefix: str) -> str:
    """A username or token source not used before."""
    return f"{prefix}-{next(_names)}"


def new_account(engine: Engine) -> str:
    username = fresh("user")
    assert isinstance(commands.create_user(engine, ADMIN, username, "hash", Role.LEADER), Done)
    return username


def new_token(engine: Engine) -> int:
    issued = commands.create_token(engine, ADMIN, fresh("source"), ["team.position"])
    assert isinstance(issued, commands.TokenIssued), issued
    return issued.token_id


# Each command: what it acts on, made fresh for every actor (made by the admin, before the
# count), and the command itself.
Setup = Callable[[Engine], tuple]
Run = Callable[..., object]
COMMANDS: dict[str, tuple[Setup, Run]] = {
    "acknowledge_alarm": (lambda e: (jiangan_alarm(e),), commands.acknowledge_alarm),
    "escalate_alarm": (lambda e: (jiangan_alarm(e),), commands.escalate_alarm),
    "report_incident": (lambda e: (DRAFT,), commands.report_incident),
    "dispatch_teams": (
        lambda e: (jiangan_incident(e), [free_jiangan_team(e)], 5),
        commands.dispatch_teams,
    ),
    "report_team_status": (lambda e: (*dispatched(e), "en_route"), commands.report_team_status),
    "post_incident_update": (
        lambda e: (jiangan_incident(e), "现场已警戒"),
        commands.post_incident_update,
    ),
    "request_notification": (
        lambda e: (jiangan_incident(e), ["city", "district"]),
        commands.request_notification,
    ),
    "close_incident": (lambda e: (dispatched(e)[0], "漏点已处置完毕"), commands.close_incident),
    "move_hazard": (lambda e: (jiangan_hazard(e), "assign"), commands.move_hazard),
    "issue_task": (checklists_published, issue_to_jiangan),
    "complete_task": (lambda e: (city_task(e),), commands.complete_task),
    "cancel_task": (lambda e: (city_task(e), "另行安排"), commands.cancel_task),
    "publish_checklist": (
        lambda e: (fresh("checklist"), "燃气报警器专项检查", ["报警器安装到位"]),
        commands.publish_checklist,
    ),
    "detain_cylinder": (detainable, detain),
    "record_recall": (detained, commands.record_recall),
    "release_cylinder": (recalled, commands.release_cylinder),
    "scrap_cylinder": (recalled, scrap),
    "assign_complaint": (lambda e: (new_complaint(e),), commands.assign_complaint),
    "reply_complaint": (
        lambda e: (complaint_at_enterprise(e), "已回访处理"),
        commands.reply_complaint,
    ),
    "close_complaint": (replied_complaint, commands.close_complaint),
    "escalate_complaint": (lambda e: (new_complaint(e), "催办"), commands.escalate_complaint),
    "turn_complaint_into_hazard": (
        lambda e: (new_complaint(e),),
        commands.turn_complaint_into_hazard,
    ),
    "turn_complaint_into_incident": (
        lambda e: (new_complaint(e),),
        commands.turn_complaint_into_incident,
    ),
    "create_user": (lambda e: (fresh("user"), "hash", Role.LEADER), commands.create_user),
    "change_user": (lambda e: (new_account(e), Role.SUPERVISOR), commands.change_user),
    "deactivate_user": (lambda e: (new_account(e),), commands.deactivate_user),
    "reset_password": (lambda e: (new_account(e), "hash2"), commands.reset_password),
    "create_token": (lambda e: (fresh("source"), ["team.position"]), commands.create_token),
    "revoke_token": (lambda e: (new_token(e),), commands.revoke_token),
    "change_scoring": (lambda e: (next_scoring(e),), commands.change_scoring),
    "set_scoring_value": (
        lambda e: ("district.weights.hazard_closure", next_weight(e)),
        commands.set_scoring_value,
    ),
}
# The refusal of a role that may never take the action (its text: dashboard/texts/refusals.py).
ROLE_REFUSAL = {
    "acknowledge_alarm": "role.acknowledge_alarm",
    "escalate_alarm": "role.escalate_alarm",
    "report_incident": "role.report_incident",
    "dispatch_teams": "role.dispatch",
    "report_team_status": "role.report_team_status",
    "post_incident_update": "role.post_incident_update",
    "request_notification": "role.notify",
    "close_incident": "role.close_incident",
    "move_hazard": "role.assign_hazard",
    "issue_task": "role.issue_task",
    "complete_task": "role.complete_task",
    "cancel_task": "role.cancel_task",
    "publish_checklist": "role.publish_checklist",
    "assign_complaint": "role.assign_complaint",
    "reply_complaint": "role.reply_complaint",
    "close_complaint": "role.close_complaint",
    "escalate_complaint": "role.escalate_complaint",
    "turn_complaint_into_hazard": "role.complaint_to_hazard",
    "turn_complaint_into_incident": "role.complaint_to_incident",
    "detain_cylinder": "role.detain_cylinder",
    "record_recall": "role.recall_cylinder",
    "release_cylinder": "role.close_detention",
    "scrap_cylinder": "role.close_detention",
    **dict.fromkeys(
        (
            "create_user",
            "change_user",
            "deactivate_user",
            "reset_password",
            "create_token",
            "revoke_token",
        ),
        "role.administer",
    ),
    "change_scoring": "role.change_scoring",
    "set_scoring_value": "role.change_scoring",
}


# A role that may take the action, refused for this object: a district office may withdraw only
# the tasks it issued itself (another district's task is refused as unknown, as ever).
OFFICE_REFUSAL = {
    ("cancel_task", "district_officer"): "task_office.cancel",
    ("cancel_task", "district_officer_elsewhere"): "unknown",
    # a new complaint is the city's: its district's office gets it once passed down
    ("assign_complaint", "district_officer"): "complaint_holder.assign_city",
    ("assign_complaint", "district_officer_elsewhere"): "unknown",
}


def log_tail(engine: Engine, after: int) -> list[tuple[str, str | None]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(EventRecord.source, EventRecord.actor).where(EventRecord.seq > after)
        )
        return [tuple(row) for row in rows]


def newest_seq(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.coalesce(func.max(EventRecord.seq), 0))) or 0)


def test_every_command_has_its_expectations_written_here():
    assert set(COMMANDS) == set(ALLOWED) == set(ROLE_REFUSAL)
    public = {name for name in commands.__all__ if name[0].islower()}
    # the system's own: the notifier's records, the rules runner's escalations, the built-in
    # checklists
    assert public - set(COMMANDS) == {
        "record_notification",
        "record_hazard_notification",
        "record_detention_notification",
        "escalate_overdue_hazards",
        "escalate_late_complaints",
        "escalate_late_recalls",
        "publish_builtin_checklists",
        "file_qr_complaint",  # the public's, from the QR check (actor "public", no login)
        "user_source",
    }


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_role_is_allowed_or_refused_and_a_refusal_records_nothing(city, command):
    setup, run = COMMANDS[command]
    for actor, user in ACTORS.items():
        arguments = setup(city)
        before = newest_seq(city)
        result = run(city, user, *arguments)
        logged = log_tail(city, before)
        if actor in ALLOWED[command]:
            assert isinstance(result, Done), (command, actor, result)
            # the action is the user's; the system may follow it (a notification request)
            assert logged[0] == (f"user:{user.username}", user.username), (command, actor)
        else:
            assert isinstance(result, Refused), (command, actor, result)
            # where the role may act, another district's objects are refused as if they did not
            # exist, and a new incident there as outside the officer's district
            wanted = OFFICE_REFUSAL.get((command, actor), ROLE_REFUSAL[command])
            if actor == "district_officer_elsewhere" and "district_officer" in ALLOWED[command]:
                wanted = "outside_district" if command == "report_incident" else "unknown"
            assert result.reason == wanted, (command, actor, result)
            assert logged == [], (command, actor, logged)
        close_all(city)
