"""One way to say who did something (dashboard/actors.py): people by their display name,
sources by their name in the reader's language, enterprises and teams by name, never a raw
code such as `user:duty`, `source:field-app` or `ENT-0017`."""

from __future__ import annotations

import pytest

from dashboard.actors import channel_name, team_status_here, who

NAMES = {"duty": "值班员 王敏", "ENT-0017": "武汉市天然气有限公司", "TEAM-001": "抢险一队"}


@pytest.mark.parametrize(
    ("actor", "lang", "shown"),
    [
        ("user:duty", "zh", "值班员 王敏"),
        ("duty", "en", "值班员 王敏"),  # `by` of a desk command: the login
        ("field-app", "zh", "外勤App"),
        ("field-app", "en", "Field app"),
        ("user:field-app", "zh", "外勤App"),  # the simulated desk's identity
        ("source:field-app", "en", "Field app"),
        ("hotline-96511", "zh", "96511 燃气服务热线"),
        ("ENT-0017", "zh", "武汉市天然气有限公司"),  # an enterprise's own token
        ("source:ENT-0017", "zh", "接入来源 武汉市天然气有限公司"),
        ("source:duty", "zh", "接入来源 值班员 王敏"),
        ("source:partner-desk", "en", "source partner-desk"),  # an unknown source, marked
        ("system", "zh", "系统"),
        (None, "zh", ""),
    ],
)
def test_who_names_people_and_sources(actor, lang, shown):
    assert who(actor, lang, NAMES) == shown


def test_an_ingest_sources_claim_is_never_shown_as_the_desk_user():
    assert who("source:duty", "zh", NAMES) != who("user:duty", "zh", NAMES)


def test_channels_and_team_statuses_in_words():
    assert channel_name("in_app", "zh") == "站内通知"
    assert channel_name("in_app", "en") == "In-app"
    assert channel_name("pager", "en") == "pager"  # an outside channel keeps its name
    assert team_status_here("released", "zh") == "已调离（另有任务）"
    assert team_status_here("on_scene", "en") == "On scene"
