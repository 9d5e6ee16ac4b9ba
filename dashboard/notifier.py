"""The incident notifier: tells the four levels (市、区、街道、企业 "四级联动", seeds/000) about an
incident over every configured channel, and records what became of each delivery, failures too.

It is the delivery worker of an outbox (data_access/outbox.py): a desk action asks for a
notification by recording `incident.notify_requested` in its own transaction (the first dispatch
does so by itself), and a `Notifier` running in the app claims the request, words the message
(recipients per level, Chinese text), delivers it on each channel in parallel, retrying a failed
attempt up to `settings.notify_retries` times with a doubling back-off, and records ONE outcome
per channel through the write path (`incident.notified` naming the request). A restart between
the action and the delivery loses nothing: the next notifier finds the request. Channels:

- `WebhookChannel`: an HTTP POST of a JSON message; a 2xx answer is delivered.
- `SmsGatewayChannel`: an HTTP POST of {"to": [numbers], "text": "..."} to an SMS gateway, to
  the numbers configured per level (GASCC_NOTIFY_SMS_TO); it reaches only levels with numbers.
- `InAppChannel`: the notification centre (/notifications) and the incident view read the
  recorded notifications, so recording it is delivering it.

A delivered notification marks its levels notified on the incident (the incident projection);
a failed one marks nothing. Escalations of hazards (`HazardNotice`) and detentions of cylinders
(`DetentionNotice`: the enterprise must recall it; a late recall goes to the district office and
the city too) are outboxes of their own, delivered the same way. docs/notifications.md
describes the messages and the settings."""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from dashboard.citypack import CityPack, load_city_pack
from dashboard.domain.detentions import NOTICE_LEVELS
from dashboard.domain.events import NOTIFY_LEVELS
from dashboard.domain.hazards import ESCALATION_NOTIFIES
from dashboard.domain.roles import CITYWIDE, system_user
from dashboard.i18n import t
from dashboard.settings import Settings, SettingsError
from data_access.commands import (
    Refused,
    record_detention_notification,
    record_hazard_notification,
    record_notification,
)
from data_access.models import DetentionNotice as DetentionNoticeRow
from data_access.models import HazardNotice as HazardNoticeRow
from data_access.outbox import (
    Outbox,
    PendingDetentionNotice,
    PendingNotice,
    PendingRequest,
    claim_detention_notices,
    claim_hazard_notices,
    claim_requests,
    mark_done,
    pending_count,
)
from data_access.queries import notifications as queries
from data_access.queries.detentions import DetentionRow, detention
from data_access.queries.hazard_board import HazardRow, hazard_detail

__all__ = [
    "LEVELS",
    "UNKNOWN",
    "Channel",
    "DeliveryError",
    "DetentionNotice",
    "Directory",
    "HazardNotice",
    "InAppChannel",
    "Notice",
    "Notifier",
    "Reach",
    "SmsGatewayChannel",
    "WebhookChannel",
    "build_notifier",
    "error_in_words",
    "escalation_recipients",
    "parse_sms_to",
    "street_of",
    "word_detention_notice",
]

log = logging.getLogger(__name__)

LEVELS = NOTIFY_LEVELS
UNKNOWN = "unknown"  # a level whose recipient cannot be worked out from the registry
HTTP_TIMEOUT_S = 5.0
WORKERS = 4  # deliveries run side by side; a hanging endpoint holds one thread, not the desk
POLL_S = 2.0  # how often a notifier looks for requests nobody woke it for (other processes)
_PHONE = re.compile(r"\+?\d{5,15}")
_STREET = re.compile(r"([\u4e00-\u9fff]{1,10}?)(街道|街)")
_TOWN = re.compile(r"([\u4e00-\u9fff]{1,10}?)(镇|乡)")


class DeliveryError(Exception):
    """One attempt failed; the message is what is recorded (e.g. "HTTP 500 ...")."""


