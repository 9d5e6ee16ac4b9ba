"""The "8+1" LPG cylinder chain, as each bottled-gas enterprise's own system reports it.

Every bottled-gas enterprise with a filling station is one source (its enterprise id) sending
`cylinder.scanned` and `delivery.safety_checked` for its own registered cylinders, sites, workers
and real-name customers (Fuzhou's traceability system, seeds/001). The model is a pull supply
chain, so every scan happens because something needed it:

- A customer uses a cylinder for a while (a 15 kg household cylinder about a month, a
  restaurant's 50 kg one about ten days; `PERIOD_DAYS`). When it runs empty, the customer orders:
  orders follow the "orders" rhythm, before lunch and dinner, few at night.
- The supply point nearest to the customer sells a full cylinder from its stock to the real-name
  customer (sale); a delivery worker brings it 15-50 minutes later (delivery, so deliveries peak
  near 11:00 and 17:30), checks the installation with four photos (delivery.safety_checked),
  connects it (use) and takes the empty one back (recovery).
- When a point's stock runs low the enterprise's truck brings full cylinders from the filling
  station (transport at the station, storage at the point) and collects the empties.
- Before the truck is loaded the station fills what it needs: the pre-filling check (inspection)
  and the filling, in working hours.

So each order costs nine events: recovery, inspection, filling, transport, storage, sale,
delivery, safety check and use. Only cylinders that stay within their inspection and scrap dates
for the whole run take part; the overdue ones are the anomalies' (simulators/anomalies.py).

A second run on the same database continues the chain: each cylinder starts from the stage the
command center last recorded for it (cylinder_states), so no scan is out of order.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from simulators.clock import DAY, HOUR, MINUTE
from simulators.core import ACCEPTED, rejected
from simulators.places import km
from simulators.streams import Stream
from simulators.world import Customer, Cylinder, Enterprise, Site

EVENTS_PER_CYCLE = 9
PERIOD_DAYS = {"household": 30.0, "commercial": 3.0, "industrial": 2.0}  # for 15 kg
IN_USE_SHARE = 0.65  # of an enterprise's cylinders, at most, are with customers
PASS_RATE = 0.94  # safety checks that find nothing
LEAD_TIME_S = 10 * HOUR  # from a low stock to the truck's arrival, at worst (overnight)
SAFETY_FINDINGS = (
    "胶管老化开裂",
    "胶管长度超过2米",
    "未安装燃气泄漏报警器",
    "灶具无熄火保护装置",
    "气瓶与灶具间距不足1米",
    "用气场所通风不良",
    "减压阀漏气",
)


@dataclass
class Firm:
    """One bottled-gas enterprise's chain: its places, people, customers and cylinders."""

    enterprise: Enterprise
    rng: random.Random
    station: Site
    points: list[Site]
    fillers: list[str]
    drivers: list[str]
    deliverers_at: list[list[str]]
    vehicles: list[str]
    active: list[Customer]  # real-name customers who hold one of its cylinders
    unverified: list[Customer]
    normal: list[Cylinder]
    overdue: list[Cylinder]
    period: dict[str, float] = field(default_factory=dict)  # customer -> days per cylinder
    point_of: dict[str, int] = field(default_factory=dict)
    holding: dict[str, str] = field(default_factory=dict)  # customer -> code in use
    capacity: dict[str, float] = field(default_factory=dict)
    stock: list[deque[str]] = field(default_factory=list)
    empties: list[list[str]] = field(default_factory=list)
    backorders: list[deque[str]] = field(default_factory=list)
    target: list[int] = field(default_factory=list)
    reorder: list[int] = field(default_factory=list)
    truck_pending: set[int] = field(default_factory=set)
    station_full: deque[str] = field(default_factory=deque)
    station_empty: deque[str] = field(default_factory=deque)
    withdrawn: set[str] = field(default_factory=set)  # anomalies' cylinders: out when back
    next_overdue: int = 0

    @property
    def source(self) -> str:
        return self.enterprise.id


