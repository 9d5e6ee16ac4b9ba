"""One file per enterprise (一企一档, seed 000): what the file flags and how it counts.

- A worker's certificate (上岗证) is expired the day after its expiry date and "expiring" from
  CERTIFICATE_WARNING_DAYS before it: a month is the time an enterprise needs to send a worker
  to the renewal course and exam, so the file warns that early.
- A registered cylinder is in one status, the first that holds of CYLINDER_STATUSES' order:
  scrapped (its last scan was the scrap stage), detained (在线扣瓶), past its scrap date, past
  its inspection date, else in service. Black cylinders (unregistered codes found at the
  enterprise's sites) are counted beside them, never among them: they are nobody's registered
  cylinders.
- Vehicles: there is no vehicle registry; a vehicle is known by the `vehicle_id` its scans carry,
  so the file shows the vehicles seen carrying the enterprise's recently moved cylinders over the
  last VEHICLE_WINDOW (data_access/queries/enterprise_file.py says how it reads them).
"""

from __future__ import annotations

from datetime import date, timedelta

KINDS: tuple[str, ...] = ("pipeline", "bottled", "vehicle")  # 管道气, 瓶装气, 车用气

CERTIFICATE_WARNING_DAYS = 30
CERTIFICATE_STATES: tuple[str, ...] = ("expired", "expiring", "missing", "valid")
FLAGGED_CERTIFICATES: tuple[str, ...] = ("expired", "expiring", "missing")

# In order of precedence: a cylinder is in the first status that holds. The same precedence as
# dashboard/domain/cylinders.py cylinder_status, whose "overdue" the file splits in two.
CYLINDER_STATUSES: tuple[str, ...] = (
    "scrapped",
    "detained",
    "past_scrap",
    "inspection_overdue",
    "in_service",
)
BLACK = "black"  # unregistered codes found at the enterprise's sites

VEHICLE_WINDOW = timedelta(days=30)
VEHICLE_SAMPLE = 200  # the enterprise's most recently moved cylinders whose scans are read
VEHICLE_SCANS_PER_CYLINDER = 16  # the newest events of each: a cycle or two of its chain


def certificate_state(expires: date | None, today: date) -> str:
    """expired, expiring (within CERTIFICATE_WARNING_DAYS, the expiry day included), missing
    (no certificate on record: a worker without one may not work), or valid."""
    if expires is None:
        return "missing"
    if expires < today:
        return "expired"
    if expires <= today + timedelta(days=CERTIFICATE_WARNING_DAYS):
        return "expiring"
    return "valid"


def is_flagged(state: str) -> bool:
    return state in FLAGGED_CERTIFICATES