# The failures this notifier records, as `error_in_words` reads them back: the label
# notify.error.<kind> words the kind (its fields from the groups); "detail" stays as recorded.
ERROR_FORMS = (
    ("http", re.compile(r"HTTP (?P<status>\d{3})\s*(?P<detail>.*)", re.S)),
    ("timeout", re.compile(r"timed out after (?P<seconds>[\d.]+) s")),
    ("connection", re.compile(r"connection failed: (?P<detail>.*)", re.S)),
)


def error_in_words(error: str, lang: str) -> tuple[str, str]:
    """A recorded delivery error as (words in `lang`, the recorded detail). An error this
    notifier does not word (a channel's own exception, another system's text) is all detail."""
    for kind, form in ERROR_FORMS:
        if found := form.fullmatch(error.strip()):
            fields = found.groupdict()
            detail = fields.pop("detail", "") or ""
            return t(f"notify.error.{kind}", lang).format(**fields), detail.strip()
    return "", error.strip()


# --- the message ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """One incident's notification, worded once and sent on every channel."""

    incident_id: str
    kind: str
    severity: int
    address: str
    district: str | None
    district_name: str
    levels: tuple[str, ...]
    recipients: Mapping[str, str]  # level -> who is told (an office or an enterprise)
    reported_at: datetime  # in the city's zone
    sent_at: datetime  # in the city's zone
    text: str  # Chinese, for people (SMS, chat robots behind the webhook)
    request_id: str = ""  # the outbox request: a receiver can tell a repeated delivery by it

    @property
    def link(self) -> str:
        return f"/incident/{self.incident_id}"

    def recipient_names(self, levels: Sequence[str] | None = None) -> list[str]:
        return [self.recipients[level] for level in (levels or self.levels)]

    def as_json(self) -> dict[str, Any]:
        """The webhook's body (docs/notifications.md)."""
        return {
            "type": "incident.notification",
            "request_id": self.request_id,
            "incident_id": self.incident_id,
            "kind": self.kind,
            "kind_name": t(f"incident_kind.{self.kind}", "zh"),
            "severity": self.severity,
            "address": self.address,
            "district": self.district,
            "district_name": self.district_name,
            "levels": list(self.levels),
            "recipients": [{"level": lv, "name": self.recipients[lv]} for lv in self.levels],
            "reported_at": self.reported_at.isoformat(),
            "time": self.sent_at.isoformat(),
            "link": self.link,
            "text": self.text,
        }


def street_of(address: str, city_name: str = "", district_name: str = "") -> str | None:
    """The sub-district (街道, or a town 镇/乡) named in an address, or None.

    Addresses read city, district, street, road, number ("武汉市武昌区中华路街解放路88号"), so the
    first name ending in 街/街道 after the city and district is the street; a town is the
    fallback. A heuristic: an address without its street ("江汉路 88 号") gives None."""
    rest = address.strip()
    for prefix in (city_name, district_name):
        if prefix and rest.startswith(prefix):
            rest = rest[len(prefix) :]
    for pattern in (_STREET, _TOWN):
        found = pattern.match(rest)
        if found:
            return found.group(1) + found.group(2)
    return None


def street_office(street: str | None, district: str = "") -> str:
    """The street office to tell; without a street in the address, the one of the district
    the incident lies in (the registry has no streets), named by the district."""
    if street is None:
        return f"所在街道办事处（{district}）" if district else UNKNOWN
    if street.endswith("街"):
        return f"{street}道办事处"
    if street.endswith("街道"):
        return f"{street}办事处"
    return f"{street}人民政府"  # a town or township


class Directory:
    """Who each level is for an incident: the city's emergency office, the district's gas
    office (燃管办), the street office at the address, the gas enterprise answerable there."""

    def __init__(self, engine: Engine, city: CityPack) -> None:
        self.engine = engine
        self.city = city

    def district_name(self, incident: queries.IncidentNotice) -> str:
        """The incident's district (the projection's), else the one its point lies in."""
        code = incident.district
        if code is not None:
            try:
                return self.city.district(code).name_zh
            except KeyError:
                return code
        found = self.city.district_at(incident.lat, incident.lon)
        return found.name_zh if found is not None else ""

    def recipients(self, incident: queries.IncidentNotice, levels: Sequence[str]) -> dict[str, str]:
        district = self.district_name(incident)
        found: dict[str, str] = {}
        for level in levels:
            if level == "city":
                found[level] = f"{self.city.name_zh}应急管理办公室"
            elif level == "district":
                found[level] = f"{district}燃气管理办公室" if district else UNKNOWN
            elif level == "street":
                street = street_of(incident.address, self.city.name_zh, district)
                found[level] = street_office(street, district)
            elif level == "enterprise":
                owner = queries.responsible_enterprise(self.engine, incident.lat, incident.lon)
                found[level] = owner.name if owner else UNKNOWN
        return found


