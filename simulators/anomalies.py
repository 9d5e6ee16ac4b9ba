"""Anomalies: the faults real enterprise systems and field apps produce, at configurable rates.

Each kind has a rate: the probability that one eligible occasion turns out wrong (a filling, an
order, a delivery, a truck load, an event). `Anomalies.roll(kind)` decides one occasion and counts
both the occasions and the anomalies, so tests can check the rates and the run summary can say
how many of each were sent. Every decision draws from the anomaly stream's own generator, and only
when the kind's rate is above zero: with anomalies off, the city's other streams are exactly the
same as with them on, up to the faults themselves.

What each kind does and what the gateway answers (all accepted unless said otherwise):

- black_cylinder: a filling station fills a cylinder whose code was never registered (黑气瓶); it
  then goes round the chain like any other; the system raises a black_cylinder finding.
- overdue_filling: a cylinder past its inspection or scrap date is filled (system finding).
- no_real_name_sale: a delivery without a sale to a real-name customer: either no sale scan at
  all, or a sale recorded to a customer who is not real-name verified (system finding).
- unregistered_worker: a delivery by a worker the registry does not know; the scans are accepted,
  the safety check naming that worker is rejected `unknown_reference` (expected).
- skipped_stage: a truck load leaves without its transport scan (stage_out_of_order finding).
- duplicate: an event is sent again a little later with the same id (answered `duplicate`).
- out_of_order: a scan, reading or team position is sent late, after newer events.
- disconnect: a source's connection drops; it reconnects and resends every unacked frame (resent
  events come back `duplicate` when the gateway had committed them already).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping

ANOMALY_KINDS: dict[str, str] = {
    "black_cylinder": "per filling: an unregistered cylinder is filled and enters the chain",
    "overdue_filling": "per filling: a cylinder past its inspection or scrap date is filled",
    "no_real_name_sale": "per order: delivered without a sale to a real-name customer",
    "unregistered_worker": "per delivery: an unregistered worker delivers (safety check rejected)",
    "skipped_stage": "per cylinder loaded on a truck: the transport scan is skipped",
    "duplicate": "per event: the same event is sent again later",
    "out_of_order": "per scan, reading or team position: sent late, after newer events",
    "disconnect": "per event of a source: the connection drops and unacked frames are resent",
}

DEFAULT_RATES: dict[str, float] = {
    "black_cylinder": 0.002,
    "overdue_filling": 0.003,
    "no_real_name_sale": 0.004,
    "unregistered_worker": 0.002,
    "skipped_stage": 0.002,
    "duplicate": 0.001,
    "out_of_order": 0.001,
    "disconnect": 0.0002,
}

# The event types whose late arrival cannot break a later event (nothing refers to them).
OUT_OF_ORDER_TYPES = frozenset({"cylinder.scanned", "sensor.reading", "team.position"})


def anomaly_rates(overall: float | None, overrides: Mapping[str, float] | None = None) -> dict:
    """Per-kind rates: the defaults, every kind set to `overall` if given, then `overrides`."""
    rates = dict.fromkeys(ANOMALY_KINDS, overall) if overall is not None else dict(DEFAULT_RATES)
    for kind, rate in (overrides or {}).items():
        if kind not in ANOMALY_KINDS:
            known = ", ".join(ANOMALY_KINDS)
            raise ValueError(f"unknown anomaly kind {kind!r} (known: {known})")
        rates[kind] = rate
    for kind, rate in rates.items():
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"anomaly rate of {kind} must be within 0..1, not {rate}")
    return rates


class Anomalies:
    """Decides anomalies and counts them (`sent`) and their occasions (`occasions`)."""

    def __init__(self, rates: Mapping[str, float], rng: random.Random) -> None:
        self.rates = dict(rates)
        self.rng = rng
        self.occasions: Counter[str] = Counter()
        self.sent: Counter[str] = Counter()

    def roll(self, kind: str, factor: float = 1.0) -> bool:
        """One occasion of `kind`: True if it goes wrong this time. `factor`: the district's
        and enterprise's traits (simulators/district_traits.py) times the kind's rate."""
        self.occasions[kind] += 1
        rate = self.rates.get(kind, 0.0)
        if factor != 1.0 and rate > 0.0:
            from simulators.district_traits import scaled_rate

            rate = scaled_rate(rate, factor)
        if rate <= 0.0 or self.rng.random() >= rate:
            return False
        self.sent[kind] += 1
        return True

    def uniform(self, low: float, high: float) -> float:
        return self.rng.uniform(low, high)

    @property
    def enabled(self) -> bool:
        return any(rate > 0 for rate in self.rates.values())
