"""The districts' and enterprises' character: what makes one district rank above another.

A year of history is only worth ranking if the districts differ the way real ones do: one office
inspects everything but lets hazards drag on, another fixes fast but misses a fifth of its objects,
a third sits far from the teams. `CityTraits.of(world, seed)` gives every district and every
bottled-gas enterprise explicit traits, deterministic from the seed and the registry's codes, and
the streams read them (the backfill turns them on; a live run keeps `CityTraits.neutral()`, where
every trait is the streams' own default).

District traits (which stream reads each, and what it changes):

- coverage (inspections, the quarter's plan): share of the objects due the office inspects;
  good 0.98-1.0, poor 0.72-0.82.
- hazard_rate (inspections, each checklist item): times the items failed; good 0.6, poor 1.8.
- rectification (the hazard loop): times the late and never-rectified shares; good 0.3, poor 2.4.
- real_name (cylinders, each order and truck load): times the sales without real name and the
  skipped transport scans; good 1, poor 12-20.
- check_photos (cylinders, each delivery): share of deliveries that get their safety check with
  the four photos; good 0.98-1.0, poor 0.78-0.85.
- response_delay_min (emergency, the stand-in dispatch): extra minutes before the teams set off
  (teams far away, slow call handling); good 0-0.3, poor 4-7.
- complaint_late (complaints, each answer): share answered past the time limit (and so rated
  lower); good 0.04-0.07, poor 0.35-0.45.
- black_cylinders (cylinders, each filling at the district's stations): times the black-cylinder
  fillings; good 0.3-0.6, poor 3-4.

Each district gets an archetype (ARCHETYPES: which traits are good, fair or poor), dealt in
turn over the districts in an order shuffled by the seed, so any seed has every archetype once
the city has as many districts as archetypes (Wuhan's 13 have each at least once); each value is
then drawn within its level's range. Enterprise traits (ENTERPRISE_KINDS: exemplary, ordinary,
sloppy, rogue) multiply the same chain anomalies (real name, black cylinders) and weight who the
law-enforcement inspectors catch (violations: also the share of chain anomalies followed by a
violation), so low traceability, 12-point suspensions and the
red and black lists land on some enterprises and not others.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields

Level = str  # good | fair | poor

# (good, fair, poor) ranges of every district trait; "good" is always better for the index.
DISTRICT_RANGES: dict[str, tuple[tuple[float, float], ...]] = {
    "coverage": ((0.98, 1.0), (0.88, 0.95), (0.72, 0.82)),
    "hazard_rate": ((0.6, 0.8), (0.9, 1.1), (1.4, 1.8)),
    "rectification": ((0.3, 0.5), (0.8, 1.2), (1.8, 2.4)),
    "real_name": ((1.0, 1.5), (2.0, 4.0), (12.0, 20.0)),
    "check_photos": ((0.98, 1.0), (0.92, 0.96), (0.78, 0.85)),
    "response_delay_min": ((0.0, 0.3), (0.4, 1.0), (4.0, 7.0)),
    "complaint_late": ((0.04, 0.07), (0.10, 0.16), (0.35, 0.45)),
    "black_cylinders": ((0.3, 0.6), (0.8, 1.2), (3.0, 4.0)),
}
LEVELS: tuple[Level, ...] = ("good", "fair", "poor")

# Which traits an archetype has good or poor (the rest fair). The order is the deal's.
ARCHETYPES: dict[str, dict[str, Level]] = {
    "model": dict.fromkeys(DISTRICT_RANGES, "good"),
    "thorough_but_slow": {"coverage": "good", "rectification": "poor", "complaint_late": "poor"},
    "quick_but_thin": {"coverage": "poor", "rectification": "good", "hazard_rate": "good"},
    "lax_chain": {"real_name": "poor", "check_photos": "poor", "black_cylinders": "poor"},
    "remote": {"response_delay_min": "poor", "complaint_late": "poor", "coverage": "good"},
    "struggling": {
        "coverage": "poor",
        "rectification": "poor",
        "hazard_rate": "poor",
        "response_delay_min": "poor",
    },
    "average": {},
}


@dataclass(frozen=True)
class DistrictTraits:
    """One district's character (module docstring); `neutral()` is the streams' defaults."""

    archetype: str = "neutral"
    coverage: float | None = None  # None: the planner's own draw
    hazard_rate: float = 1.0
    rectification: float = 1.0
    real_name: float = 1.0
    check_photos: float = 1.0
    response_delay_min: float = 0.0
    complaint_late: float | None = None  # None: the complaint stream's LATE_SHARE
    black_cylinders: float = 1.0


# (real_name, black_cylinders, violations) multipliers and the share of enterprises of each kind.
# The violations weight picks whom law enforcement catches among the enterprises: at the streams'
# pace an enterprise averages about 20 points a year, so ordinary ones must weigh less than 1 for
# suspension at 12 to stay the exception (Linhai) and land on the sloppy and rogue ones.
ENTERPRISE_KINDS: dict[str, tuple[float, float, float]] = {
    "exemplary": (0.3, 0.2, 0.1),
    "ordinary": (1.0, 1.0, 0.3),
    "sloppy": (4.0, 3.0, 3.0),
    "rogue": (10.0, 8.0, 6.0),
}
SLOPPY_SHARE = 1 / 6
ROGUE_SHARE = 1 / 12
EXEMPLARY_SHARE = 1 / 4
MAX_ANOMALY_RATE = 0.35  # a combined rate never goes above this (a chain is mostly honest)


@dataclass(frozen=True)
class EnterpriseTraits:
    kind: str = "ordinary"
    real_name: float = 1.0
    black_cylinders: float = 1.0
    violations: float = 1.0


NEUTRAL_DISTRICT = DistrictTraits()
NEUTRAL_ENTERPRISE = EnterpriseTraits()


@dataclass(frozen=True)
class CityTraits:
    districts: Mapping[str, DistrictTraits] = field(default_factory=dict)
    enterprises: Mapping[str, EnterpriseTraits] = field(default_factory=dict)

    @classmethod
    def neutral(cls) -> CityTraits:
        return cls()

    @classmethod
    def of(cls, world: object, seed: int) -> CityTraits:
        """The traits of the world's districts and bottled-gas enterprises for `seed`."""
        districts = [d.code for d in getattr(world, "districts", [])]
        enterprises = [e.id for e in getattr(world, "enterprises", []) if e.kind == "bottled"]
        return cls.of_codes(districts, enterprises, seed)

    @classmethod
    def of_codes(
        cls, districts: Iterable[str], enterprises: Iterable[str], seed: int
    ) -> CityTraits:
        return cls(district_traits(districts, seed), enterprise_traits(enterprises, seed))

    def district(self, code: str | None) -> DistrictTraits:
        return self.districts.get(code or "", NEUTRAL_DISTRICT)

    def enterprise(self, enterprise_id: str | None) -> EnterpriseTraits:
        return self.enterprises.get(enterprise_id or "", NEUTRAL_ENTERPRISE)

    @property
    def active(self) -> bool:
        return bool(self.districts or self.enterprises)