def word_notice(
    directory: Directory,
    incident: queries.IncidentNotice,
    levels: Sequence[str],
    zone: ZoneInfo,
    now: datetime,
    request_id: str = "",
) -> Notice:
    district_name = directory.district_name(incident)
    reported = incident.reported_at.astimezone(zone)
    kind = t(f"incident_kind.{incident.kind}", "zh")
    who = "、".join(t(f"notify.level.{level}", "zh") for level in levels)
    place = incident.address
    if district_name and district_name not in place:
        place = f"{district_name}{place}"
    text = (
        f"【燃气应急】{place}发生{kind}（{incident.severity}级），"
        f"{reported:%m-%d %H:%M}接报，事件编号{incident.id}。请{who}责任人立即响应。"
    )
    return Notice(
        incident_id=incident.id,
        kind=incident.kind,
        severity=incident.severity,
        address=incident.address,
        district=incident.district,
        district_name=district_name,
        levels=tuple(levels),
        recipients=directory.recipients(incident, levels),
        reported_at=reported,
        sent_at=now.astimezone(zone),
        text=text,
        request_id=request_id,
    )


@dataclass(frozen=True)
class HazardNotice:
    """An escalation's (督办) notice to the responsible levels, sent on the same channels."""

    hazard_id: str
    number: str
    escalation: str  # district | city
    category: str
    district: str
    district_name: str
    levels: tuple[str, ...]
    recipients: Mapping[str, str]
    due_at: datetime  # in the city's zone
    sent_at: datetime  # in the city's zone
    text: str
    request_id: str = ""  # the hazard.escalated event's id

    @property
    def link(self) -> str:
        return f"/hazard/{self.hazard_id}"

    def recipient_names(self, levels: Sequence[str] | None = None) -> list[str]:
        return [self.recipients[level] for level in (levels or self.levels)]

    def as_json(self) -> dict[str, Any]:
        """The webhook's body (docs/notifications.md, "Escalations")."""
        return {
            "type": "hazard.escalation",
            "request_id": self.request_id,
            "hazard_id": self.hazard_id,
            "number": self.number,
            "escalation": self.escalation,
            "category": self.category,
            "district": self.district,
            "district_name": self.district_name,
            "levels": list(self.levels),
            "recipients": [{"level": lv, "name": self.recipients[lv]} for lv in self.levels],
            "due_at": self.due_at.isoformat(),
            "time": self.sent_at.isoformat(),
            "link": self.link,
            "text": self.text,
        }


def escalation_recipients(city: CityPack, district: str, enterprise: str | None) -> dict[str, str]:
    """Who each level is for an escalation: the city's gas authority, the district's gas
    office, the responsible enterprise (by name)."""
    try:
        district_name = city.district(district).name_zh
    except KeyError:
        district_name = district
    return {
        "city": f"{city.name_zh}燃气主管部门",
        "district": f"{district_name}燃气管理办公室",
        "enterprise": enterprise or UNKNOWN,
    }


