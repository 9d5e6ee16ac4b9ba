"""The new-incident form's checks: every mistake named under its own field, in both languages."""

from __future__ import annotations

import pytest

from dashboard.domain.events import Bounds
from dashboard.domain.incident_form import (
    FIELDS,
    MAX_ADDRESS,
    MAX_DESCRIPTION,
    IncidentDraft,
    parse_coordinates,
    validate_incident_form,
)
from dashboard.i18n import TEXT

WUHAN = Bounds(south=29.971759, west=113.696546, north=31.363321, east=115.076849)
GOOD = {
    "kind": "leak",
    "severity": "2",
    "channel": "hotline_96511",
    "coordinates": "30.59, 114.30",
    "address": "江汉路 88 号",
    "description": "居民报告闻到燃气味",
}


def errors_of(**changes) -> dict[str, str]:
    draft, errors = validate_incident_form({**GOOD, **changes}, WUHAN)
    assert draft is None
    return errors


def test_a_complete_form_gives_a_draft_with_typed_values() -> None:
    draft, errors = validate_incident_form(GOOD, WUHAN)
    assert errors == {}
    assert draft == IncidentDraft(
        kind="leak",
        severity=2,
        channel="hotline_96511",
        lat=30.59,
        lon=114.30,
        address="江汉路 88 号",
        description="居民报告闻到燃气味",
    )


def test_an_empty_form_names_every_required_field() -> None:
    _, errors = validate_incident_form({}, WUHAN)
    assert errors == {
        "kind": "form.error.kind_missing",
        "severity": "form.error.severity_missing",
        "location": "form.error.location_missing",
        "address": "form.error.address_missing",
        "description": "form.error.description_missing",
    }


def test_the_channel_defaults_to_the_96511_hotline() -> None:
    draft, _ = validate_incident_form({**GOOD, "channel": None}, WUHAN)
    assert draft is not None and draft.channel == "hotline_96511"


@pytest.mark.parametrize(
    ("changes", "field", "key"),
    [
        ({"kind": ""}, "kind", "form.error.kind_missing"),
        ({"kind": "flood"}, "kind", "form.error.kind_unknown"),
        ({"severity": ""}, "severity", "form.error.severity_missing"),
        ({"severity": "5"}, "severity", "form.error.severity_range"),
        ({"severity": "0"}, "severity", "form.error.severity_range"),
        ({"severity": "2.5"}, "severity", "form.error.severity_range"),
        ({"severity": "high"}, "severity", "form.error.severity_range"),
        ({"channel": "telegram"}, "channel", "form.error.channel_unknown"),
        ({"coordinates": ""}, "location", "form.error.location_missing"),
        ({"coordinates": "somewhere in Wuchang"}, "location", "form.error.coordinates_format"),
        ({"coordinates": "30.59"}, "location", "form.error.coordinates_format"),
        ({"coordinates": "114.30, 30.59"}, "location", "form.error.coordinates_swapped"),
        ({"coordinates": "39.90, 116.40"}, "location", "form.error.outside_city"),
        ({"address": "   "}, "address", "form.error.address_missing"),
        ({"address": "路" * (MAX_ADDRESS + 1)}, "address", "form.error.address_long"),
        ({"description": ""}, "description", "form.error.description_missing"),
        (
            {"description": "气" * (MAX_DESCRIPTION + 1)},
            "description",
            "form.error.description_long",
        ),
    ],
)
def test_each_mistake_is_named_under_its_own_field(changes, field, key) -> None:
    assert errors_of(**changes) == {field: key}


def test_every_error_key_has_chinese_and_english_text() -> None:
    keys = {key for key in TEXT if key.startswith("form.error.")}
    assert len(keys) >= 14
    for key in keys:
        zh, en = TEXT[key]
        assert zh and en and zh != en


def test_each_field_of_the_form_is_one_the_form_names() -> None:
    _, errors = validate_incident_form({}, WUHAN)
    assert set(errors) <= set(FIELDS)


@pytest.mark.parametrize(
    "text",
    ["30.59, 114.30", "30.59，114.30", "30.59 114.30", " 30.59 ,114.30 ", "30.59，  114.30"],
)
def test_coordinates_may_be_typed_with_a_chinese_comma_or_a_space(text: str) -> None:
    assert parse_coordinates(text) == (30.59, 114.30)
    draft, errors = validate_incident_form({**GOOD, "coordinates": text}, WUHAN)
    assert errors == {} and draft is not None and (draft.lat, draft.lon) == (30.59, 114.30)


def test_typed_coordinates_win_over_a_point_clicked_before() -> None:
    form = {**GOOD, "coordinates": "30.60, 114.31", "lat": 30.5, "lon": 114.2}
    draft, _ = validate_incident_form(form, WUHAN)
    assert draft is not None and (draft.lat, draft.lon) == (30.60, 114.31)


def test_a_clicked_point_is_enough_without_typed_coordinates() -> None:
    form = {**GOOD, "coordinates": "", "lat": 30.5, "lon": 114.2}
    draft, _ = validate_incident_form(form, WUHAN)
    assert draft is not None and (draft.lat, draft.lon) == (30.5, 114.2)


def test_a_clicked_point_outside_the_city_is_refused() -> None:
    assert errors_of(coordinates="", lat=22.54, lon=114.06) == {
        "location": "form.error.outside_city"
    }


def test_numbers_are_rounded_to_a_tenth_of_a_metre_and_text_is_trimmed() -> None:
    form = {**GOOD, "coordinates": "30.5912345678, 114.3012345678", "address": "  江汉路  "}
    draft, _ = validate_incident_form(form, WUHAN)
    assert draft is not None
    assert (draft.lat, draft.lon, draft.address) == (30.591235, 114.301235, "江汉路")
