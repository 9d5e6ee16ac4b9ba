"""The live streams, one module each; `build_streams(city)` makes one of every kind.

A stream has three steps: `prepare()` (decide who does what, independent of the volume),
`natural_rate()` (its events per simulated second at volume 1, so `--rate` can scale the volume
streams), and `start(t0)` (schedule its first steps). Streams that others use (the emergency
stream's teams, the sensors' alarm episodes, the inspections' push) are built even when switched
off, so that scenarios and other streams can still call on them; only enabled streams start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulators.city import City


class Stream:
    name = ""

    def __init__(self, city: City) -> None:
        self.city = city
        self.world = city.world
        self.rng = city.rng(self.name)

    def prepare(self) -> None:
        """Decide the stream's cast; nothing is scheduled yet."""

    def natural_rate(self) -> float:
        """Events per simulated second at volume 1 (a daily mean)."""
        return 0.0

    def start(self, t0: float) -> None:
        """Schedule the stream's first steps."""

    def sources(self) -> set[str]:
        return set()


def build_streams(city: City) -> dict[str, Stream]:
    from simulators.streams.complaints import ComplaintStream
    from simulators.streams.cylinders import CylinderStream
    from simulators.streams.emergency import EmergencyStream
    from simulators.streams.excavations import ExcavationStream
    from simulators.streams.inspections import InspectionStream
    from simulators.streams.sensors import SensorStream
    from simulators.streams.violations import ViolationStream

    streams: list[Stream] = [
        CylinderStream(city),
        SensorStream(city),
        InspectionStream(city),
        EmergencyStream(city),
        ComplaintStream(city),
        ViolationStream(city),
        ExcavationStream(city),
    ]
    return {stream.name: stream for stream in streams}