def district_traits(codes: Iterable[str], seed: int) -> dict[str, DistrictTraits]:
    """Every district's traits: archetypes dealt over a seeded shuffle, values drawn in range."""
    order = sorted(set(codes))
    _rng(seed, "district-traits/deal").shuffle(order)
    names = list(ARCHETYPES)
    out: dict[str, DistrictTraits] = {}
    for k, code in enumerate(order):
        archetype = names[k % len(names)]
        rng = _rng(seed, "district-traits", code)
        values: dict[str, float] = {}
        for trait, ranges in DISTRICT_RANGES.items():
            level = ARCHETYPES[archetype].get(trait, "fair")
            low, high = ranges[LEVELS.index(level)]
            values[trait] = round(rng.uniform(low, high), 3)
        out[code] = DistrictTraits(archetype=archetype, **values)
    return out


def enterprise_traits(ids: Iterable[str], seed: int) -> dict[str, EnterpriseTraits]:
    """Bottled-gas enterprises: a seeded few rogue and sloppy, a quarter exemplary, the rest
    ordinary (at least one rogue and one sloppy as soon as there are four)."""
    order = sorted(set(ids))
    _rng(seed, "enterprise-traits").shuffle(order)
    n = len(order)
    rogue = max(1, round(n * ROGUE_SHARE)) if n >= 4 else 0
    sloppy = max(1, round(n * SLOPPY_SHARE)) if n >= 4 else 0
    exemplary = round(n * EXEMPLARY_SHARE)
    out: dict[str, EnterpriseTraits] = {}
    for k, enterprise_id in enumerate(order):
        if k < rogue:
            kind = "rogue"
        elif k < rogue + sloppy:
            kind = "sloppy"
        elif k < rogue + sloppy + exemplary:
            kind = "exemplary"
        else:
            kind = "ordinary"
        out[enterprise_id] = EnterpriseTraits(kind, *ENTERPRISE_KINDS[kind])
    return out


def scaled_rate(rate: float, *factors: float) -> float:
    """A base anomaly rate times the traits' factors, capped (MAX_ANOMALY_RATE)."""
    for factor in factors:
        rate *= factor
    return min(rate, MAX_ANOMALY_RATE)


def describe(traits: CityTraits) -> list[str]:
    """One line per district (docs, the backfill's summary)."""
    lines = []
    for code, d in sorted(traits.districts.items()):
        values = ", ".join(
            f"{f.name} {getattr(d, f.name)}" for f in fields(d) if f.name != "archetype"
        )
        lines.append(f"{code} {d.archetype}: {values}")
    return lines


def _rng(seed: int, *parts: object) -> random.Random:
    digest = hashlib.sha256("/".join(str(p) for p in (seed, *parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


__all__ = [
    "ARCHETYPES",
    "DISTRICT_RANGES",
    "ENTERPRISE_KINDS",
    "CityTraits",
    "DistrictTraits",
    "EnterpriseTraits",
    "describe",
    "district_traits",
    "enterprise_traits",
    "scaled_rate",
]
