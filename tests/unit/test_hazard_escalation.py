"""The escalation rule of overdue hazards (dashboard/domain/hazards.py), which the backfill
applies and the live rules runner will: steps, and one event id per hazard and level."""

from __future__ import annotations

from datetime import timedelta

from dashboard.domain.hazards import (
    ESCALATION_NOTES,
    MAX_ID_LENGTH,
    escalation_id,
    escalation_steps,
)


def test_a_general_hazard_goes_to_the_district_after_a_day_and_the_city_after_a_week() -> None:
    assert escalation_steps("general") == (
        ("district", timedelta(days=1)),
        ("city", timedelta(days=7)),
    )


def test_a_major_hazard_goes_to_the_city_as_soon_as_it_is_overdue() -> None:
    assert escalation_steps("major") == (("city", timedelta(0)),)


def test_every_step_has_a_note() -> None:
    for level in ("general", "major"):
        for step, _ in escalation_steps(level):
            assert ESCALATION_NOTES[(level, step)]


def test_escalation_ids_are_stable_and_fit_an_event_id() -> None:
    assert escalation_id("hazard-INS-abcde-000001-2", "city") == (
        "escalate:hazard-INS-abcde-000001-2:city"
    )
    long = escalation_id("h" * MAX_ID_LENGTH, "district")
    assert len(long) <= MAX_ID_LENGTH
    assert long == escalation_id("h" * MAX_ID_LENGTH, "district")
    assert long != escalation_id("h" * MAX_ID_LENGTH, "city")