def word_hazard_notice(
    city: CityPack,
    hazard: HazardRow,
    escalation: str,
    zone: ZoneInfo,
    now: datetime,
    notice_id: str,
) -> HazardNotice:
    try:
        district_name = city.district(hazard.district).name_zh
    except KeyError:
        district_name = hazard.district
    levels = ESCALATION_NOTIFIES[escalation]
    recipients = escalation_recipients(city, hazard.district, hazard.enterprise)
    due = hazard.due_at.astimezone(zone)
    late = (now - hazard.due_at).days
    state = f"已超期{late}天" if late >= 1 else f"整改期限{due:%m-%d %H:%M}"
    number = hazard.number or hazard.id
    who = "、".join(recipients[level] for level in levels)
    text = (
        f"【隐患督办】{district_name}隐患{number}（{hazard.category}，"
        f"{t(f'hazard_level.{hazard.level}', 'zh')}）{state}，"
        f"已升级为{t(f'hz.escalation.{escalation}', 'zh')}。请{who}督促整改。"
    )
    return HazardNotice(
        hazard_id=hazard.id,
        number=number,
        escalation=escalation,
        category=hazard.category,
        district=hazard.district,
        district_name=district_name,
        levels=levels,
        recipients={level: recipients[level] for level in levels},
        due_at=due,
        sent_at=now.astimezone(zone),
        text=text,
        request_id=notice_id,
    )


@dataclass(frozen=True)
class DetentionNotice:
    """A detention's notice (在线扣瓶): the enterprise must recall the cylinder; on a late recall
    (督办) the district office and the city are told too. Sent on the same channels."""

    detention_id: str
    code: str
    reason: str  # detained | recall_escalated
    enterprise_id: str
    enterprise: str  # its name
    district: str | None
    district_name: str
    detention_reason: str  # why it was detained
    recall_by: date
    levels: tuple[str, ...]
    recipients: Mapping[str, str]
    sent_at: datetime  # in the city's zone
    text: str
    request_id: str = ""  # the cylinder.detained or cylinder.recall_escalated event's id

    link = "/detentions"  # where the enterprise records the recall (its queue)

    def recipient_names(self, levels: Sequence[str] | None = None) -> list[str]:
        return [self.recipients[level] for level in (levels or self.levels)]

    def as_json(self) -> dict[str, Any]:
        """The webhook's body (docs/notifications.md, "Detentions")."""
        return {
            "type": "cylinder.detention",
            "request_id": self.request_id,
            "detention_id": self.detention_id,
            "code": self.code,
            "reason": self.reason,
            "enterprise_id": self.enterprise_id,
            "enterprise": self.enterprise,
            "district": self.district,
            "district_name": self.district_name,
            "detention_reason": self.detention_reason,
            "recall_by": self.recall_by.isoformat(),
            "levels": list(self.levels),
            "recipients": [{"level": lv, "name": self.recipients[lv]} for lv in self.levels],
            "time": self.sent_at.isoformat(),
            "link": self.link,
            "text": self.text,
        }


def word_detention_notice(
    city: CityPack, row: DetentionRow, reason: str, zone: ZoneInfo, now: datetime, notice_id: str
) -> DetentionNotice:
    district = row.district or ""
    recipients = escalation_recipients(city, district, row.enterprise)
    district_name = recipients["district"].removesuffix("燃气管理办公室") if district else ""
    levels = NOTICE_LEVELS[reason]
    if reason == "detained":
        text = (
            f"【在线扣瓶】{row.enterprise}：贵单位气瓶{row.code}已被扣押（{row.reason}），"
            f"请于{row.recall_by:%Y-%m-%d}前召回至本企业站点，并在监管平台“在线扣瓶”"
            f"（{DetentionNotice.link}）登记召回。"
        )
    else:
        who = "、".join(recipients[level] for level in levels)
        text = (
            f"【扣瓶督办】{district_name}扣押气瓶{row.code}（{row.enterprise}）召回期限"
            f"{row.recall_by:%Y-%m-%d}已过仍未召回，已提交督办。请{who}督促召回"
            f"（{DetentionNotice.link}）。"
        )
    return DetentionNotice(
        detention_id=row.id,
        code=row.code,
        reason=reason,
        enterprise_id=row.enterprise_id,
        enterprise=row.enterprise,
        district=row.district,
        district_name=district_name,
        detention_reason=row.reason,
        recall_by=row.recall_by,
        levels=levels,
        recipients={level: recipients[level] for level in levels},
        sent_at=now.astimezone(zone),
        text=text,
        request_id=notice_id,
    )


# --- channels ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reach:
    """Whom a channel reaches for a notice: the levels it notifies and who they are."""

    levels: tuple[str, ...]
    recipients: tuple[str, ...]


