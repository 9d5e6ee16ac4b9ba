"""Every rule is defined once, in dashboard/domain/ (docs/architecture.md, "Where rules live").

Copies drift: a status list of the One Map's own lost `en_route`, so an incident whose team was
on its way vanished from the map, and the 20-minute target had five different edges. This test
looks for the tell-tale signs of a rule written again outside the domain, in Python and in the
browser's JavaScript, so a reintroduced copy fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("assets", "bench", "callbacks", "dashboard", "data_access", "pages", "simulators")
DOMAIN = ROOT / "dashboard" / "domain"

# what a copy looks like -> (pattern, copies it must catch: the ones this test replaced)
COPIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "a list of incident statuses": (
        r"""["']reported["'],\s*["']dispatched["']""",
        ('OPEN_INCIDENT = ("reported", "dispatched", "on_scene", "contained", "resolved")',),
    ),
    "twenty minutes in seconds": (r"\b20\s*\*\s*60\b", ("const TARGET_MS = 20 * 60 * 1000;",)),
    "a response target of its own": (
        r"\b\w*TARGET(_MIN|_MS|_S)?\s*=\s*[\dt(]|timedelta\(minutes=20\)",
        (
            "RESPONSE_TARGET_MIN = 20.0",
            "RESPONSE_TARGET = timedelta(minutes=RESPONSE_TARGET_MIN)",
            "const GASCC_RESPONSE_TARGET_MIN = 20;",
            "elapsed > timedelta(minutes=20)",
        ),
    ),
    "a rectification period": (r"timedelta\(days=7\)", ("due_at = now + timedelta(days=7)",)),
    "a 12-point threshold": (
        r"\b(SUSPENSION_POINTS|POINTS_TIME_ZONE)\s*=|points\W*\s*>=\s*12\b",
        ("SUSPENSION_POINTS = 12", 'if total["points"] >= 12:'),
    ),
    "a list of supervised customers": (
        r"""["']commercial["'],\s*["']industrial["']""",
        ('SUPERVISED_CUSTOMERS = ("commercial", "industrial")',),
    ),
    "a status compared with closed": (
        r"""status\W*\s*[!=]=\s*["']closed["']""",
        ('query.where(Hazard.status != "closed")', 'if row["status"] == "closed":'),
    ),
}


def sources() -> list[Path]:
    """The project's Python and JavaScript outside the domain (and outside vendored code)."""
    found = []
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in (".py", ".js") or "vendor" in path.parts:
                continue
            if DOMAIN not in path.parents:
                found.append(path)
    return found


def copies_of(pattern: str) -> list[str]:
    matches = []
    for path in sources():
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(pattern, text):
            line = text.count("\n", 0, match.start()) + 1
            matches.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0)}")
    return matches


@pytest.mark.parametrize("what", COPIES)
def test_no_rule_is_written_again_outside_the_domain(what: str) -> None:
    pattern, _ = COPIES[what]
    assert copies_of(pattern) == [], f"{what}: import it from dashboard/domain/ instead"


@pytest.mark.parametrize("what", COPIES)
def test_each_pattern_catches_the_copies_it_stands_for(what: str) -> None:
    pattern, examples = COPIES[what]
    assert all(re.search(pattern, example) for example in examples)


def test_the_scan_reads_the_browser_code_and_the_queries() -> None:
    scanned = {path.relative_to(ROOT).as_posix() for path in sources()}
    assert {"assets/map.js", "assets/screen.js", "data_access/queries/map_layers.py"} <= scanned
    assert not any(name.startswith("dashboard/domain/") for name in scanned)
