"""The cylinder rules of dashboard/domain/cylinders.py: a cylinder's status, reading a code out
of what a search box got, the chain completeness, the funnel's order."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.domain import cylinders
from dashboard.domain.cylinders import (
    ALLOWED_NEXT,
    PROBLEM_KINDS,
    STAGES,
    code_from_scan,
    completeness,
    cylinder_status,
    funnel_order,
)
from data_access.projections import cylinders as projection
from data_access.projections import findings

TODAY = date(2026, 12, 3)


def status(**given: object) -> str:
    values: dict[str, object] = {
        "registered": True,
        "last_stage": "use",
        "detained": False,
        "next_inspection_due": date(2027, 1, 1),
        "scrap_due": date(2034, 1, 1),
        "today": TODAY,
    }
    values.update(given)
    return cylinder_status(**values)  # type: ignore[arg-type]


def test_a_registered_cylinder_in_date_is_in_service() -> None:
    assert status() == "in_service"
    assert status(next_inspection_due=TODAY) == "in_service"  # due today: not yet passed


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"next_inspection_due": date(2026, 12, 2)}, "overdue"),
        ({"scrap_due": date(2026, 1, 1)}, "overdue"),
        ({"detained": True}, "detained"),
        ({"detained": True, "scrap_due": date(2026, 1, 1)}, "detained"),  # detained says more
        ({"last_stage": "scrap", "detained": True}, "scrapped"),
        ({"registered": False, "last_stage": "scrap"}, "black"),  # black whatever it does
        ({"registered": False, "next_inspection_due": None, "scrap_due": None}, "black"),
    ],
)
def test_the_first_status_that_holds_wins(given: dict[str, object], expected: str) -> None:
    assert status(**given) == expected


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("WH-00012345", "WH-00012345"),
        ("  XX0001  ", "XX0001"),
        ("https://gas.wuhan.gov.cn/q/WH-77", "WH-77"),
        ("https://gas.wuhan.gov.cn/q/WH-77/", "WH-77"),
        ("http://host:8080/app/q/AB.12_3?from=wechat", "AB.12_3"),
        ("https://host/trace?code=CN%3A001&x=1", "CN:001"),
        ("/q/WH-5", "WH-5"),
    ],
)
def test_a_code_is_read_from_a_bare_code_or_a_scanned_link(typed: str, code: str) -> None:
    assert code_from_scan(typed) == code


@pytest.mark.parametrize(
    "typed",
    [
        None,
        "",
        "   ",
        "two words",
        "<script>",
        "https://host/other/WH-1",
        "https://host/q/",
        "https://host/?code=",
        "x" * 65,
        "-leading-dash",
        "https://host/q/a b",
    ],
)
def test_anything_else_holds_no_code(typed: str | None) -> None:
    assert code_from_scan(typed) is None


def test_completeness_is_a_share_of_the_deliveries_and_none_without_any() -> None:
    assert completeness(0, 0) is None
    assert completeness(4, 3) == 0.75
    assert completeness(4, 4) == 1.0
    assert completeness(2, 5) == 1.0  # never above a whole
    assert completeness(3, -1) == 0.0


def test_the_funnel_runs_the_8_plus_1_chain_in_order() -> None:
    assert STAGES[0] == "inspection" and STAGES[-1] == "recovery" and len(STAGES) == 8
    assert [funnel_order(s) for s in STAGES] == list(range(8))
    assert funnel_order("scrap") == 8 and funnel_order("nonsense") == 8
    assert ALLOWED_NEXT["recovery"] >= {"inspection", "filling"}
    assert ALLOWED_NEXT["scrap"] == frozenset()


def test_the_projection_uses_the_domains_stages_and_the_problem_kinds_are_the_findings() -> None:
    assert projection.STAGES is cylinders.STAGES and projection.ALLOWED_NEXT is ALLOWED_NEXT
    raised = {
        findings.BLACK,
        findings.OVERDUE,
        findings.OUT_OF_ORDER,
        findings.NO_SALE,
        findings.DETAINED_IN_USE,
    }
    assert set(PROBLEM_KINDS) == raised