# What a channel sends: an incident's, an escalation's or a detention's notice.
Message = Notice | HazardNotice | DetentionNotice


class Channel(Protocol):
    name: str

    def reach(self, notice: Message) -> Reach | None:
        """Whom this channel would tell; None: nobody at these levels (nothing is recorded)."""
        ...

    def send(self, notice: Message, reach: Reach) -> None:
        """One attempt; raises DeliveryError (or anything) when it fails."""
        ...


def _everyone(notice: Message) -> Reach:
    return Reach(notice.levels, tuple(notice.recipient_names()))


def post_json(url: str, body: Mapping[str, Any], timeout: float) -> None:
    """POST `body` as JSON; returns on a 2xx answer, raises DeliveryError otherwise."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "gascc-notifier"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
            if not 200 <= status < 300:
                raise DeliveryError(f"HTTP {status} {response.reason}")
    except urllib.error.HTTPError as error:
        message = f"HTTP {error.code} {error.reason}"
        detail = _answer(error)
        raise DeliveryError(f"{message}: {detail}" if detail else message) from None
    except TimeoutError:
        raise DeliveryError(f"timed out after {timeout:g} s") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise DeliveryError(f"timed out after {timeout:g} s") from None
        raise DeliveryError(f"connection failed: {error.reason}") from None
    except OSError as error:  # a connection reset while reading the answer, and the like
        raise DeliveryError(f"connection failed: {error}") from None


def _answer(error: urllib.error.HTTPError) -> str:
    """The start of an error answer's body (what the endpoint says is wrong), if it has one."""
    try:
        return error.read(300).decode("utf-8", "replace").strip() if error.fp else ""
    except OSError:
        return ""


@dataclass
class WebhookChannel:
    """An HTTP POST of the JSON message (Notice.as_json) to one URL."""

    url: str
    timeout: float = HTTP_TIMEOUT_S
    name: str = "webhook"

    def reach(self, notice: Message) -> Reach | None:
        return _everyone(notice)

    def send(self, notice: Message, reach: Reach) -> None:
        post_json(self.url, notice.as_json(), self.timeout)


@dataclass
class SmsGatewayChannel:
    """A generic SMS gateway: POST {"to": [numbers], "text": "..."}; the numbers are those
    configured for the notice's levels (levels without numbers are not reached by SMS)."""

    url: str
    phones_by_level: Mapping[str, Sequence[str]]
    timeout: float = HTTP_TIMEOUT_S
    name: str = "sms"

    def _phones(self, levels: Sequence[str]) -> list[str]:
        seen: dict[str, None] = {}
        for level in levels:
            seen.update(dict.fromkeys(self.phones_by_level.get(level, ())))
        return list(seen)

    def reach(self, notice: Message) -> Reach | None:
        levels = tuple(lv for lv in notice.levels if self.phones_by_level.get(lv))
        if not levels:
            return None
        recipients = tuple(
            f"{notice.recipients[lv]} {phone}"
            for lv in levels
            for phone in self.phones_by_level[lv]
        )
        return Reach(levels, recipients)

    def send(self, notice: Message, reach: Reach) -> None:
        post_json(self.url, {"to": self._phones(reach.levels), "text": notice.text}, self.timeout)


@dataclass
class InAppChannel:
    """The in-app notification centre: it reads the recorded notifications, so it always
    delivers (the platform's users at all four levels sign in to it, seeds/000)."""

    name: str = "in_app"

    def reach(self, notice: Message) -> Reach | None:
        return _everyone(notice)

    def send(self, notice: Message, reach: Reach) -> None:
        return None


