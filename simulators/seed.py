"""The registry generator: a deterministic city of gas enterprises, sites, users and assets.

`python -m simulators seed --scale demo|city|wuhan [--seed N]` fills an empty database with the
master data of a city from its city pack (districts and grid cells): enterprises, sites, workers,
customers, cylinders, municipal pipelines, sensors, emergency teams and resources. The `wuhan`
scale reaches the figures of Wuhan's platform (seeds/000): 72 enterprises, 556 sites,
4.93 million users, 2.01 million cylinders and 4,800 km of municipal pipeline.

Rules that make it reproducible and cheap:

- Every random draw comes from a generator keyed by (seed, table, block): the same seed gives
  identical rows, and each table draws from its own streams (later tables only read what
  earlier ones decided, e.g. cylinders follow each enterprise's bottled-gas customers).
- Every count in a `Scale` is exact for every seed (allocations use largest remainders, not
  independent draws); only attributes vary with the seed.
- Rows are produced and written in batches of `BATCH_ROWS`; nothing holds a whole big table.
- Dates are relative to a fixed reference date (`REFERENCE_DATE`), not to today.

Modelling choices: customers are spread over districts by population times a registration rate
that grows with density (0.30 gas accounts per resident in the outer districts, up to 0.55 in
the centre; `district_customer_weights`), and over grid
cells by area, a pull towards the urban core and some lumpiness; 13 % of households in the
dense central districts and 30 % in the outer ones use bottled gas (about a million users for
2.01 M cylinders, as in Fuzhou's 1.9 cylinders per user); bottled-gas users are 92 % real-name
verified, pipeline users always (their account is opened with an ID). Cylinders are inspected
every 4 years and scrapped after 8: 3 % missed an inspection, 1 % are past scrap (and so also
past their inspection), so about 4 % are overdue. Districts without a pipeline or bottled
enterprise of their own are served by the nearest district's.

Pure Python and numpy: every write goes through `data_access.registry`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString

from dashboard.citypack import CityPack, District, GridCell, random_points_in
from dashboard.domain.events import (
    EnterpriseRegistered,
    SiteRegistered,
    WorkerRegistered,
    choices,
)
from dashboard.geo import EARTH_RADIUS_KM
from data_access import registry
from data_access.db import refresh_statistics

__all__ = [
    "BATCH_ROWS",
    "REFERENCE_DATE",
    "SCALES",
    "RegistryGenerator",
    "RegistryNotEmptyError",
    "Scale",
    "allocate",
    "expected_counts",
    "generate",
    "person_names",
    "polyline_length_m",
    "registry_event",
    "seed_registry",
    "streets_of",
]

REFERENCE_DATE = date(2026, 11, 1)  # "today" for every generated date; fixed for determinism
BATCH_ROWS = 20_000  # rows per insert transaction (and per generation block of big tables)

# LPG steel cylinders: periodic inspection every 4 years, scrapped 8 years after manufacture.
INSPECTION_DAYS = 1461  # 4 years
SCRAP_DAYS = 2922  # 8 years
OVERDUE_SHARE = 0.03  # past the inspection due date but not yet past scrap
PAST_SCRAP_SHARE = 0.01  # still registered 0-400 days after the scrap date
CAPACITIES_KG = (15.0, 5.0, 50.0)  # YSP35.5 household, YSP12 small, YSP118 commercial
CAPACITY_SHARES = (0.78, 0.12, 0.10)

REAL_NAME_SHARE = 0.92  # bottled-gas customers verified under the real-name sale rule
CUSTOMER_KIND_SHARES = {"household": 0.991, "commercial": 0.008, "industrial": 0.001}
# Share of customers on bottled gas by kind; households depend on the district (below).
BOTTLED_SHARE = {"commercial": 0.55, "industrial": 0.20}
BOTTLED_SHARE_URBAN = 0.13  # households in the dense central districts
BOTTLED_SHARE_OUTER = 0.30  # households in the outer districts, where pipes reach fewer homes
URBAN_DENSITY_PER_KM2 = 3000.0  # a district denser than this counts as central
# Gas accounts per resident: pipes and bottled gas reach more homes where people live densely.
ACCOUNTS_PER_RESIDENT_OUTER = 0.30
ACCOUNTS_PER_RESIDENT_CENTRE = 0.55
CENTRE_DENSITY_PER_KM2 = 12_000.0

CERTIFICATE_EXPIRED_SHARE = 0.07
NO_CERTIFICATE_SHARE = 0.03

M_PER_DEG = EARTH_RADIUS_KM * 1000.0 * math.pi / 180.0

# The wire contract's enums, so the generator cannot drift from the event catalogue.
ENTERPRISE_KINDS = choices(EnterpriseRegistered, "kind")
SITE_KINDS = choices(SiteRegistered, "kind")
SITE_OWNER = {
    "filling_station": "bottled",
    "supply_point": "bottled",
    "gate_station": "pipeline",
    "regulator_station": "pipeline",
    "storage": "pipeline",
    "vehicle_station": "vehicle",
}
# Sensors every site of a kind carries (pressure kPa, flow m3/h, methane %LEL).
SITE_SENSORS = {
    "filling_station": ("pressure", "methane", "methane"),
    "supply_point": ("methane",),
    "gate_station": ("pressure", "flow", "methane"),
    "regulator_station": ("pressure", "flow"),
    "storage": ("pressure", "methane", "methane"),
    "vehicle_station": ("pressure", "methane"),
}
SITE_THRESHOLDS = {
    ("filling_station", "pressure"): (100.0, 1600.0),
    ("gate_station", "pressure"): (400.0, 1600.0),
    ("gate_station", "flow"): (0.0, 60000.0),
    ("regulator_station", "pressure"): (50.0, 400.0),
    ("regulator_station", "flow"): (0.0, 8000.0),
    ("storage", "pressure"): (100.0, 1600.0),
    ("vehicle_station", "pressure"): (15000.0, 25000.0),
}
SEGMENT_THRESHOLDS = {
    ("low", "pressure"): (1.0, 5.0),
    ("medium", "pressure"): (50.0, 400.0),
    ("high", "pressure"): (400.0, 1600.0),
    ("low", "flow"): (0.0, 500.0),
    ("medium", "flow"): (0.0, 5000.0),
    ("high", "flow"): (0.0, 20000.0),
}
METHANE_ALARM_LEL = 20.0
PRESSURE_CLASS_SHARES = {"low": 0.60, "medium": 0.32, "high": 0.08}
PRESSURE_CLASS_LENGTH = {"low": 1.0, "medium": 1.6, "high": 3.0}  # relative segment length
SEGMENT_SENSOR_WEIGHT = {"low": 1.0, "medium": 3.0, "high": 6.0}
SEGMENT_FLOW_SHARE = 0.3  # of segment sensors; the rest measure pressure

VEHICLES_PER_TEAM = {"city": 4, "district": 2, "street": 1, "enterprise": 2}
WORKER_ROLES = choices(WorkerRegistered, "role")


# --- scales ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """How big a generated city is. Every figure is an exact row count (pipeline: a length)."""

    name: str
    pipeline_enterprises: int
    bottled_enterprises: int
    vehicle_enterprises: int
    filling_stations: int
    supply_points: int
    gate_stations: int
    regulator_stations: int
    storages: int
    vehicle_stations: int
    customers: int
    cylinders: int
    pipeline_km: float
    pipeline_segments: int
    segment_sensors: int
    area_methane_sensors: int
    city_teams: int
    street_teams: int
    enterprise_teams: int  # pipeline enterprises first, then the largest bottled ones
    supply_depots: int
    experts: int
    fillers: int
    drivers: int
    delivery_workers: int
    inspectors: int
    rescuers: int

    @property
    def enterprises(self) -> int:
        return self.pipeline_enterprises + self.bottled_enterprises + self.vehicle_enterprises

    def enterprises_of(self, kind: str) -> int:
        return {
            "pipeline": self.pipeline_enterprises,
            "bottled": self.bottled_enterprises,
            "vehicle": self.vehicle_enterprises,
        }[kind]

    def sites_of(self, kind: str) -> int:
        return {
            "filling_station": self.filling_stations,
            "supply_point": self.supply_points,
            "gate_station": self.gate_stations,
            "regulator_station": self.regulator_stations,
            "storage": self.storages,
            "vehicle_station": self.vehicle_stations,
        }[kind]

    @property
    def sites(self) -> int:
        return sum(self.sites_of(kind) for kind in SITE_KINDS)

    @property
    def site_sensors(self) -> int:
        return sum(self.sites_of(kind) * len(SITE_SENSORS[kind]) for kind in SITE_KINDS)

    @property
    def sensors(self) -> int:
        return self.site_sensors + self.segment_sensors + self.area_methane_sensors

    def workers_of(self, role: str) -> int:
        return {
            "filler": self.fillers,
            "driver": self.drivers,
            "delivery": self.delivery_workers,
            "inspector": self.inspectors,
            "rescuer": self.rescuers,
        }[role]

    @property
    def workers(self) -> int:
        return sum(self.workers_of(role) for role in WORKER_ROLES)

    def teams(self, districts: int) -> int:
        """Teams for a city of `districts` districts: one district team each."""
        return self.city_teams + districts + self.street_teams + self.enterprise_teams

    def vehicles(self, districts: int) -> int:
        per_level = {
            "city": self.city_teams,
            "district": districts,
            "street": self.street_teams,
            "enterprise": self.enterprise_teams,
        }
        return sum(VEHICLES_PER_TEAM[level] * n for level, n in per_level.items())

    def resources(self, districts: int) -> int:
        return self.vehicles(districts) + self.supply_depots + self.experts

    def scaled(self, factor: float, name: str) -> Scale:
        """The volume tables (users, cylinders, pipelines, their sensors) times `factor`.

        The organisation (enterprises, sites, workers, teams, resources) stays as it is: a
        smaller city still has its companies and stations, just fewer users.
        """
        volume = ("customers", "cylinders", "pipeline_segments", "segment_sensors")
        volume += ("area_methane_sensors",)
        changes: dict[str, Any] = {f: max(1, round(getattr(self, f) * factor)) for f in volume}
        changes["pipeline_km"] = round(self.pipeline_km * factor, 3)
        return replace(self, name=name, **changes)

    def check(self) -> None:
        """Raise ValueError for a scale the generator cannot honour."""
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name != "name" and value < 0:
                raise ValueError(f"scale {self.name}: {f.name} is negative")
        if self.bottled_enterprises < 1 or self.pipeline_enterprises < 1:
            raise ValueError(f"scale {self.name}: needs pipeline and bottled enterprises")
        for kind in SITE_KINDS:
            if self.sites_of(kind) and not self.enterprises_of(SITE_OWNER[kind]):
                raise ValueError(f"scale {self.name}: {kind}s need {SITE_OWNER[kind]} enterprises")
        if self.segment_sensors > self.pipeline_segments:
            raise ValueError(f"scale {self.name}: more segment sensors than segments")
        if self.enterprise_teams > self.enterprises:
            raise ValueError(f"scale {self.name}: more enterprise teams than enterprises")
        if self.pipeline_km > 0 and self.pipeline_segments < 1:
            raise ValueError(f"scale {self.name}: pipeline length without segments")


WUHAN = Scale(
    name="wuhan",
    pipeline_enterprises=12,
    bottled_enterprises=48,
    vehicle_enterprises=12,
    filling_stations=48,
    supply_points=290,
    gate_stations=12,
    regulator_stations=106,
    storages=20,
    vehicle_stations=80,
    customers=4_930_000,
    cylinders=2_010_000,
    pipeline_km=4800.0,
    pipeline_segments=6000,
    segment_sensors=1800,
    area_methane_sensors=600,
    city_teams=3,
    street_teams=20,
    enterprise_teams=24,
    supply_depots=20,
    experts=45,
    fillers=480,
    drivers=420,
    delivery_workers=2900,
    inspectors=700,
    rescuers=600,
)

DEMO = Scale(
    name="demo",
    pipeline_enterprises=6,
    bottled_enterprises=14,
    vehicle_enterprises=4,
    filling_stations=14,
    supply_points=36,
    gate_stations=4,
    regulator_stations=14,
    storages=4,
    vehicle_stations=8,
    customers=20_000,
    cylinders=10_000,
    pipeline_km=300.0,
    pipeline_segments=400,
    segment_sensors=120,
    area_methane_sensors=40,
    city_teams=2,
    street_teams=7,
    enterprise_teams=8,
    supply_depots=6,
    experts=42,
    fillers=70,
    drivers=60,
    delivery_workers=180,
    inspectors=60,
    rescuers=80,
)

# demo: a small city for laptops and tests (every count asserted in tests/integration).
# city: Wuhan's whole organisation (72 enterprises, 556 sites, 60 teams, 5,100 workers) with a
#   tenth of its volume (493,000 users, 201,000 cylinders, 480 km of pipeline): the map and
#   rankings look like Wuhan's, and it seeds in seconds.
# wuhan: the seeds' figures (seeds/000): 72 enterprises, 556 sites, 4.93 M users, 2.01 M
#   cylinders, 4,800 km of municipal pipeline.
SCALES: dict[str, Scale] = {
    "demo": DEMO,
    "city": WUHAN.scaled(0.1, "city"),
    "wuhan": WUHAN,
}


def expected_counts(scale: Scale, pack: CityPack) -> dict[str, int]:
    """The exact number of rows each registry table gets for `scale` in `pack`."""
    n = len(pack.districts)
    return {
        "districts": n,
        "grid_cells": len(pack.grid_cells),
        "enterprises": scale.enterprises,
        "sites": scale.sites,
        "workers": scale.workers,
        "customers": scale.customers,
        "cylinders": scale.cylinders,
        "pipeline_segments": scale.pipeline_segments,
        "sensors": scale.sensors,
        "teams": scale.teams(n),
        "resources": scale.resources(n),
    }


# --- small helpers --------------------------------------------------------------------------

# Stream tags: each table draws from its own generators, so tables do not disturb each other.
_PLAN, _ENT, _SITE, _WORK, _CUST, _CYL, _PIPE, _SENS, _TEAM, _RES = range(1, 11)


def _rng(seed: int, tag: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng([seed, tag, *keys])


def allocate(total: int, weights: Sequence[float] | np.ndarray, minimum: int = 0) -> np.ndarray:
    """Split `total` into integers proportional to `weights` (largest remainder), each at least
    `minimum` when the total allows it. Deterministic: ties go to the earlier index."""
    w = np.asarray(weights, dtype=np.float64)
    n = w.size
    if n == 0:
        if total:
            raise ValueError("cannot allocate a positive total over nothing")
        return np.zeros(0, dtype=np.int64)
    base = np.full(n, minimum if minimum * n <= total else 0, dtype=np.int64)
    rest = total - int(base.sum())
    if w.sum() <= 0:
        w = np.ones(n)
    exact = w / w.sum() * rest
    floors = np.floor(exact).astype(np.int64)
    left = rest - int(floors.sum())
    order = np.argsort(-(exact - floors), kind="stable")
    floors[order[:left]] += 1
    return base + floors


def _shuffled_labels(labels: Sequence[str], counts: np.ndarray, rng: np.random.Generator) -> list:
    """Exactly counts[i] copies of labels[i], in random order."""
    out = np.repeat(np.arange(len(labels)), counts)
    rng.shuffle(out)
    return [labels[i] for i in out]


def polyline_length_m(coords: Sequence[Sequence[float]]) -> float:
    """Great-circle length of [[lat, lon], ...] in metres."""
    a = np.radians(np.asarray(coords, dtype=np.float64))
    if len(a) < 2:
        return 0.0
    lat1, lon1, lat2, lon2 = a[:-1, 0], a[:-1, 1], a[1:, 0], a[1:, 1]
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return float(np.sum(2 * EARTH_RADIUS_KM * 1000.0 * np.arcsin(np.sqrt(np.minimum(h, 1.0)))))


def _days_to_dates(days: np.ndarray) -> list[date]:
    return days.astype("datetime64[D]").tolist()


# --- Chinese names --------------------------------------------------------------------------

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文辉鹏飞斌宇浩凯健俊帆旭宁龙林欢阳"
    "佳玲婷雪慧晶颖琳倩峰波鑫亮宏海东成志新春荣红兵武庆德胜祥利清良金生松兰梅凤云"
)
_SURNAME_P = 1.0 / np.arange(1, len(_SURNAMES) + 1) ** 0.8
_SURNAME_P /= _SURNAME_P.sum()

_BRANDS = (
    "鑫源",
    "恒通",
    "安达",
    "华昌",
    "永泰",
    "汇通",
    "惠民",
    "楚天",
    "江城",
    "汉兴",
    "福源",
    "顺达",
    "金盾",
    "长盛",
    "宏发",
    "益民",
    "天力",
    "瑞丰",
    "中宇",
    "祥和",
    "新能",
    "荆楚",
    "博远",
    "正通",
    "广源",
    "晴川",
    "黄鹤",
    "琴台",
    "东湖",
    "南湖",
    "沙湖",
    "光谷",
    "临江",
    "百顺",
    "嘉诚",
    "协和",
    "兴华",
    "安泰",
    "鸿运",
    "昌盛",
    "联合",
    "通达",
    "美华",
    "三江",
    "汉江",
    "龟山",
    "蛇山",
    "木兰",
    "梁子",
    "盘龙",
    "金桥",
    "汉正",
    "武胜",
    "楚安",
    "民安",
    "安居",
    "佳源",
    "华中",
    "中南",
    "宝丰",
    "鼎盛",
    "泰和",
    "和顺",
    "康泰",
    "永安",
    "宏图",
    "凯达",
    "德信",
    "明辉",
    "远航",
    "海利",
    "利民",
    "亿通",
    "祥瑞",
    "腾达",
    "万家",
    "家和",
    "众安",
    "九州",
    "长江",
    "新港",
    "汉口",
    "汉阳",
    "武昌",
    "青川",
    "阳光",
)
_PIPELINE_SUFFIX = ("燃气有限公司", "天然气有限公司", "燃气发展有限公司")
_BOTTLED_SUFFIX = ("液化气有限公司", "液化石油气有限公司", "燃气供应有限公司")
_VEHICLE_SUFFIX = ("车用燃气有限公司", "清洁能源有限公司", "汽车加气有限公司")

# A few real sub-district (街道) names per Wuhan district, for site and team names.
_STREETS = {
    "420102": ("大智街", "后湖街", "二七街", "谌家矶街"),
    "420103": ("民族街", "汉兴街", "唐家墩街", "北湖街"),
    "420104": ("汉中街", "宗关街", "古田街", "长丰街"),
    "420105": ("建桥街", "四新街", "琴断口街", "永丰街"),
    "420106": ("中华路街", "水果湖街", "徐家棚街", "南湖街"),
    "420107": ("红卫路街", "钢花村街", "青山镇街", "武东街"),
    "420111": ("珞南街", "关山街", "青菱街", "和平街"),
    "420112": ("吴家山街", "金银湖街", "将军路街", "径河街"),
    "420113": ("纱帽街", "东荆街", "湘口街", "邓南街"),
    "420114": ("蔡甸街", "奓山街", "永安街", "大集街"),
    "420115": ("纸坊街", "郑店街", "五里界街", "金口街"),
    "420116": ("前川街", "滠口街", "横店街", "武湖街"),
    "420117": ("邾城街", "阳逻街", "仓埠街", "汪集街"),
}
_CITY_TEAM_NAMES = (
    "燃气应急抢险救援总队",
    "燃气管网抢修支队",
    "瓶装燃气应急处置支队",
    "燃气应急救援特勤队",
)
_VEHICLE_KINDS = ("抢险指挥车", "工程抢险车", "气体检测车", "应急供气车", "气瓶运输车")
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_EXPERT_SKILLS = (
    "pipeline_network",
    "lpg_cylinders",
    "combustion",
    "leak_detection",
    "fire_rescue",
    "structural_safety",
    "pressure_vessels",
    "hazmat",
    "emergency_medicine",
    "regulation",
)
_CERT_PREFIX = {
    "filler": "CZ",
    "driver": "YS",
    "delivery": "PS",
    "inspector": "JC",
    "rescuer": "QX",
}


def person_names(rng: np.random.Generator, n: int) -> list[str]:
    surnames = rng.choice(len(_SURNAMES), size=n, p=_SURNAME_P)
    first = rng.integers(0, len(_GIVEN), n)
    second = rng.integers(0, len(_GIVEN), n)
    double = rng.random(n) < 0.6
    return [
        _SURNAMES[s] + _GIVEN[a] + (_GIVEN[b] if d else "")
        for s, a, b, d in zip(surnames, first, second, double, strict=True)
    ]


def _streets(district: District) -> tuple[str, ...]:
    generic = district.name_zh.removesuffix("区")
    return _STREETS.get(district.code, tuple(f"{generic}第{i}街" for i in range(1, 5)))


def streets_of(district: District) -> tuple[str, ...]:
    """A few sub-district (街道) names of a district (the live simulators' addresses use them)."""
    return _streets(district)


def _place(street: str) -> str:
    """'后湖街' -> '后湖': the part of a street name used in station names."""
    return street.removesuffix("街") or street


def _unique(names: list[str]) -> list[str]:
    """Number repeated names ('…供应站' -> '…供应2号站') so every station name is distinct."""
    seen: Counter[str] = Counter()
    out = []
    for name in names:
        seen[name] += 1
        k = seen[name]
        out.append(name if k == 1 else f"{name.removesuffix('站')}{k}号站")
    return out


# --- the plan: who is where -----------------------------------------------------------------


@dataclass
class _Enterprise:
    id: str
    kind: str
    district: int  # index into pack.districts
    size: float
    brand: str
    name: str
    lat: float
    lon: float
    serves: list[int]  # district indexes whose customers it supplies


class RegistryGenerator:
    """Generates one city's registry rows, table by table, in batches.

    Tables are generated in dependency order (`tables()`); later tables use what earlier ones
    decided (e.g. cylinders follow the bottled-gas customers of each enterprise), so use one
    generator per run and consume it in order.
    """

    def __init__(
        self,
        scale: Scale,
        pack: CityPack,
        *,
        seed: int = 0,
        reference_date: date = REFERENCE_DATE,
    ) -> None:
        scale.check()
        if seed < 0:
            raise ValueError("seed must be >= 0")
        self.scale = scale
        self.pack = pack
        self.seed = seed
        self.reference_date = reference_date
        self.ref_day = (reference_date - date(1970, 1, 1)).days
        self.districts = pack.districts
        self.cells_by_district = [pack.cells_of(d.code) for d in self.districts]
        self._plan_density()
        self.enterprises = self._plan_enterprises()
        self.sites: list[dict[str, Any]] = []
        self.segments: list[tuple[str, int, str, list[list[float]]]] = []
        self.teams: list[dict[str, Any]] = []
        self.bottled_customers = np.zeros(len(self.enterprises), dtype=np.int64)

    def steps(self) -> list[tuple[str, Callable[[], Iterator[list[dict[str, Any]]]]]]:
        """(table, batch producer) in the order tables must be generated and written."""
        return [
            ("enterprises", self.enterprise_rows),
            ("sites", self.site_rows),
            ("workers", self.worker_rows),
            ("customers", self.customer_rows),
            ("cylinders", self.cylinder_rows),
            ("pipeline_segments", self.pipeline_rows),
            ("sensors", self.sensor_rows),
            ("teams", self.team_rows),
            ("resources", self.resource_rows),
        ]

    def tables(self) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        """(table, batch) for every table, in order."""
        for table, produce in self.steps():
            for batch in produce():
                yield table, batch

    # --- density and enterprises ------------------------------------------------------------

    def _plan_density(self) -> None:
        """How people spread over cells: dense near the urban core, lumpy everywhere."""
        rng = _rng(self.seed, _PLAN, 0)
        core = _urban_core(self.districts)
        self.bottled_share = np.array(
            [
                BOTTLED_SHARE_URBAN
                if d.population / max(d.area_km2, 1e-9) > URBAN_DENSITY_PER_KM2
                else BOTTLED_SHARE_OUTER
                for d in self.districts
            ]
        )
        self.cell_weights: list[np.ndarray] = []
        for cells in self.cells_by_district:
            area = np.array([c.area_km2 for c in cells], dtype=np.float64)
            dist_km = np.array([_km(c.centroid, core) for c in cells])
            pull = 1.0 + 8.0 * np.exp(-dist_km / 8.0)
            w = area * pull * rng.lognormal(0.0, 0.7, len(cells))
            self.cell_weights.append(w / w.sum())
        self.district_customers = allocate(
            self.scale.customers, district_customer_weights(self.districts)
        )
        # Customers per cell: multinomial inside each district (the district total is exact).
        self.cell_customers = [
            rng.multinomial(int(n), w) if len(w) else np.zeros(0, dtype=np.int64)
            for n, w in zip(self.district_customers, self.cell_weights, strict=True)
        ]

    def _plan_enterprises(self) -> list[_Enterprise]:
        rng = _rng(self.seed, _PLAN, 1)
        pops = np.array([d.population for d in self.districts], dtype=np.float64)
        piped = pops * (1 - self.bottled_share)
        bottled = pops * self.bottled_share
        homes = {
            "pipeline": allocate(self.scale.pipeline_enterprises, piped),
            # Every district has its own bottled-gas suppliers when there are enough of them.
            "bottled": allocate(self.scale.bottled_enterprises, bottled, minimum=1),
            "vehicle": allocate(self.scale.vehicle_enterprises, pops),
        }
        brands = list(_BRANDS)
        rng.shuffle(brands)
        city_short = self.pack.name_zh.removesuffix("市")
        out: list[_Enterprise] = []
        for kind in ENTERPRISE_KINDS:
            suffixes = {
                "pipeline": _PIPELINE_SUFFIX,
                "bottled": _BOTTLED_SUFFIX,
                "vehicle": _VEHICLE_SUFFIX,
            }[kind]
            for d_index, count in enumerate(homes[kind]):
                for _ in range(int(count)):
                    n = len(out)
                    brand = brands[n] if n < len(brands) else f"{brands[n % len(brands)]}{n}"
                    district = self.districts[d_index]
                    suffix = suffixes[int(rng.integers(len(suffixes)))]
                    # Pipeline and bottled-gas companies are registered per district.
                    name = (
                        f"{city_short}{brand}{suffix}"
                        if kind == "vehicle"
                        else f"{self.pack.name_zh}{district.name_zh}{brand}{suffix}"
                    )
                    lat, lon = self._point_in_district(d_index, rng, dense=True)
                    out.append(
                        _Enterprise(
                            id=f"ENT-{n + 1:04d}",
                            kind=kind,
                            district=d_index,
                            size=float(rng.lognormal(0.0, 0.5)),
                            brand=brand,
                            name=name,
                            lat=lat,
                            lon=lon,
                            serves=[d_index],
                        )
                    )
        self._assign_service(out)
        return out

    def _assign_service(self, enterprises: list[_Enterprise]) -> None:
        """Districts without a pipeline or bottled enterprise of their own are served by the
        enterprises of the nearest district that has some."""
        for kind in ("pipeline", "bottled"):
            own = [e for e in enterprises if e.kind == kind]
            homes = {e.district for e in own}
            if not homes:
                continue
            for d_index, district in enumerate(self.districts):
                if d_index in homes:
                    continue
                nearest = min(
                    homes, key=lambda h: _km(self.districts[h].centroid, district.centroid)
                )
                for e in own:
                    if e.district == nearest:
                        e.serves.append(d_index)
        self.serving: dict[tuple[str, int], list[int]] = {}
        for index, e in enumerate(enterprises):
            for d_index in e.serves:
                self.serving.setdefault((e.kind, d_index), []).append(index)

    def _point_in_district(
        self, d_index: int, rng: np.random.Generator, *, dense: bool
    ) -> tuple[float, float]:
        cell = self._pick_cell(d_index, rng, dense=dense)
        lats, lons = self._points(cell, 1, rng)
        return lats[0], lons[0]

    def _points(
        self, cell: GridCell, n: int, rng: np.random.Generator
    ) -> tuple[list[float], list[float]]:
        """`n` random points in the cell, rounded to 1e-6 degrees (about 0.1 m).

        Rounding can push a point lying within 0.1 m of the edge just outside the cell or its
        district; such points are drawn again, so every stored point is inside both.
        """
        district = self.pack.district(cell.district).shape
        lats, lons = random_points_in(cell.shape, n, rng)
        lats, lons = np.round(lats, 6), np.round(lons, 6)
        while True:
            outside = ~(
                shapely.contains_xy(cell.shape, lons, lats)
                & shapely.contains_xy(district, lons, lats)
            )
            if not outside.any():
                return lats.tolist(), lons.tolist()
            again_lats, again_lons = random_points_in(cell.shape, int(outside.sum()), rng)
            lats[outside], lons[outside] = np.round(again_lats, 6), np.round(again_lons, 6)

    def _pick_cell(self, d_index: int, rng: np.random.Generator, *, dense: bool) -> GridCell:
        """A cell of the district: where people live (dense) or anywhere by area (outskirts)."""
        cells = self.cells_by_district[d_index]
        if dense:
            w = self.cell_weights[d_index]
        else:
            w = np.array([c.area_km2 for c in cells])
            w = w / w.sum()
        return cells[int(rng.choice(len(cells), p=w))]

    def enterprise_rows(self) -> Iterator[list[dict[str, Any]]]:
        rng = _rng(self.seed, _ENT, 0)
        rows = []
        for e in self.enterprises:
            year = int(rng.integers(2015, 2026))
            district = self.districts[e.district]
            rows.append(
                {
                    "id": e.id,
                    "name": e.name,
                    "kind": e.kind,
                    "district": district.code,
                    "licence_no": f"鄂{year}{district.code[-2:]}{int(e.id[4:]):04d}",
                    "lat": e.lat,
                    "lon": e.lon,
                }
            )
        yield rows

    # --- sites ------------------------------------------------------------------------------

    def site_rows(self) -> Iterator[list[dict[str, Any]]]:
        rng = _rng(self.seed, _SITE, 0)
        rows: list[dict[str, Any]] = []
        names: list[str] = []
        for kind in SITE_KINDS:
            owners = [i for i, e in enumerate(self.enterprises) if e.kind == SITE_OWNER[kind]]
            if not owners:
                continue
            sizes = [self.enterprises[i].size for i in owners]
            # Each bottled enterprise fills at its own station; each vehicle one has a station.
            minimum = 1 if kind in ("filling_station", "vehicle_station") else 0
            counts = allocate(self.scale.sites_of(kind), sizes, minimum=minimum)
            regulator_no: Counter[str] = Counter()
            for owner, count in zip(owners, counts, strict=True):
                e = self.enterprises[owner]
                for _ in range(int(count)):
                    d_index = e.district
                    dense = kind in ("supply_point", "regulator_station", "vehicle_station")
                    cell = self._pick_cell(d_index, rng, dense=dense)
                    lats, lons = self._points(cell, 1, rng)
                    streets = _streets(self.districts[d_index])
                    place = _place(streets[int(rng.integers(len(streets)))])
                    if kind == "regulator_station":
                        regulator_no[place] += 1
                        place = f"{place}{regulator_no[place]}号"
                    names.append(_site_name(kind, e.brand, place, rng))
                    rows.append(
                        {
                            "id": "",
                            "enterprise_id": e.id,
                            "kind": kind,
                            "name": "",
                            "district": self.districts[d_index].code,
                            "grid_cell": cell.code,
                            "lat": lats[0],
                            "lon": lons[0],
                        }
                    )
        for n, (row, name) in enumerate(zip(rows, _unique(names), strict=True)):
            row["id"] = f"SITE-{n + 1:04d}"
            row["name"] = name
        self.sites = rows
        yield rows

    # --- workers ----------------------------------------------------------------------------

    def worker_rows(self) -> Iterator[list[dict[str, Any]]]:
        rng = _rng(self.seed, _WORK, 0)
        sites_of: Counter[tuple[str, str]] = Counter(
            (s["enterprise_id"], s["kind"]) for s in self.sites
        )
        rows: list[dict[str, Any]] = []
        for role in WORKER_ROLES:
            weights = [_worker_weight(role, e, sites_of) for e in self.enterprises]
            counts = allocate(self.scale.workers_of(role), weights)
            for e, count in zip(self.enterprises, counts, strict=True):
                rows += self._workers(role, e, int(count), rng, len(rows))
        yield rows

    def _workers(
        self, role: str, e: _Enterprise, n: int, rng: np.random.Generator, start: int
    ) -> list[dict[str, Any]]:
        if n == 0:
            return []
        names = person_names(rng, n)
        expired = rng.random(n) < CERTIFICATE_EXPIRED_SHARE
        missing = rng.random(n) < NO_CERTIFICATE_SHARE
        ahead = rng.integers(30, 4 * 365, n)
        behind = rng.integers(1, 400, n)
        expires = self.ref_day + np.where(expired, -behind, ahead)
        issued_year = rng.integers(2014, 2026, n)
        serial = rng.integers(0, 1_000_000, n)
        expiry_dates = _days_to_dates(expires)
        rows = []
        for k in range(n):
            has = not missing[k]
            rows.append(
                {
                    "id": f"W-{start + k + 1:06d}",
                    "enterprise_id": e.id,
                    "role": role,
                    "name": names[k],
                    "certificate_no": (
                        f"{_CERT_PREFIX[role]}{issued_year[k]}{serial[k]:06d}" if has else None
                    ),
                    "certificate_expires": expiry_dates[k] if has else None,
                }
            )
        return rows

    # --- customers --------------------------------------------------------------------------

    def customer_rows(self) -> Iterator[list[dict[str, Any]]]:
        """Customers cell by cell (ids run in cell order), in batches of BATCH_ROWS."""
        pending: list[dict[str, Any]] = []
        next_id = 1
        cell_index = 0
        for d_index, cells in enumerate(self.cells_by_district):
            for cell, n in zip(cells, self.cell_customers[d_index], strict=True):
                cell_index += 1
                if n == 0:
                    continue
                rng = _rng(self.seed, _CUST, cell_index)
                pending += self._customers_in(d_index, cell, int(n), next_id, rng)
                next_id += int(n)
                while len(pending) >= BATCH_ROWS:
                    yield pending[:BATCH_ROWS]
                    pending = pending[BATCH_ROWS:]
        if pending:
            yield pending

    def _customers_in(
        self, d_index: int, cell: GridCell, n: int, first_id: int, rng: np.random.Generator
    ) -> list[dict[str, Any]]:
        kinds = np.array(list(CUSTOMER_KIND_SHARES))
        kind_index = rng.choice(len(kinds), size=n, p=list(CUSTOMER_KIND_SHARES.values()))
        p_bottled = np.array(
            [self.bottled_share[d_index], BOTTLED_SHARE["commercial"], BOTTLED_SHARE["industrial"]]
        )[kind_index]
        bottled = rng.random(n) < p_bottled
        real_name = np.where(bottled, rng.random(n) < REAL_NAME_SHARE, True)
        enterprise = np.empty(n, dtype=np.int64)
        for kind, mask in (("bottled", bottled), ("pipeline", ~bottled)):
            enterprise[mask] = self._choose_supplier(kind, d_index, int(mask.sum()), rng)
        np.add.at(self.bottled_customers, enterprise[bottled], 1)
        lats, lons = self._points(cell, n, rng)
        district = self.districts[d_index].code
        ids = [self.enterprises[i].id for i in enterprise.tolist()]
        return [
            {
                "id": f"C-{first_id + k:08d}",
                "kind": kind,
                "district": district,
                "grid_cell": cell.code,
                "real_name_verified": verified,
                "lat": lat,
                "lon": lon,
                "enterprise_id": ent,
            }
            for k, (kind, verified, lat, lon, ent) in enumerate(
                zip(
                    kinds[kind_index].tolist(),
                    real_name.tolist(),
                    lats,
                    lons,
                    ids,
                    strict=True,
                )
            )
        ]

    def _choose_supplier(
        self, kind: str, d_index: int, n: int, rng: np.random.Generator
    ) -> np.ndarray:
        candidates = self.serving.get((kind, d_index))
        if not candidates:  # no supplier of this kind anywhere: fall back to any supplier
            candidates = (
                self.serving.get(("pipeline", d_index)) or self.serving[("bottled", d_index)]
            )
        sizes = np.array([self.enterprises[i].size for i in candidates])
        return np.asarray(candidates)[rng.choice(len(candidates), size=n, p=sizes / sizes.sum())]

    # --- cylinders --------------------------------------------------------------------------

    def cylinder_rows(self) -> Iterator[list[dict[str, Any]]]:
        """Cylinders per bottled enterprise in proportion to its bottled-gas customers."""
        owners = [i for i, e in enumerate(self.enterprises) if e.kind == "bottled"]
        counts = allocate(self.scale.cylinders, self.bottled_customers[owners] + 1.0)
        bounds = np.cumsum(counts)
        prefix = _cylinder_prefix(self.pack)
        total = self.scale.cylinders
        for block, start in enumerate(range(0, total, BATCH_ROWS)):
            stop = min(start + BATCH_ROWS, total)
            rng = _rng(self.seed, _CYL, block)
            index = np.arange(start, stop)
            owner = np.asarray(owners)[np.searchsorted(bounds, index, side="right")]
            yield self._cylinders(prefix, index, owner, rng)

    def _cylinders(
        self, prefix: str, index: np.ndarray, owner: np.ndarray, rng: np.random.Generator
    ) -> list[dict[str, Any]]:
        n = index.size
        made, last, due, scrap = _cylinder_dates(self.ref_day, n, rng)
        capacity = rng.choice(CAPACITIES_KG, size=n, p=CAPACITY_SHARES)
        columns = zip(
            index.tolist(),
            owner.tolist(),
            capacity.tolist(),
            _days_to_dates(made),
            _days_to_dates(last),
            _days_to_dates(due),
            _days_to_dates(scrap),
            strict=True,
        )
        ids = [e.id for e in self.enterprises]
        return [
            {
                "code": f"{prefix}{i + 1:010d}",
                "enterprise_id": ids[o],
                "capacity_kg": kg,
                "manufactured_on": m,
                "last_inspected_on": li,
                "next_inspection_due": nd,
                "scrap_due": sd,
            }
            for i, o, kg, m, li, nd, sd in columns
        ]

    # --- pipelines --------------------------------------------------------------------------

    def pipeline_rows(self) -> Iterator[list[dict[str, Any]]]:
        """Municipal pipelines: polylines inside each district, their lengths summing to
        the scale's kilometres (within the small loss where a walk had to be shortened)."""
        scale = self.scale
        rng = _rng(self.seed, _PIPE, 0)
        n = scale.pipeline_segments
        classes = _shuffled_labels(
            list(PRESSURE_CLASS_SHARES),
            allocate(n, list(PRESSURE_CLASS_SHARES.values())),
            rng,
        )
        raw = rng.lognormal(0.0, 0.45, n)
        raw = np.minimum(raw, 4.0) * np.array([PRESSURE_CLASS_LENGTH[c] for c in classes])
        lengths = raw / raw.sum() * scale.pipeline_km * 1000.0
        piped = np.array([d.population for d in self.districts], dtype=np.float64) * (
            1 - self.bottled_share
        )
        district_of = np.repeat(np.arange(len(self.districts)), allocate(n, piped, minimum=1))
        rng.shuffle(district_of)
        batch: list[dict[str, Any]] = []
        for i in range(n):
            seg_rng = _rng(self.seed, _PIPE, i + 1)
            d_index = int(district_of[i])
            coords = self._walk(d_index, float(lengths[i]), seg_rng)
            batch.append(self._segment_row(i, d_index, classes[i], coords, seg_rng))
            if len(batch) >= BATCH_ROWS:
                yield batch
                batch = []
        if batch:
            yield batch

    def _segment_row(
        self,
        i: int,
        d_index: int,
        pressure: str,
        coords: list[list[float]],
        rng: np.random.Generator,
    ) -> dict[str, Any]:
        suppliers = self.serving.get(("pipeline", d_index)) or [
            j for j, e in enumerate(self.enterprises) if e.kind == "pipeline"
        ]
        sizes = np.array([self.enterprises[j].size for j in suppliers])
        owner = suppliers[int(rng.choice(len(suppliers), p=sizes / sizes.sum()))]
        year = int(1985 + round(39 * rng.random() ** 0.6))  # more pipe laid in recent years
        segment_id = f"PL-{i + 1:06d}"
        self.segments.append((segment_id, d_index, pressure, coords))
        return {
            "id": segment_id,
            "enterprise_id": self.enterprises[owner].id,
            "pressure_class": pressure,
            "material": _material(pressure, year, rng),
            "laid_year": year,
            "district": self.districts[d_index].code,
            "length_m": round(polyline_length_m(coords), 1),
            "coords": coords,
        }

    def _walk(self, d_index: int, length_m: float, rng: np.random.Generator) -> list[list[float]]:
        """A street-like polyline of `length_m` metres inside the district: mostly straight
        runs with right-angle turns. Retries from new starts, then shortens, if it leaves."""
        shape = self.districts[d_index].shape
        target = length_m
        while True:
            for _ in range(25):
                coords = self._try_walk(shape, d_index, target, rng)
                if coords is not None:
                    return coords
            target /= 2  # a narrow district: settle for a shorter run

    def _try_walk(
        self, shape: Any, d_index: int, length_m: float, rng: np.random.Generator
    ) -> list[list[float]] | None:
        cell = self._pick_cell(d_index, rng, dense=True)
        lats, lons = random_points_in(cell.shape, 1, rng)
        lat, lon = float(lats[0]), float(lons[0])
        steps = length_m * rng.dirichlet(np.full(int(rng.integers(2, 8)), 4.0))
        heading = float(rng.choice([0.0, 90.0, 180.0, 270.0]) + rng.normal(0.0, 6.0))
        points = [(lat, lon)]
        for step in steps:
            for turn in _turns(rng):
                h = math.radians(heading + turn)
                new_lat = lat + step * math.cos(h) / M_PER_DEG
                new_lon = lon + step * math.sin(h) / (M_PER_DEG * math.cos(math.radians(lat)))
                if shapely.contains_xy(shape, new_lon, new_lat):
                    heading += turn
                    lat, lon = new_lat, new_lon
                    points.append((lat, lon))
                    break
            else:
                return None
        rounded = [[round(a, 6), round(b, 6)] for a, b in points]
        if not shape.contains(LineString([(b, a) for a, b in rounded])):
            return None
        return rounded

    # --- sensors ----------------------------------------------------------------------------

    def sensor_rows(self) -> Iterator[list[dict[str, Any]]]:
        rng = _rng(self.seed, _SENS, 0)
        rows = [*self._site_sensors(), *self._segment_sensors(rng), *self._area_sensors(rng)]
        for n, row in enumerate(rows):
            row["id"] = f"SEN-{n + 1:06d}"
        yield rows

    def _site_sensors(self) -> list[dict[str, Any]]:
        rows = []
        for site in self.sites:
            for kind in SITE_SENSORS[site["kind"]]:
                low, high = SITE_THRESHOLDS.get(
                    (site["kind"], kind), (None, METHANE_ALARM_LEL if kind == "methane" else None)
                )
                rows.append(
                    _sensor(kind, site["district"], site["lat"], site["lon"], low, high)
                    | {"site_id": site["id"]}
                )
        return rows

    def _segment_sensors(self, rng: np.random.Generator) -> list[dict[str, Any]]:
        n = self.scale.segment_sensors
        if n == 0 or not self.segments:
            return []
        weights = np.array([SEGMENT_SENSOR_WEIGHT[s[2]] for s in self.segments])
        chosen = np.sort(
            rng.choice(len(self.segments), size=n, replace=False, p=weights / weights.sum())
        )
        flows = round(n * SEGMENT_FLOW_SHARE)
        kinds = _shuffled_labels(["pressure", "flow"], np.array([n - flows, flows]), rng)
        rows = []
        for index, kind in zip(chosen.tolist(), kinds, strict=True):
            segment_id, d_index, pressure, coords = self.segments[index]
            lat, lon = coords[int(rng.integers(len(coords)))]
            low, high = SEGMENT_THRESHOLDS[(pressure, kind)]
            code = self.districts[d_index].code
            rows.append(_sensor(kind, code, lat, lon, low, high) | {"segment_id": segment_id})
        return rows

    def _area_sensors(self, rng: np.random.Generator) -> list[dict[str, Any]]:
        """Methane detectors where people are densest (restaurant streets, basements)."""
        n = self.scale.area_methane_sensors
        if n == 0:
            return []
        cells = [c for cells in self.cells_by_district for c in cells]
        counts = np.concatenate(self.cell_customers).astype(np.float64)
        per_cell = allocate(n, counts**2 if counts.sum() else np.ones(len(cells)))
        rows = []
        for cell, k in zip(cells, per_cell, strict=True):
            if k == 0:
                continue
            lats, lons = self._points(cell, int(k), rng)
            for lat, lon in zip(lats, lons, strict=True):
                rows.append(_sensor("methane", cell.district, lat, lon, None, METHANE_ALARM_LEL))
        return rows

    # --- teams and resources ----------------------------------------------------------------

    def team_rows(self) -> Iterator[list[dict[str, Any]]]:
        rng = _rng(self.seed, _TEAM, 0)
        rows = [
            *self._city_teams(rng),
            *self._district_teams(rng),
            *self._street_teams(rng),
            *self._enterprise_teams(rng),
        ]
        for n, row in enumerate(rows):
            row["id"] = f"TEAM-{n + 1:03d}"
        self.teams = rows
        yield rows

    def _team(
        self,
        rng: np.random.Generator,
        level: str,
        name: str,
        owner: str,
        d_index: int,
        members: tuple[int, int],
        capabilities: list[str],
        at: tuple[float, float] | None = None,
    ) -> dict[str, Any]:
        lat, lon = at if at is not None else self._point_in_district(d_index, rng, dense=True)
        return {
            "id": "",
            "name": name,
            "level": level,
            "owner_id": owner,
            "district": self.districts[d_index].code,
            "members": int(rng.integers(members[0], members[1] + 1)),
            "capabilities": capabilities,
            "lat": lat,
            "lon": lon,
        }

    def _city_teams(self, rng: np.random.Generator) -> list[dict[str, Any]]:
        # City teams stand by in the densest districts, where most calls come from.
        density = np.array([d.population / max(d.area_km2, 1e-9) for d in self.districts])
        order = np.argsort(-density, kind="stable")
        everything = ["leak_repair", "fire", "excavation", "cylinder", "medical"]
        rows = []
        for k in range(self.scale.city_teams):
            base = _CITY_TEAM_NAMES[k % len(_CITY_TEAM_NAMES)]
            name = (
                self.pack.name_zh + base + (f"{k // len(_CITY_TEAM_NAMES) + 1}" if k >= 4 else "")
            )
            d_index = int(order[k % len(order)])
            rows.append(
                self._team(rng, "city", name, self.pack.code, d_index, (30, 60), everything)
            )
        return rows

    def _district_teams(self, rng: np.random.Generator) -> list[dict[str, Any]]:
        rows = []
        for d_index, d in enumerate(self.districts):
            caps = ["leak_repair", "fire", "excavation"]
            caps += [c for c in ("cylinder", "medical") if rng.random() < 0.6]
            name = f"{d.name_zh}燃气应急救援队"
            rows.append(self._team(rng, "district", name, d.code, d_index, (15, 35), caps))
        return rows

    def _street_teams(self, rng: np.random.Generator) -> list[dict[str, Any]]:
        pops = [d.population for d in self.districts]
        rows = []
        for d_index, count in enumerate(allocate(self.scale.street_teams, pops)):
            d = self.districts[d_index]
            streets = _streets(d)
            for k in range(int(count)):
                street = streets[k % len(streets)]
                suffix = f"{k // len(streets) + 1}" if k >= len(streets) else ""
                name = f"{d.name_zh}{street}燃气应急分队{suffix}"
                caps = ["leak_repair", "cylinder"] + (["medical"] if rng.random() < 0.5 else [])
                owner = f"{d.code}-S{k + 1:02d}"
                rows.append(self._team(rng, "street", name, owner, d_index, (6, 15), caps))
        return rows

    def _enterprise_teams(self, rng: np.random.Generator) -> list[dict[str, Any]]:
        rank = {"pipeline": 0, "bottled": 1, "vehicle": 2}
        chosen = sorted(
            range(len(self.enterprises)),
            key=lambda i: (rank[self.enterprises[i].kind], -self.enterprises[i].size, i),
        )[: self.scale.enterprise_teams]
        first_site: dict[str, dict[str, Any]] = {}
        for site in self.sites:
            first_site.setdefault(site["enterprise_id"], site)
        rows = []
        for i in sorted(chosen):
            e = self.enterprises[i]
            caps = {
                "pipeline": ["leak_repair", "excavation"],
                "bottled": ["cylinder", "leak_repair"],
                "vehicle": ["leak_repair", "fire"],
            }[e.kind]
            if rng.random() < 0.3:
                caps = [*caps, "fire" if "fire" not in caps else "medical"]
            site = first_site.get(e.id)
            at = (site["lat"], site["lon"]) if site else (e.lat, e.lon)
            name = f"{e.name.removesuffix('有限公司')}应急抢险队"
            rows.append(self._team(rng, "enterprise", name, e.id, e.district, (8, 30), caps, at))
        return rows

    def resource_rows(self) -> Iterator[list[dict[str, Any]]]:
        rng = _rng(self.seed, _RES, 0)
        rows = [*self._vehicles(rng), *self._depots(rng), *self._experts(rng)]
        for n, row in enumerate(rows):
            row["id"] = f"RES-{n + 1:04d}"
        yield rows

    def _vehicles(self, rng: np.random.Generator) -> list[dict[str, Any]]:
        rows = []
        for team in self.teams:
            for k in range(VEHICLES_PER_TEAM[team["level"]]):
                kind = _VEHICLE_KINDS[0 if k == 0 else int(rng.integers(1, len(_VEHICLE_KINDS)))]
                letter = _PLATE_LETTERS[int(rng.integers(len(_PLATE_LETTERS)))]
                plate = f"鄂A·{letter}{int(rng.integers(10000)):04d}"
                rows.append(
                    _resource("vehicle", f"{kind}（{plate}）", team["district"])
                    | {"team_id": team["id"], "lat": team["lat"], "lon": team["lon"]}
                )
        return rows

    def _depots(self, rng: np.random.Generator) -> list[dict[str, Any]]:
        pops = [d.population for d in self.districts]
        minimum = 1 if self.scale.supply_depots >= len(self.districts) else 0
        rows = []
        for d_index, count in enumerate(allocate(self.scale.supply_depots, pops, minimum)):
            d = self.districts[d_index]
            streets = _streets(d)
            for k in range(int(count)):
                name = (
                    f"{d.name_zh}燃气应急物资储备库"
                    if k == 0
                    else f"{d.name_zh}{streets[(k - 1) % len(streets)]}燃气应急物资储备点"
                )
                lat, lon = self._point_in_district(d_index, rng, dense=False)
                rows.append(_resource("supply_depot", name, d.code) | {"lat": lat, "lon": lon})
        return rows

    def _experts(self, rng: np.random.Generator) -> list[dict[str, Any]]:
        n = self.scale.experts
        names = person_names(rng, n)
        pops = [d.population for d in self.districts]
        homes = np.repeat(np.arange(len(self.districts)), allocate(n, pops))
        rows = []
        for name, d_index in zip(names, homes.tolist(), strict=True):
            picks = rng.choice(len(_EXPERT_SKILLS), size=int(rng.integers(1, 4)), replace=False)
            skills = [_EXPERT_SKILLS[i] for i in sorted(picks.tolist())]
            code = self.districts[d_index].code
            rows.append(_resource("expert", name, code) | {"skills": skills})
        return rows


# --- generator helpers ----------------------------------------------------------------------


def district_customer_weights(districts: Sequence[District]) -> np.ndarray:
    """Residents times gas accounts per resident, which rises with density."""
    density = np.array([d.population / max(d.area_km2, 1e-9) for d in districts])
    rate = ACCOUNTS_PER_RESIDENT_OUTER + (
        ACCOUNTS_PER_RESIDENT_CENTRE - ACCOUNTS_PER_RESIDENT_OUTER
    ) * np.minimum(1.0, density / CENTRE_DENSITY_PER_KM2)
    return np.array([d.population for d in districts], dtype=np.float64) * rate


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    dlat = (a[0] - b[0]) * M_PER_DEG / 1000.0
    dlon = (a[1] - b[1]) * M_PER_DEG / 1000.0 * math.cos(math.radians((a[0] + b[0]) / 2))
    return math.hypot(dlat, dlon)


def _urban_core(districts: Sequence[District]) -> tuple[float, float]:
    """The density-weighted centre of the districts: where the old city is."""
    w = np.array([(d.population / max(d.area_km2, 1e-9)) ** 2 for d in districts])
    lat = float(np.average([d.centroid[0] for d in districts], weights=w))
    lon = float(np.average([d.centroid[1] for d in districts], weights=w))
    return lat, lon


def _cylinder_prefix(pack: CityPack) -> str:
    known = {"420100": "WH"}
    return known.get(pack.code, "".join(ch for ch in pack.name_en.upper() if ch.isalpha())[:2])


def _cylinder_dates(
    ref_day: int, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(manufactured, last inspected, next inspection due, scrap due) as days since 1970.

    Most cylinders are in order; OVERDUE_SHARE missed their 4-year inspection by up to 540
    days; PAST_SCRAP_SHARE are still around up to 400 days after their 8-year scrap date.
    """
    u = rng.random(n)
    past_scrap = u < PAST_SCRAP_SHARE
    overdue = (u >= PAST_SCRAP_SHARE) & (u < PAST_SCRAP_SHARE + OVERDUE_SHARE)
    early = rng.integers(0, 121, n)  # inspections happen up to four months before they are due
    age = rng.integers(0, SCRAP_DAYS - 121, n)
    age = np.where(overdue, INSPECTION_DAYS + rng.integers(1, 541, n), age)
    age = np.where(past_scrap, SCRAP_DAYS + rng.integers(1, 401, n), age)
    made = ref_day - age
    scrap = made + SCRAP_DAYS
    inspected_again = (age >= INSPECTION_DAYS) & ~overdue
    last = np.where(inspected_again, made + INSPECTION_DAYS - early, made)
    due = np.minimum(last + INSPECTION_DAYS, scrap)
    return made, last, due, scrap


def _turns(rng: np.random.Generator) -> list[float]:
    """Turns to try at a vertex: usually straight on or a right angle, like streets."""
    side = 1.0 if rng.random() < 0.5 else -1.0
    first = float(rng.choice([0.0, 90.0 * side, 25.0 * side], p=[0.6, 0.3, 0.1]))
    rest = [t for t in (0.0, 90.0, -90.0, 45.0, -45.0, 135.0, -135.0) if t != first]
    return [first, *rest]


def _material(pressure: str, year: int, rng: np.random.Generator) -> str:
    if pressure == "high":
        return "steel"
    if pressure == "medium":
        return "PE" if year >= 2005 and rng.random() < 0.7 else "steel"
    if year >= 2000:
        return "PE" if rng.random() < 0.9 else "steel"
    return "cast_iron" if rng.random() < 0.6 else "steel"


def _site_name(kind: str, brand: str, place: str, rng: np.random.Generator) -> str:
    if kind == "filling_station":
        return f"{brand}{place}液化气储配站"
    if kind == "supply_point":
        return f"{brand}{place}液化气供应站"
    if kind == "gate_station":
        return f"{place}天然气门站"
    if kind == "regulator_station":
        return f"{place}调压站"
    if kind == "storage":
        return f"{place}燃气储配站"
    fuel = "CNG" if rng.random() < 0.6 else "LNG"
    return f"{brand}{place}{fuel}加气站"


def _worker_weight(role: str, e: _Enterprise, sites_of: Counter[tuple[str, str]]) -> float:
    def sites(kind: str) -> int:
        return sites_of[(e.id, kind)]

    if role == "filler":
        return sites("filling_station") * 2.0 + sites("vehicle_station") * 0.5
    if role == "driver":
        return (sites("supply_point") + 2.0) if e.kind == "bottled" else 0.5 * e.size
    if role == "delivery":
        return sites("supply_point") + 0.5 if e.kind == "bottled" else 0.0
    if role == "inspector":
        return {"pipeline": 6.0, "bottled": 1.0, "vehicle": 0.5}[e.kind] * e.size
    return {"pipeline": 6.0, "bottled": 0.5, "vehicle": 0.3}[e.kind] * e.size  # rescuer


def _sensor(
    kind: str, district: str, lat: float, lon: float, low: float | None, high: float | None
) -> dict[str, Any]:
    return {
        "id": "",
        "kind": kind,
        "site_id": None,
        "segment_id": None,
        "district": district,
        "lat": lat,
        "lon": lon,
        "low": low,
        "high": high,
    }


def _resource(kind: str, name: str, district: str | None) -> dict[str, Any]:
    return {
        "id": "",
        "kind": kind,
        "name": name,
        "team_id": None,
        "district": district,
        "lat": None,
        "lon": None,
        "skills": None,
    }


# --- registry rows as events ----------------------------------------------------------------

EVENT_TYPES = {
    "enterprises": ("enterprise.registered", "enterprise_id"),
    "sites": ("site.registered", "site_id"),
    "workers": ("worker.registered", "worker_id"),
    "customers": ("customer.registered", "customer_id"),
    "cylinders": ("cylinder.registered", "code"),
    "pipeline_segments": ("pipeline.registered", "segment_id"),
    "sensors": ("sensor.registered", "sensor_id"),
    "teams": ("team.registered", "team_id"),
    "resources": ("resource.registered", "resource_id"),
}


def registry_event(table: str, row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(event type, data) registering `row` (spec/events.md, "Registry"); None values dropped.

    Extra columns (grid_cell, length_m, ...) ride along as optional fields; dates stay `date`s.
    """
    event_type, id_field = EVENT_TYPES[table]
    data = {k: v for k, v in row.items() if v is not None}
    if id_field not in data:
        data[id_field] = data.pop("id")
    return event_type, data


# --- generating and seeding -----------------------------------------------------------------


def generate(
    scale: Scale, pack: CityPack, *, seed: int = 0, reference_date: date = REFERENCE_DATE
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(table, batch of rows) for every registry table but districts and grid cells, in
    dependency order. Memory stays bounded by one batch (plus small per-city plans)."""
    generator = RegistryGenerator(scale, pack, seed=seed, reference_date=reference_date)
    yield from generator.tables()


class RegistryNotEmptyError(RuntimeError):
    """The database already holds a registry; seeding would mix two cities."""


Progress = Callable[[str, int], AbstractContextManager[Callable[[int], object]]]


def _no_progress(_table: str, _total: int) -> AbstractContextManager[Callable[[int], object]]:
    return nullcontext(lambda _n: None)


def seed_registry(
    engine: Any,
    scale: Scale,
    pack: CityPack,
    *,
    seed: int = 0,
    reference_date: date = REFERENCE_DATE,
    replace: bool = False,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Generate the city into a migrated database and fill its area counts.

    Refuses (RegistryNotEmptyError) a database that already has a registry unless `replace`,
    which clears it first. `progress(table, total)` is entered once per table and its value
    called with each batch's row count. Returns the rows written per table.
    """
    progress = progress or _no_progress
    if not registry.registry_is_empty(engine):
        if not replace:
            counts = registry.registry_counts(engine)
            held = ", ".join(f"{n} {t}" for t, n in counts.items() if n)
            raise RegistryNotEmptyError(
                f"the registry is not empty ({held}); use --replace to clear it and seed again"
            )
        registry.clear_registry(engine)
    expected = expected_counts(scale, pack)
    written = dict.fromkeys(expected, 0)
    registry.write_districts(engine, pack)
    written["districts"], written["grid_cells"] = len(pack.districts), len(pack.grid_cells)

    generator = RegistryGenerator(scale, pack, seed=seed, reference_date=reference_date)
    for table, produce in generator.steps():
        # The bar opens before the first batch, so it also times the generation.
        with progress(table, expected[table]) as update:
            for rows in produce():
                registry.insert_rows(engine, table, rows)
                written[table] += len(rows)
                update(len(rows))
    populations = {d.code: d.population for d in pack.districts}
    registry.recount_area_counts(engine, reference_date, populations)
    refresh_statistics(engine)  # the planner's statistics, for the registry just written
    return written