class CylinderStream(Stream):
    name = "cylinders"

    def prepare(self) -> None:
        w = self.world
        city = self.city
        today = city.today
        horizon = today + timedelta(days=city.options.valid_margin_days)
        states = w.cylinder_states
        self.code_prefix = w.cylinders[0].code[:2] if w.cylinders else "XX"
        self.black_serial = 0
        self.black_base = int(city.run_tag.encode().hex(), 16) % 100_000
        self.firms: list[Firm] = []
        for e in w.bottled:
            sites = w.sites_of[e.id]
            stations = [s for s in sites if s.kind == "filling_station"]
            if not stations:
                continue
            points = [s for s in sites if s.kind == "supply_point"] or [stations[0]]
            cylinders = w.cylinders_of[e.id]
            normal = [
                c
                for c in cylinders
                if c.valid_until() > horizon
                and (c.code not in states or states[c.code].stage != "scrap")
            ]
            if not normal:
                continue
            overdue = [c for c in cylinders if c.valid_until() < today]
            customers = w.customers_of[e.id]
            verified = [c for c in customers if c.real_name]
            rng = city.rng(f"cylinders/{e.id}")
            rng.shuffle(verified)
            active = verified[: min(len(verified), int(IN_USE_SHARE * len(normal)))]
            anyone = [wk.id for wk in w.workers if wk.enterprise_id == e.id]
            fillers = _ids(w.workers_of[(e.id, "filler")]) or anyone
            drivers = _ids(w.workers_of[(e.id, "driver")]) or anyone
            deliverers = _ids(w.workers_of[(e.id, "delivery")]) or anyone
            if not deliverers:
                continue  # nobody to deliver: its system would have nothing to report
            deliverers_at: list[list[str]] = [[] for _ in points]
            for k, worker in enumerate(deliverers):
                deliverers_at[k % len(points)].append(worker)
            for k in range(len(points)):
                deliverers_at[k] = deliverers_at[k] or deliverers
            trucks = max(1, min(len(drivers), 6))
            firm = Firm(
                enterprise=e,
                rng=rng,
                station=stations[0],
                points=points,
                fillers=fillers or deliverers,
                drivers=drivers or deliverers,
                deliverers_at=deliverers_at,
                vehicles=[f"{e.id}-TRK-{k + 1:02d}" for k in range(trucks)],
                active=active,
                unverified=[c for c in customers if not c.real_name],
                normal=normal,
                overdue=overdue,
            )
            for c in active:
                firm.point_of[c.id] = _nearest(c, points)
            for c in customers:
                firm.point_of.setdefault(c.id, _nearest(c, points))
            firm.capacity = {c.code: c.capacity_kg for c in cylinders}
            for c in active:
                firm.period[c.id] = PERIOD_DAYS[c.kind] * rng.uniform(0.7, 1.3)
            self.firms.append(firm)
        self.sampling = w.scale_of("customers", len(w.customers))
        self.trait_rng = self.city.rng("cylinders/traits")

    def natural_rate(self) -> float:
        orders = sum(1.0 / (days * DAY) for firm in self.firms for days in firm.period.values())
        return orders * EVENTS_PER_CYCLE * self.sampling

    def sources(self) -> set[str]:
        return {firm.source for firm in self.firms}

    # --- start: where every cylinder is -----------------------------------------------------

    def start(self, t0: float) -> None:
        self.v = self.city.volume(self.name) * self.sampling  # consumption runs v times faster
        self.vp = max(self.v, 1.0)  # and so do the chain's own steps when v > 1
        self.orders = self.city.rhythm("orders")
        self.work = self.city.rhythm("work")
        for firm in self.firms:
            self._start_firm(firm, t0)

    def _start_firm(self, firm: Firm, t0: float) -> None:
        n = len(firm.points)
        firm.stock = [deque() for _ in range(n)]
        firm.empties = [[] for _ in range(n)]
        firm.backorders = [deque() for _ in range(n)]
        active = {c.id for c in firm.active}
        states = self.world.cylinder_states
        fresh: deque[str] = deque()
        # Deliveries under way first, so that a customer who was being served gets the new
        # cylinder and gives the old one back; then everything else where it was.
        for cylinder in firm.normal:
            state = states.get(cylinder.code)
            under_way = state is not None and state.stage in ("sale", "delivery")
            if under_way and state.holder_type == "customer" and state.holder_id in active:
                self._finish_delivery(firm, cylinder.code, state, t0)
        for cylinder in firm.normal:
            state = states.get(cylinder.code)
            if state is None:
                fresh.append(cylinder.code)
            elif firm.holding.get(state.holder_id or "") != cylinder.code:
                self._resume(firm, cylinder.code, state, active, t0)
        for customer in firm.active:
            if customer.id in firm.holding or not fresh:
                continue
            code = fresh.popleft()
            firm.holding[customer.id] = code
            self._schedule_empty(t0, firm, customer.id, phase=firm.rng.random())
        demand = [0.0] * n  # orders per simulated second at each point
        for customer in firm.active:
            demand[firm.point_of[customer.id]] += self.v / (firm.period[customer.id] * DAY)
        lead = LEAD_TIME_S / self.vp
        firm.target = [max(3, math.ceil(d * lead * 1.5)) for d in demand]
        firm.reorder = [max(1, math.ceil(d * lead * 0.75)) for d in demand]
        for p in range(n):
            while len(firm.stock[p]) < firm.target[p] and fresh:
                firm.stock[p].append(fresh.popleft())
        while len(firm.station_full) < sum(firm.target) // 2 and fresh:
            firm.station_full.append(fresh.popleft())
        firm.station_empty.extend(fresh)

    def _finish_delivery(self, firm: Firm, code: str, state: Any, t0: float) -> None:
        """A cylinder sold (or delivered) but not yet connected when the last run stopped:
        deliver and connect it now; the customer's previous cylinder comes back."""
        holder = state.holder_id
        customer = self.world.customer[holder]
        p = firm.point_of[holder]
        worker = firm.rng.choice(firm.deliverers_at[p])
        at = (customer.lat, customer.lon)
        if state.stage == "sale":
            self._scan(t0, firm, code, "delivery", *at, worker=worker, customer=holder)
            self._safety_check(t0, firm, code, holder, worker)
        self._scan(t0, firm, code, "use", *at, worker=worker, customer=holder)
        previous = firm.holding.get(holder)
        if previous is not None:  # two deliveries under way for one customer: the first goes
            self._recover(t0, firm, previous, holder, worker)
        firm.holding[holder] = code
        self._schedule_empty(t0, firm, holder, phase=firm.rng.random())

    def _recover(self, t0: float, firm: Firm, code: str, holder: str, worker: str) -> None:
        customer = self.world.customer[holder]
        p = firm.point_of[holder]
        point = firm.points[p]
        self._scan(
            t0, firm, code, "recovery", customer.lat, customer.lon, site=point.id, worker=worker
        )
        firm.empties[p].append(code)

    def _resume(self, firm: Firm, code: str, state: Any, active: set[str], t0: float) -> None:
        """Place a cylinder the command center already knows at the stage it reached (and
        finish a transport or a filling that was under way)."""
        stage, holder = state.stage, state.holder_id
        if stage in ("use", "delivery", "sale"):
            if state.holder_type != "customer" or holder not in active:
                return  # with a customer this run does not simulate: it stays there
            if stage != "use":
                return  # a second delivery under way for one customer: left as it is
            if holder in firm.holding:  # the customer just got a new one: this one comes back
                worker = firm.rng.choice(firm.deliverers_at[firm.point_of[holder]])
                self._recover(t0, firm, code, holder, worker)
                return
            firm.holding[holder] = code
            self._schedule_empty(t0, firm, holder, phase=firm.rng.random())
        elif stage == "storage":
            ids = [p.id for p in firm.points]
            firm.stock[ids.index(state.site_id) if state.site_id in ids else 0].append(code)
        elif stage == "transport":
            point = firm.points[0]
            self._scan(t0, firm, code, "storage", point.lat, point.lon, site=point.id)
            firm.stock[0].append(code)
        elif stage == "inspection":
            station = firm.station
            self._scan(
                t0,
                firm,
                code,
                "filling",
                station.lat,
                station.lon,
                site=station.id,
                worker=firm.rng.choice(firm.fillers),
            )
            firm.station_full.append(code)
        elif stage == "filling":
            firm.station_full.append(code)
        elif stage == "recovery":
            firm.station_empty.append(code)
        # scrap: out of the chain for good

    # --- orders -----------------------------------------------------------------------------

    def _schedule_empty(self, t: float, firm: Firm, customer_id: str, phase: float = 1.0) -> None:
        code = firm.holding[customer_id]
        days = firm.period[customer_id] * firm.capacity.get(code, 15.0) / 15.0
        when = self.orders.advance(t, phase * days * DAY / self.v)
        self.city.scheduler.call(when, self._order, firm, customer_id)

    def _order(self, t: float, firm: Firm, customer_id: str) -> None:
        p = firm.point_of[customer_id]
        if not firm.stock[p]:
            firm.backorders[p].append(customer_id)
            self._need_truck(t, firm, p)
            return
        self._serve(t, firm, p, customer_id, firm.stock[p].popleft())
        if len(firm.stock[p]) <= firm.reorder[p]:
            self._need_truck(t, firm, p)

    def _serve(self, t: float, firm: Firm, p: int, customer_id: str, new: str) -> None:
        rng, rolls, vp = firm.rng, self.city.anomalies, self.vp
        customer = self.world.customer[customer_id]
        point = firm.points[p]
        old = firm.holding.get(customer_id)
        worker = rng.choice(firm.deliverers_at[p])
        check_expect, check_anomaly = ACCEPTED, None
        if rolls.roll("unregistered_worker"):
            worker = f"W-X{rng.randrange(100_000):05d}"  # never a registered worker id
            check_expect, check_anomaly = rejected("unknown_reference"), "unregistered_worker"
        buyer: str | None = customer_id
        delivery_anomaly = None
        if rolls.roll("no_real_name_sale", self._lax(firm, customer.district)):
            delivery_anomaly = "no_real_name_sale"
            self._follow_up(t, delivery_anomaly, firm)
            if firm.unverified and rng.random() < 0.5:
                buyer = rng.choice(firm.unverified).id  # sold to someone not real-name verified
            else:
                buyer = None  # delivered with no sale scanned at all
        if buyer is not None:
            self._scan(
                t,
                firm,
                new,
                "sale",
                point.lat,
                point.lon,
                site=point.id,
                worker=worker,
                customer=buyer,
            )
        t_delivery = t + rng.uniform(15.0, 50.0) * MINUTE / vp
        self._scan(
            t_delivery,
            firm,
            new,
            "delivery",
            customer.lat,
            customer.lon,
            worker=worker,
            customer=customer_id,
            anomaly=delivery_anomaly,
        )
        if old is not None:
            self._scan(
                t_delivery + rng.uniform(1.0, 3.0) * MINUTE / vp,
                firm,
                old,
                "recovery",
                customer.lat,
                customer.lon,
                site=point.id,
                worker=worker,
            )
            self.city.scheduler.call(t_delivery + 30 * MINUTE / vp, self._returned, firm, p, old)
        t_check = t_delivery + rng.uniform(3.0, 8.0) * MINUTE / vp
        if self._checks(customer.district):
            self._safety_check(t_check, firm, new, customer_id, worker, check_expect, check_anomaly)
        t_use = t_check + MINUTE / vp
        self._scan(
            t_use, firm, new, "use", customer.lat, customer.lon, worker=worker, customer=customer_id
        )
        firm.holding[customer_id] = new
        self._schedule_empty(t_use, firm, customer_id)

    def _returned(self, t: float, firm: Firm, p: int, code: str) -> None:
        firm.empties[p].append(code)

    # --- trucks and the filling station -----------------------------------------------------

    def _need_truck(self, t: float, firm: Firm, p: int) -> None:
        if p in firm.truck_pending:
            return
        firm.truck_pending.add(p)
        depart = self.work.advance(t, firm.rng.uniform(0.25, 1.5) * HOUR / self.vp)
        self.city.scheduler.call(depart, self._truck, firm, p)

    def _truck(self, t: float, firm: Firm, p: int) -> None:
        rng, vp, rolls = firm.rng, self.vp, self.city.anomalies
        need = max(firm.target[p] - len(firm.stock[p]), 0) + len(firm.backorders[p])
        need = max(need, 1)
        ready = t
        if need > len(firm.station_full):
            ready = self._fill(t, firm, need - len(firm.station_full))
        load = [firm.station_full.popleft() for _ in range(min(need, len(firm.station_full)))]
        if not load:  # nothing to carry yet: look again in two working hours
            firm.truck_pending.discard(p)
            again = self.work.advance(t, 2 * HOUR / vp)
            self.city.scheduler.call(again, self._recheck, firm, p)
            return
        station, point = firm.station, firm.points[p]
        driver, vehicle = rng.choice(firm.drivers), rng.choice(firm.vehicles)
        leave = ready + rng.uniform(5.0, 15.0) * MINUTE / vp
        step = 4.0 / vp
        skipped: set[str] = set()
        lax = self._lax(firm, point.district)
        for i, code in enumerate(load):
            if rolls.roll("skipped_stage", lax):
                skipped.add(code)
                continue
            self._scan(
                leave + i * step,
                firm,
                code,
                "transport",
                station.lat,
                station.lon,
                site=station.id,
                worker=driver,
                vehicle=vehicle,
            )
        road_km = km((station.lat, station.lon), (point.lat, point.lon)) * 1.3
        travel = (road_km / rng.uniform(25.0, 40.0) * HOUR + 10 * MINUTE) / vp
        arrive = leave + len(load) * step + travel
        for i, code in enumerate(load):
            self._scan(
                arrive + i * step,
                firm,
                code,
                "storage",
                point.lat,
                point.lon,
                site=point.id,
                worker=driver,
                vehicle=vehicle,
                anomaly="skipped_stage" if code in skipped else None,
            )
        done = arrive + len(load) * step
        self.city.scheduler.call(done, self._arrived, firm, p, load, travel)

    def _recheck(self, t: float, firm: Firm, p: int) -> None:
        if firm.backorders[p] or len(firm.stock[p]) <= firm.reorder[p]:
            self._need_truck(t, firm, p)

    def _arrived(self, t: float, firm: Firm, p: int, load: list[str], travel: float) -> None:
        firm.stock[p].extend(load)
        firm.truck_pending.discard(p)
        empties, firm.empties[p] = firm.empties[p], []
        if empties:
            self.city.scheduler.call(t + travel, self._back_at_station, firm, empties)
        while firm.backorders[p] and firm.stock[p]:
            self._serve(t, firm, p, firm.backorders[p].popleft(), firm.stock[p].popleft())
        if firm.backorders[p] or len(firm.stock[p]) <= firm.reorder[p]:
            self._need_truck(t, firm, p)

    def _back_at_station(self, t: float, firm: Firm, codes: list[str]) -> None:
        # The anomalies' cylinders (black, overdue) leave the chain when they come back.
        firm.station_empty.extend(c for c in codes if c not in firm.withdrawn)

    def _fill(self, t: float, firm: Firm, count: int) -> float:
        """Fill up to `count` cylinders from `t`; returns when the last is done."""
        rng, vp = firm.rng, self.vp
        station = firm.station
        per = 40.0 / len(firm.fillers) / vp
        when = t
        for _ in range(count):
            filler = rng.choice(firm.fillers)
            at_station = (station.lat, station.lon)
            anomaly, code = self._filling_anomaly(firm)
            if anomaly is not None:
                firm.withdrawn.add(code)
                self._scan(
                    when, firm, code, "filling", *at_station, site=station.id, worker=filler,
                    anomaly=anomaly,
                )  # fmt: skip
                self._follow_up(when, anomaly, firm)
            elif firm.station_empty:
                code = firm.station_empty.popleft()
                for stage, delay in (("inspection", 0.0), ("filling", 90.0 / vp)):
                    self._scan(
                        when + delay, firm, code, stage, *at_station, site=station.id,
                        worker=filler,
                    )  # fmt: skip
            else:
                break
            firm.station_full.append(code)
            when += per
        return when + 2 * MINUTE / vp

    def _filling_anomaly(self, firm: Firm) -> tuple[str | None, str]:
        """A black cylinder or an overdue one to fill, if the anomaly rolls say so (in this
        order, so that a seed keeps giving the same stream)."""
        rolls = self.city.anomalies
        traits = self.city.traits
        black = traits.enterprise(firm.enterprise.id).black_cylinders
        black *= traits.district(firm.station.district).black_cylinders
        if rolls.roll("black_cylinder", black):
            return "black_cylinder", self._black_code()
        if firm.overdue and rolls.roll("overdue_filling"):
            code = firm.overdue[firm.next_overdue % len(firm.overdue)].code
            firm.next_overdue += 1
            return "overdue_filling", code
        return None, ""

    def _follow_up(self, t: float, anomaly: str, firm: Firm) -> None:
        self.city.streams["violations"].follow_up(t, anomaly, firm.enterprise.id)  # type: ignore[attr-defined]

    def _black_code(self) -> str:
        """A code in the registry's format that no registry holds (9 followed by 9+ digits)."""
        self.black_serial += 1
        return f"{self.code_prefix}9{self.black_base:05d}{self.black_serial:04d}"

    # --- events -----------------------------------------------------------------------------

    def _scan(
        self,
        t: float,
        firm: Firm,
        code: str,
        stage: str,
        lat: float,
        lon: float,
        *,
        site: str | None = None,
        worker: str | None = None,
        vehicle: str | None = None,
        customer: str | None = None,
        anomaly: str | None = None,
    ) -> None:
        data: dict[str, Any] = {"code": code, "stage": stage}
        if site is not None:
            data["site_id"] = site
        if worker is not None:
            data["worker_id"] = worker
        if vehicle is not None:
            data["vehicle_id"] = vehicle
        if customer is not None:
            data["customer_id"] = customer
        data["lat"], data["lon"] = lat, lon
        self.city.emit(t, firm.source, "cylinder.scanned", data, anomaly=anomaly)

    def _lax(self, firm: Firm, district: str) -> float:
        """How much more often than the default the enterprise's chain skips a real-name sale or
        a scan in `district` (simulators/district_traits.py, real_name)."""
        traits = self.city.traits
        return traits.enterprise(firm.enterprise.id).real_name * traits.district(district).real_name

    def _checks(self, district: str) -> bool:
        """Whether a delivery in `district` gets its safety check with the four photos (the
        district's check_photos share; its own draws, so the chain's stay as they are)."""
        share = self.city.traits.district(district).check_photos
        return share >= 1.0 or self.trait_rng.random() < share

    def _safety_check(
        self,
        t: float,
        firm: Firm,
        code: str,
        customer_id: str,
        worker: str,
        expect: str = ACCEPTED,
        anomaly: str | None = None,
    ) -> None:
        taken = self.city.occurred_local(t).strftime("%Y-%m-%d %H:%M")
        data: dict[str, Any] = {
            "code": code,
            "customer_id": customer_id,
            "worker_id": worker,
            "passed": True,
            "photos": self.city.photos.safety_check(code, customer_id, taken),
        }
        if firm.rng.random() >= PASS_RATE:
            data["passed"] = False
            data["findings"] = firm.rng.sample(SAFETY_FINDINGS, firm.rng.randint(1, 2))
        self.city.emit(
            t, firm.source, "delivery.safety_checked", data, expect=expect, anomaly=anomaly
        )


def _ids(workers: list[Any]) -> list[str]:
    return [w.id for w in workers]


def _nearest(customer: Customer, points: list[Site]) -> int:
    """Index of the point nearest to the customer (flat-earth distance is plenty here)."""
    best, best_d = 0, math.inf
    for k, point in enumerate(points):
        d = (point.lat - customer.lat) ** 2 + ((point.lon - customer.lon) * 0.86) ** 2
        if d < best_d:
            best, best_d = k, d
    return best
