"""Complaint rules (dashboard/domain/complaints.py): limits by category, the chain's steps, late
escalations once per missed limit, timeliness and satisfaction on hand-computed numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboard.domain import complaints as rules

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.mark.parametrize(
    ("label", "hours"),
    [
        ("燃气异味", 12),
        ("检验超期", 24),
        ("企业不符", 48),
        ("配送人员不符", 48),
        ("企业信息不符", 48),
        ("送气工信息不符", 48),
        ("送气不及时", 24),
        ("安检问题", 72),
        ("气量不足", 72),
        ("服务态度", 120),
        ("收费问题", 120),
        ("其他", 120),
        ("一个没列出的类别", 120),
    ],
)
def test_each_category_has_its_time_limit(label, hours):
    assert rules.time_limit(label) == hours * H
    assert rules.due_at(label, T0) == T0 + hours * H


def test_safety_categories_are_counted_in_hours_and_service_ones_in_days():
    for category in rules.CATEGORIES:
        if category.safety:
            assert category.limit <= 48 * H, category
        else:
            assert category.limit >= 24 * H, category
    # the public QR page's four choices are all known categories
    for label in ("企业不符", "配送人员不符", "检验超期", "其他"):
        assert rules.category_of(label) is not None


def test_the_chain_goes_city_district_enterprise():
    assert rules.next_handler(None) == "district"
    assert rules.next_handler("city") == "district"
    assert rules.next_handler("district") == "enterprise"
    assert rules.next_handler("enterprise") is None


def test_the_steps_follow_the_status_and_the_holder():
    assert rules.steps_from("received", "city") == (
        "assign", "escalate", "to_hazard", "to_incident",
    )  # fmt: skip
    assert rules.steps_from("assigned", "district") == (
        "assign", "reply", "escalate", "to_hazard", "to_incident",
    )  # fmt: skip
    assert rules.steps_from("escalated", "enterprise", converted=True) == ("reply", "escalate")
    assert rules.steps_from("replied", "enterprise") == ("close", "to_hazard", "to_incident")
    assert rules.steps_from("closed", "enterprise") == ()


def test_late_means_open_past_due():
    due = T0 + 12 * H
    assert not rules.is_late("assigned", due, due)
    assert rules.is_late("assigned", due, due + timedelta(seconds=1))
    assert rules.is_late("replied", due, due + H)
    assert not rules.is_late("closed", due, due + H)
    assert not rules.is_late("received", None, due + H)


def test_a_late_complaint_is_escalated_once_for_each_limit_it_misses():
    label, due = "燃气异味", T0 + 12 * H  # a 12-hour limit
    assert rules.late_ordinal(label, due, due) == 0
    assert rules.late_ordinal(label, due, due + H) == 1
    assert rules.late_ordinal(label, due, due + 11 * H) == 1
    assert rules.late_ordinal(label, due, due + 12 * H) == 2
    assert rules.late_ordinal(label, due, due + 25 * H) == 3
    assert rules.escalation_due(label, due, 0, False, due + H) == 1
    assert rules.escalation_due(label, due, 1, False, due + H) == 0  # written already
    assert rules.escalation_due(label, due, 1, False, due + 13 * H) == 2
    assert rules.escalation_due(label, due, 0, True, due + 13 * H) == 0  # answered: not again
    # a complaint escalated by hand before it was late: that counts for its first limit
    assert rules.escalation_due(label, due, 1, False, due + H) == 0


def test_late_escalation_ids_are_stable_and_short():
    assert rules.late_escalation_id("CMP-1", 2) == "complaint-late:CMP-1:2"
    long_id = "C" * 128
    event_id = rules.late_escalation_id(long_id, 3)
    assert len(event_id) <= 128 and event_id.endswith(":3")
    assert event_id == rules.late_escalation_id(long_id, 3)
    assert "12 小时" in rules.late_note("燃气异味", 1)


def test_satisfaction_is_a_whole_number_from_one_to_five():
    assert [rules.valid_satisfaction(s) for s in (0, 1, 5, 6)] == [False, True, True, False]
    assert not rules.valid_satisfaction(True)
    assert not rules.valid_satisfaction(4.5)
    assert not rules.valid_satisfaction("5")


def test_timeliness_and_satisfaction_on_hand_computed_numbers():
    now = T0 + 100 * H
    due = T0 + 24 * H
    rows = [
        ("closed", due, T0 + 20 * H, 5),  # in time
        ("closed", due, due, 4),  # on the minute: in time
        ("closed", due, due + H, 2),  # late
        ("closed", due, T0 + 30 * H, None),  # late, not rated
        ("assigned", due, None, None),  # open past due: late
        ("replied", now + H, None, None),  # open, not yet due
    ]
    figures = rules.figures(rows, now)
    assert (figures.received, figures.closed, figures.timely, figures.late) == (6, 4, 2, 1)
    assert figures.timeliness == pytest.approx(2 / 4)
    assert figures.satisfaction == pytest.approx((5 + 4 + 2) / 3)
    empty = rules.figures([], now)
    assert empty.timeliness is None and empty.satisfaction is None
