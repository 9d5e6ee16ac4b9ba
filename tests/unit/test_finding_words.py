"""A cylinder finding's particulars (the map's anomaly tooltip, the detail panels) read in the
user's language: the projections' English sentences are worded, stages and pressures too."""

from __future__ import annotations

import re

import pytest

from callbacks.one_map_detail import finding_text

CYLINDER_SENTENCES = (  # as data_access/projections/cylinders.py writes them
    "cylinder WH9970620001 is not registered",
    "filled past its scrap date 2026-11-30",
    "filled past its inspection due date 2026-11-30",
    "stage transport after inspection",
    "delivered without a preceding sale to a customer",
    "sold to C-00013113, who is not a real-name-verified customer",
    "delivered to C-1 but sold to C-2",
    "filling of a detained cylinder (在线扣瓶)",
    "delivery of a detained cylinder (在线扣瓶)",
)
LATIN_WORD = re.compile(r"\b[a-z]{3,}\b")  # an English word left in a Chinese text


@pytest.mark.parametrize("sentence", CYLINDER_SENTENCES)
def test_a_cylinder_finding_reads_in_chinese(sentence: str) -> None:
    words = finding_text(sentence, "zh")
    assert not LATIN_WORD.search(words), words


def test_stages_are_words_in_either_language() -> None:
    assert finding_text("stage transport after inspection", "zh") == "“检验”之后直接“运输”"
    english = finding_text("stage transport after inspection", "en")
    assert english == "Transport right after Inspection"


def test_a_detained_cylinder_in_use_names_the_stage() -> None:
    assert finding_text("delivery of a detained cylinder (在线扣瓶)", "zh") == (
        "被扣押（在线扣瓶）期间仍被配送"
    )
    assert (
        finding_text("filling of a detained cylinder (在线扣瓶)", "en") == "Filling while detained"
    )


def test_an_unknown_sentence_is_kept_rather_than_lost() -> None:
    assert finding_text("something new", "zh") == "something new"
