"""Following the duty desk: the simulated field app learns its jobs from the command center.

The duty desk dispatches teams in the app (`incident.dispatched` from a "user:<name>" source) and
closes incidents (`incident.closed`, with `team.status` returning for the teams still on them).
A real field app hears of both from the command center; the simulators listen on the gateway's
live channel `/live` (protocol in dashboard/gateway/live.py) as a city-wide duty officer service
identity ("field-app", `FIELD_APP_USER`), with a fresh short-lived token
(`dashboard.live_token.issue_live_token`) for every connection, resuming from the last seq seen.

- `DeskFeed` turns live events into the emergency stream's steps on the city's scheduler, at the
  simulated time they arrive: incident.reported teaches it where incidents are, a desk's
  incident.dispatched sends the simulators' idle (or returning) crews among its teams there, and
  incident.closed brings the crews still on it back to base. No network: the unit tests feed it
  synthetic events.
- `DeskListener` is the websocket side: it connects, reconnects with backoff on any failure (the
  run never crashes for it) and hands each batch of events to the feed; an incident the feed does
  not know (reported before the listener connected) is looked up with `lookup`, if given.

Only the desk's dispatches are followed: the simulators never send `incident.dispatched`, and
outside systems' dispatch records are facts from their own desks.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from dashboard.domain.roles import Role, User
from dashboard.live_token import issue_live_token

if TYPE_CHECKING:
    from simulators.city import City
    from simulators.streams.emergency import EmergencyStream

log = logging.getLogger(__name__)

DESK_PREFIX = "user:"  # the sources of duty officers' actions (data_access.commands)
# Who the field app is on the live channel: city-wide, like a duty officer (no user row: the
# token is all the hub checks).
FIELD_APP_USER = User(0, "field-app", Role.DUTY_OFFICER, "现场终端（模拟）")
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 30.0
HELLO_TIMEOUT_S = 10.0

# (incident id) -> (lat, lon, kind, severity), or None when there is no such incident
Lookup = Callable[[str], tuple[float, float, str, int] | None]


def desk_secret(environ: Mapping[str, str], data_dir: str | Path | None) -> str | None:
    """The key live tokens are signed with: SECRET_KEY, else the demo's key in its data
    directory (read by the settings' own code); None when there is neither (a remote gateway)."""
    from dashboard.settings import Settings, SettingsError

    directory = Path(data_dir or environ.get("GASCC_DATA_DIR") or "data").expanduser()
    if not environ.get("SECRET_KEY", "").strip() and not (directory / "secret_key").exists():
        return None  # never make a key here: it would sign nothing the gateway accepts
    try:
        return Settings.from_env(environ, demo=True, data_dir=directory).secret_key
    except SettingsError as error:  # e.g. a SECRET_KEY too short to be the gateway's
        log.warning("desk: %s", error)
        return None


def live_url_for(ingest_url: str) -> str:
    """The gateway's /live next to its /ingest."""
    base = ingest_url.rstrip("/")
    return (base.removesuffix("/ingest") or base) + "/live"


def is_desk(event: Mapping[str, Any]) -> bool:
    """Whether a live event is a duty officer's action (older hubs send no source: then any)."""
    source = event.get("source")
    return source is None or str(source).startswith(DESK_PREFIX)


class DeskFeed:
    """Live events in, the emergency stream's desk steps out (scheduled at simulated time)."""

    def __init__(self, city: City) -> None:
        self.city = city
        self.emergency: EmergencyStream = city.streams["emergency"]  # type: ignore[assignment]
        self.followed = 0  # desk dispatches handed to the crews
        self.closed = 0

    def knows(self, incident_id: str) -> bool:
        return incident_id in self.emergency.known

    def learn(self, incident_id: str, lat: float, lon: float, kind: str, severity: int) -> None:
        self.emergency.learn(incident_id, lat, lon, kind, severity, ours=False)

    def unknown_incidents(self, events: Sequence[Mapping[str, Any]]) -> list[str]:
        """Incidents the desk dispatched to in `events` whose place the feed does not know."""
        reported = {
            (e.get("data") or {}).get("incident_id")
            for e in events
            if e.get("type") == "incident.reported"
        }
        out: list[str] = []
        for event in events:
            incident_id = (event.get("data") or {}).get("incident_id")
            if (
                event.get("type") == "incident.dispatched"
                and is_desk(event)
                and isinstance(incident_id, str)
                and incident_id not in reported
                and not self.knows(incident_id)
                and incident_id not in out
            ):
                out.append(incident_id)
        return out

    def handle(self, events: Sequence[Mapping[str, Any]], t: float) -> None:
        """Take one batch of live events, arriving at simulated time `t`."""
        for event in events:
            data = event.get("data") or {}
            kind = event.get("type")
            try:
                if kind == "incident.reported":
                    self.learn(
                        str(data["incident_id"]),
                        float(data["lat"]),
                        float(data["lon"]),
                        str(data.get("kind", "leak")),
                        int(data.get("severity", 2)),
                    )
                elif kind == "incident.dispatched" and is_desk(event):
                    self._dispatched(t, str(data["incident_id"]), list(data["team_ids"]))
                elif kind == "incident.closed":
                    self._closed(t, str(data["incident_id"]))
            except (KeyError, TypeError, ValueError) as error:  # not ours to judge: skip it
                log.info("desk: skipped a malformed %s (%s)", kind, error)

    def _dispatched(self, t: float, incident_id: str, team_ids: list[str]) -> None:
        place = self.emergency.known.get(incident_id)
        if place is not None:
            place.desk = True  # at once: a stand-in due before the step runs stands aside
        self.followed += 1
        self.city.scheduler.call(t, self._dispatch_step, incident_id, team_ids)

    def _dispatch_step(self, t: float, incident_id: str, team_ids: list[str]) -> None:
        for line in self.emergency.desk_dispatched(t, incident_id, team_ids):
            log.info("desk: %s", line)

    def _closed(self, t: float, incident_id: str) -> None:
        place = self.emergency.known.get(incident_id)
        if place is not None:
            place.closed = True
        self.closed += 1
        self.city.scheduler.call(t, self.emergency.desk_closed, incident_id)


class DeskListener:
    """The field app's connection to /live: `run(feed, now)` until `close()`."""

    def __init__(
        self,
        url: str,
        secret_key: str,
        *,
        lookup: Lookup | None = None,
        user: User = FIELD_APP_USER,
        seed: int = 0,
    ) -> None:
        self.url = url
        self.secret_key = secret_key
        self.lookup = lookup
        self.user = user
        self.after = 0  # the last seq seen (0: start from the newest)
        self.connected = asyncio.Event()  # set while a session is open (tests wait for it)
        self.connects = 0
        self.failures = 0
        self._closing = asyncio.Event()
        self._rng = random.Random(f"{seed}/desk/backoff")

    def close(self) -> None:
        self._closing.set()

    async def run(self, feed: DeskFeed, now: Callable[[], float]) -> None:
        """Follow the desk until closed; `now()` is the simulated time of the moment."""
        attempt = 0
        while not self._closing.is_set():
            try:
                await self._session(feed, now)
                attempt = 0
            except asyncio.CancelledError:
                raise
            except Exception as error:  # any failure: say so (rarely) and try again later
                self.failures += 1
                if self.failures <= 3 or self.failures % 20 == 0:
                    log.warning("desk: live channel %s: %s; retrying", self.url, _why(error))
            finally:
                self.connected.clear()
            if self._closing.is_set():
                break
            delay = min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2**attempt) * (0.5 + self._rng.random())
            attempt += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), delay)

    async def _session(self, feed: DeskFeed, now: Callable[[], float]) -> None:
        async with connect(self.url, open_timeout=10, close_timeout=2) as ws:
            token = issue_live_token(self.secret_key, self.user)  # fresh: tokens live 2 min
            await ws.send(json.dumps({"op": "hello", "token": token, "after": self.after}))
            welcome = json.loads(await asyncio.wait_for(ws.recv(), HELLO_TIMEOUT_S))
            if welcome.get("op") != "welcome":
                raise ConnectionError(f"{welcome.get('code')}: {welcome.get('message')}")
            if not self.after:
                self.after = int(welcome.get("seq") or 0)
            self.connects += 1
            self.connected.set()
            if self.connects == 1 or self.failures:
                log.info("desk: following the duty desk on %s from seq %d", self.url, self.after)
            closing = asyncio.create_task(self._closing.wait())
            try:
                while True:
                    receive = asyncio.create_task(ws.recv())
                    done, _ = await asyncio.wait(
                        {receive, closing}, return_when=asyncio.FIRST_COMPLETED
                    )
                    if closing in done:
                        receive.cancel()
                        with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                            await receive
                        return
                    await self._message(json.loads(receive.result()), feed, now)
            finally:
                closing.cancel()

    async def _message(
        self, message: Mapping[str, Any], feed: DeskFeed, now: Callable[[], float]
    ) -> None:
        op = message.get("op")
        if op == "events":
            events = list(message.get("events") or [])
            await self._learn_places(feed, events)
            feed.handle(events, now())
            if events:
                self.after = max(self.after, int(events[-1].get("seq") or 0))
        elif op == "resync":  # fell too far behind: what was missed is gone, carry on from here
            self.after = int(message.get("seq") or self.after)
            log.info("desk: resync at seq %d (missed events are not followed)", self.after)

    async def _learn_places(self, feed: DeskFeed, events: list[dict[str, Any]]) -> None:
        if self.lookup is None:
            return
        for incident_id in feed.unknown_incidents(events):
            try:
                found = await asyncio.to_thread(self.lookup, incident_id)
            except Exception as error:  # the database away: the dispatch is skipped, logged
                log.info("desk: looking up %s failed: %s", incident_id, _why(error))
                continue
            if found is not None:
                feed.learn(incident_id, *found)


def _why(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def database_lookup(engine: Any) -> Lookup:
    """Where an incident is, from the command center's database (the demo shares it)."""
    from dashboard.domain.roles import CITYWIDE
    from data_access.queries.incident_view import incident

    def lookup(incident_id: str) -> tuple[float, float, str, int] | None:
        row = incident(engine, incident_id, CITYWIDE)
        if row is None:
            return None
        return float(row.lat), float(row.lon), str(row.kind), int(row.severity)

    return lookup