def parse_sms_to(value: str | None) -> dict[str, list[str]]:
    """GASCC_NOTIFY_SMS_TO, "city=13800000000,13800000001;district=13900000000", as numbers by
    level; a wrong value raises SettingsError (a ValueError) naming the variable."""
    phones: dict[str, list[str]] = {}
    for part in (value or "").split(";"):
        part = part.strip()
        if not part:
            continue
        level, sep, numbers = part.partition("=")
        level = level.strip()
        if not sep or level not in LEVELS:
            raise SettingsError(
                "GASCC_NOTIFY_SMS_TO",
                f"{part!r} is not LEVEL=NUMBER[,NUMBER...] with LEVEL one of {', '.join(LEVELS)}",
            )
        for number in numbers.split(","):
            number = number.strip().replace(" ", "").replace("-", "")
            if not _PHONE.fullmatch(number):
                raise SettingsError(
                    "GASCC_NOTIFY_SMS_TO", f"{number!r} ({level}) is not a phone number"
                )
            if number not in phones.setdefault(level, []):
                phones[level].append(number)
    return phones


# --- the notifier -------------------------------------------------------------------------------


class Notifier:
    """The outbox's delivery worker (data_access/outbox.py): claims due notification requests,
    delivers each on every channel in parallel with retries, and records every outcome.

    `start()` runs it in a background thread that wakes when an action commits (`wake`, an
    event-log commit listener) and otherwise looks for work every `poll_s` seconds: requests
    left by a crashed or stopped process are picked up once their claim has run out."""

    def __init__(
        self,
        engine: Engine,
        channels: Sequence[Channel],
        directory: Directory,
        *,
        time_zone: str = "Asia/Shanghai",
        retries: int = 3,
        base_delay: float = 0.5,
        workers: int = WORKERS,
        lease_s: float = 120.0,
        poll_s: float = POLL_S,
    ) -> None:
        self.engine = engine
        self.channels = tuple(channels)
        self.directory = directory
        self.zone = ZoneInfo(time_zone)
        self.retries = max(1, retries)
        self.base_delay = base_delay
        self.lease = timedelta(seconds=lease_s)
        self.poll_s = poll_s
        self.worker = f"notifier@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.actor = system_user("notifier")
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="notifier")
        self._wake = threading.Event()
        self._stopping = threading.Event()  # close(): no more waiting between attempts
        self._thread: threading.Thread | None = None

    @property
    def channel_names(self) -> tuple[str, ...]:
        return tuple(channel.name for channel in self.channels)

    def start(self) -> None:
        """Deliver in the background until `close`."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="notifier", daemon=True)
            self._thread.start()

    def wake(self, _seq: int | None = None) -> None:
        """Something was committed: look for requests now rather than at the next poll."""
        self._wake.set()

    def run_once(self) -> int:
        """Claim what is due and deliver it; returns (the number of requests claimed) once
        every claimed request's outcomes are recorded or left for a later claim."""
        now = datetime.now(UTC)
        requests = claim_requests(self.engine, self.worker, now, self.lease)
        for request in requests:
            self._deliver_request(request)
        notices = claim_hazard_notices(
            self.engine, self.worker, now, self.lease, self.channel_names
        )
        for notice in notices:
            self._deliver_notice(notice)
        detentions = claim_detention_notices(
            self.engine, self.worker, now, self.lease, self.channel_names
        )
        for pending in detentions:
            self._deliver_detention_notice(pending)
        return len(requests) + len(notices) + len(detentions)

    def drain(self, timeout: float = 30.0) -> bool:
        """Deliver until no request is waiting; False if some still wait after `timeout`."""
        deadline = time.monotonic() + timeout
        while pending_count(self.engine):
            if time.monotonic() >= deadline:
                return False
            if not self.run_once():  # claimed elsewhere, or by the background thread
                time.sleep(0.05)
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Stop: deliveries under way stop between attempts and stay in the outbox for the
        next notifier (nothing is lost); the background thread ends."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._pool.shutdown(wait=True, cancel_futures=True)

    # -- in the background

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                while self.run_once() and not self._stopping.is_set():
                    pass
            except Exception:  # the database away for a moment: try again at the next poll
                log.exception("notify: could not deliver the outbox")
            self._wake.wait(self.poll_s)
            self._wake.clear()

    def _deliver_request(self, request: PendingRequest) -> None:
        try:
            incident = queries.incident_notice(self.engine, request.incident_id)
            if incident is None:  # cannot be: a request names a known incident
                raise LookupError(f"incident {request.incident_id!r} is not known")
            notice = word_notice(
                self.directory, incident, request.levels, self.zone, datetime.now(UTC), request.id
            )
            reaches = [(channel, channel.reach(notice)) for channel in self.channels]
        except Exception as error:  # the database, a bad row: still an outcome to record
            log.exception("notify: could not prepare the notification of %r", request.incident_id)
            recorded = [
                self._record(
                    request,
                    channel.name,
                    request.levels,
                    (),
                    False,
                    1,
                    f"not sent: {_describe(error)}",
                )
                for channel in self.channels
                if channel.name not in request.answered
            ]
            self._finish(request, all(recorded))
            return
        todo = [(c, r) for c, r in reaches if r is not None and c.name not in request.answered]
        record = partial(self._record, request)
        futures = [self._pool.submit(self._deliver, c, notice, r, record) for c, r in todo]
        self._finish(request, all(future.result() for future in futures))

    def _finish(self, request: PendingRequest, all_recorded: bool) -> None:
        if all_recorded:
            mark_done(self.engine, request.id, self.worker, datetime.now(UTC))

    def _deliver_notice(self, pending: PendingNotice) -> None:
        """An escalation's notice, on every channel that has no outcome for it yet."""

        def prepare(now: datetime) -> Message:
            found = hazard_detail(self.engine, CITYWIDE, pending.hazard_id)
            if found is None:  # cannot be: a notice names a known hazard
                raise LookupError(f"hazard {pending.hazard_id!r} is not known")
            return word_hazard_notice(
                self.directory.city, found.row, pending.level, self.zone, now, pending.id
            )

        levels = ESCALATION_NOTIFIES.get(pending.level, ("district",))
        record = partial(self._record_notice, pending)
        self._deliver_outboxed(
            pending.id, pending.answered, prepare, levels, record, HazardNoticeRow
        )

    def _deliver_detention_notice(self, pending: PendingDetentionNotice) -> None:
        """A detention's notice, on every channel that has no outcome for it yet."""

        def prepare(now: datetime) -> Message:
            found = detention(self.engine, CITYWIDE, pending.detention_id)
            if found is None:  # cannot be: a notice names a known detention
                raise LookupError(f"detention {pending.detention_id!r} is not known")
            return word_detention_notice(
                self.directory.city, found, pending.reason, self.zone, now, pending.id
            )

        levels = NOTICE_LEVELS.get(pending.reason, ("enterprise",))
        record = partial(self._record_detention_notice, pending)
        self._deliver_outboxed(
            pending.id, pending.answered, prepare, levels, record, DetentionNoticeRow
        )

    def _deliver_outboxed(
        self,
        notice_id: str,
        answered: frozenset[str],
        prepare: Callable[[datetime], Message],
        levels: Sequence[str],
        record: Callable[..., bool],
        model: type[Outbox],
    ) -> None:
        """A notice of an outbox of its own (escalations, detentions): worded by `prepare`,
        sent on every channel without an outcome yet; a notice that cannot be worded is
        recorded failed on each (for `levels`); done once every outcome is recorded."""
        try:
            notice = prepare(datetime.now(UTC))
            reaches = [(channel, channel.reach(notice)) for channel in self.channels]
        except Exception as error:
            log.exception("notify: could not prepare the notice %r", notice_id)
            recorded = [
                record(channel.name, levels, (), False, 1, f"not sent: {_describe(error)}")
                for channel in self.channels
                if channel.name not in answered
            ]
            self._finish_notice(notice_id, all(recorded), model)
            return
        todo = [(c, r) for c, r in reaches if r is not None and c.name not in answered]
        futures = [self._pool.submit(self._deliver, c, notice, r, record) for c, r in todo]
        self._finish_notice(notice_id, all(future.result() for future in futures), model)

    def _finish_notice(self, notice_id: str, all_recorded: bool, model: type[Outbox]) -> None:
        if all_recorded:
            mark_done(self.engine, notice_id, self.worker, datetime.now(UTC), model)

    def _deliver(
        self, channel: Channel, notice: Message, reach: Reach, record: Callable[..., bool]
    ) -> bool:
        """One channel, with retries; True once its outcome is recorded."""
        attempts, error = 0, None
        for attempt in range(1, self.retries + 1):
            attempts, error = attempt, None
            try:
                channel.send(notice, reach)
                break
            except Exception as failure:
                error = _describe(failure)
            if attempt < self.retries and self._stopping.wait(self.base_delay * 2 ** (attempt - 1)):
                return False  # closing: the request stays in the outbox for the next notifier
        delivered = error is None
        return record(channel.name, reach.levels, reach.recipients, delivered, attempts, error)

    def _record(
        self,
        request: PendingRequest,
        channel: str,
        levels: Sequence[str],
        recipients: Sequence[str],
        delivered: bool,
        attempts: int,
        error: str | None,
    ) -> bool:
        try:
            result = record_notification(
                self.engine,
                self.actor,
                request.id,
                request.incident_id,
                levels,
                recipients,
                channel,
                delivered=delivered,
                attempts=max(attempts, 1),
                error=error,
            )
        except Exception:
            log.exception("notify: could not record the %s outcome for %r", channel, request.id)
            return False
        if isinstance(result, Refused):
            log.warning("notify: %s outcome for %r not recorded: %s", channel, request.id, result)
        return True

    def _record_notice(
        self,
        pending: PendingNotice,
        channel: str,
        levels: Sequence[str],
        recipients: Sequence[str],
        delivered: bool,
        attempts: int,
        error: str | None,
    ) -> bool:
        write = partial(
            record_hazard_notification,
            self.engine,
            self.actor,
            pending.id,
            pending.hazard_id,
            levels,
            recipients,
            channel,
            delivered=delivered,
            attempts=max(attempts, 1),
            error=error,
        )
        return _recorded(write, channel, pending.id)

    def _record_detention_notice(
        self,
        pending: PendingDetentionNotice,
        channel: str,
        levels: Sequence[str],
        recipients: Sequence[str],
        delivered: bool,
        attempts: int,
        error: str | None,
    ) -> bool:
        write = partial(
            record_detention_notification,
            self.engine,
            self.actor,
            pending.id,
            pending.detention_id,
            pending.code,
            pending.reason,
            levels,
            recipients,
            channel,
            delivered=delivered,
            attempts=max(attempts, 1),
            error=error,
        )
        return _recorded(write, channel, pending.id)


