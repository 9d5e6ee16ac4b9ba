"""The four levels read the same in every screen and in both languages: 重大 is "Major" for an
incident and for a hazard, and level 4 (特别重大) never reads milder in English than level 3."""

from __future__ import annotations

from dashboard.i18n import TEXT, t

EXPECTED = {
    "特别重大": "Extremely serious",
    "重大": "Major",
    "较大": "Relatively major",
    "一般": "General",
}


def test_severities_use_the_standard_english_of_the_response_levels() -> None:
    words = [(t(f"severity.{n}", "zh"), t(f"severity.{n}", "en")) for n in (1, 2, 3, 4)]
    assert words == [(zh, EXPECTED[zh]) for zh in ("一般", "较大", "重大", "特别重大")]


def test_a_level_word_has_one_english_wherever_it_is_used() -> None:
    """Every label that is one of the level words (or a colour band named by one) agrees."""
    for key, (zh, en) in TEXT.items():
        level = zh.rpartition(" · ")[2]
        if level in EXPECTED:
            assert en.rpartition(" · ")[2].lower() == EXPECTED[level].lower(), key
    assert t("hazard_level.major", "en") == t("severity.3", "en")
    assert t("hazard_level.general", "en") == t("severity.1", "en")
