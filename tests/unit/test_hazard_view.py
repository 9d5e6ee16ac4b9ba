"""How a hazard's history and time left read."""

from datetime import timedelta

from dashboard.hazard_view import duration, history_note


def test_an_escalations_level_is_put_into_words_and_other_notes_stay():
    note = "district: 隐患超期 1 天未销号，提交区燃气管理办公室督办"
    assert (
        history_note("escalated", note, "zh")
        == "区级督办：隐患超期 1 天未销号，提交区燃气管理办公室督办"
    )
    assert history_note("escalated", "city: late", "en") == "To the city: late"
    assert history_note("rectified", "district: 已整改", "zh") == "district: 已整改"  # as written
    assert history_note("escalated", None, "zh") == ""


def test_a_span_reads_in_its_largest_whole_unit():
    assert duration(timedelta(days=3, hours=5), "zh") == "3 天"
    assert duration(timedelta(hours=5, minutes=59), "en") == "5 h"
    assert duration(timedelta(minutes=59), "en") == "59 min"