def _recorded(write: Callable[[], object], channel: str, notice_id: str) -> bool:
    """Record an outcome (a refusal, e.g. a duplicate, is logged); False if it could not be."""
    try:
        result = write()
    except Exception:
        log.exception("notify: could not record the %s outcome for %r", channel, notice_id)
        return False
    if isinstance(result, Refused):
        log.warning("notify: %s outcome for %r not recorded: %s", channel, notice_id, result)
    return True


def _describe(error: BaseException) -> str:
    if isinstance(error, DeliveryError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def build_notifier(settings: Settings, engine: Engine, *, base_delay: float = 0.5) -> Notifier:
    """The configured channels (in-app always); a wrong SMS setting raises SettingsError."""
    channels: list[Channel] = [InAppChannel()]
    if settings.notify_webhook_url:
        channels.append(WebhookChannel(settings.notify_webhook_url))
    phones = parse_sms_to(settings.notify_sms_to)
    if settings.notify_sms_url and not phones:
        raise SettingsError(
            "GASCC_NOTIFY_SMS_TO", "is required with GASCC_NOTIFY_SMS_URL (e.g. city=13800000000)"
        )
    if phones and not settings.notify_sms_url:
        raise SettingsError(
            "GASCC_NOTIFY_SMS_URL", "is required with GASCC_NOTIFY_SMS_TO (the gateway's address)"
        )
    if settings.notify_sms_url:
        channels.append(SmsGatewayChannel(settings.notify_sms_url, phones))
    return Notifier(
        engine,
        channels,
        Directory(engine, load_city_pack(settings.city_pack)),
        time_zone=settings.time_zone,
        retries=settings.notify_retries,
        base_delay=base_delay,
        lease_s=settings.notify_lease_s,
    )
