"""The four-colour risk band of a district or grid cell (红橙黄蓝), a PROVISIONAL rule.

The scoring issue will replace this with the binding rule of spec/scoring.md; until then the map
shows this band and says that it is provisional. The rule is deliberately plain, so a duty officer
can check a colour by hand:

    points = 3 x major open hazards + 1 x overdue hazards + 5 x incidents in the last 90 days
             + violation points this year
    score  = points per 1,000 supervised objects (enterprises, sites, non-household customers),
             or the raw points where no object is supervised

    red    score >= 20, or any major hazard overdue
    orange score >= 10
    yellow score >= 3
    blue   otherwise

Weights: a major hazard counts three ordinary ones; an incident (an actual leak, fire, explosion)
counts five; overdue is counted on top of open, so a neglected hazard weighs more than a fresh one.
Per 1,000 objects, so that a small central district is not blue merely for being small.
"""

from __future__ import annotations

from dataclasses import dataclass

BANDS = ("blue", "yellow", "orange", "red")  # lowest to highest
BAND_COLOURS = {"blue": "#1e88e5", "yellow": "#fdd835", "orange": "#fb8c00", "red": "#e53935"}
THRESHOLDS = {"red": 20.0, "orange": 10.0, "yellow": 3.0}  # score at or above: that band
WEIGHT_MAJOR_OPEN = 3
WEIGHT_OVERDUE = 1
WEIGHT_INCIDENT_90D = 5


@dataclass(frozen=True)
class RiskInputs:
    """What the rule reads for one area; every count is within the area."""

    major_open: int = 0
    overdue: int = 0
    major_overdue: int = 0
    incidents_90d: int = 0
    violation_points: int = 0
    supervised_objects: int = 0


def risk_score(inputs: RiskInputs) -> float:
    """Weighted points per 1,000 supervised objects (raw points if there are none)."""
    points = (
        WEIGHT_MAJOR_OPEN * inputs.major_open
        + WEIGHT_OVERDUE * inputs.overdue
        + WEIGHT_INCIDENT_90D * inputs.incidents_90d
        + inputs.violation_points
    )
    if inputs.supervised_objects <= 0:
        return float(points)
    return points * 1000.0 / inputs.supervised_objects


def risk_band(inputs: RiskInputs) -> str:
    """One of BANDS; an overdue major hazard is red whatever the score."""
    if inputs.major_overdue > 0:
        return "red"
    score = risk_score(inputs)
    for band in ("red", "orange", "yellow"):
        if score >= THRESHOLDS[band]:
            return band
    return "blue"


def band_rank(band: str) -> int:
    """0 for blue .. 3 for red, so bands can be compared and counted."""
    return BANDS.index(band)
