"""One settings object, read from the environment.

Every command builds a `Settings` with `Settings.from_env()`; a wrong value raises `SettingsError`
naming the variable, which the CLI turns into one line on stderr and exit code 2.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dashboard.domain.photos import photo_hosts

LANGUAGES = ("zh", "en")
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
NO_TILES = ("", "none", "off")
# Tile providers (docs/tiles.md). GASCC_TILES picks a preset; GASCC_TILE_URL is a custom provider.
TILE_PRESETS = ("none", "osm", "tianditu", "amap")
TILE_CRS = ("wgs84", "gcj02")  # the datum a provider draws its tiles in
TIANDITU_TILES = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
)
TIANDITU_ATTRIBUTION = "© 天地图 Tianditu"
AMAP_TILES = (
    "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
    "&x={x}&y={y}&z={z}"
)
AMAP_ATTRIBUTION = "© 高德地图 AutoNavi"


class SettingsError(ValueError):
    """A setting has a wrong value; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str
    redis_url: str | None = None
    city_pack: str = "wuhan"
    time_zone: str = "Asia/Shanghai"
    language: str = "zh"
    tiles: str = "osm"  # a preset of TILE_PRESETS, or "custom" (GASCC_TILE_URL)
    tile_url: str | None = OSM_TILES  # the base layer's XYZ template; None for no tiles
    tile_attribution: str = OSM_ATTRIBUTION
    tile_crs: str = "wgs84"  # gcj02: the browser shifts the tiles onto the WGS84 data
    tianditu_key: str | None = None
    host: str = "127.0.0.1"
    port: int = 8050
    gateway_port: int = 8765
    live_url: str | None = None  # where browsers reach /live; default: this host, gateway port
    live_enabled: bool = True  # browsers open the live channel (a gateway serves /live)
    ingest_writer: str = "thread"  # the gateway's writer: a "thread", or a child "process"
    # Ingest quotas (docs/ingest-quotas.md; the defaults are dashboard/gateway/ingest.py's)
    ingest_token_rate: int = 2_000  # events/s per token, all its connections together
    ingest_connection_rate: int = 2_000  # events/s per connection
    ingest_token_connections: int = 4  # open connections per token
    ingest_connections: int = 200  # open ingest connections per gateway process
    workers: int = 2
    screen_rotate_s: int = 30  # seconds each /screen panel shows before the next (?rotate= wins)
    router_url: str | None = None  # an OSRM server for dispatch ETAs; None: straight-line guess
    # Where incident notifications go besides the in-app centre (docs/incidents.md)
    notify_webhook_url: str | None = None
    notify_sms_url: str | None = None  # an SMS gateway's HTTP endpoint
    notify_sms_to: str | None = None  # "city=13800000000;district=13900000000,..."
    notify_retries: int = 3  # attempts per delivery before it is recorded as failed
    # How long a notifier's claim on a request lasts: after a crash, another (or the restarted)
    # notifier sends what has no outcome yet once the claim has run out.
    notify_lease_s: int = 120
    # Sign-in (docs/security.md, "Sessions, sign-in and headers")
    session_idle_s: int = 30 * 60  # a session unused this long ends (12 h absolute regardless)
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-* headers we believe
    secure_cookies: bool = False  # always mark the session cookie Secure (else: when on HTTPS)
    # Hosts whose https URLs a photo reference may name (docs/events.md); none: hashes only
    photo_hosts: frozenset[str] = frozenset()
    # The public QR check's throttles per client address (docs/public-check.md), in
    # Flask-Limiter's notation; None: dashboard/domain/public_check.py's defaults.
    public_view_limit: str | None = None
    public_complaint_limit: str | None = None
    demo: bool = False

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        demo: bool = False,
        data_dir: str | Path | None = None,
        require_secret: bool = True,
    ) -> Settings:
        """Build settings from environment variables (see README, "Configuration").

        `demo` allows a missing SECRET_KEY: the demo keeps a generated one in its data directory.
        Commands that sign nothing (db, users, seed) pass require_secret=False.
        `data_dir` (the CLI's --data-dir) wins over GASCC_DATA_DIR.
        """
        env = os.environ if environ is None else environ
        directory = Path(data_dir or env.get("GASCC_DATA_DIR") or "data").expanduser().absolute()
        return cls(
            data_dir=directory,
            database_url=_database_url(env, directory),
            secret_key=_secret_key(env, directory, demo, require_secret),
            redis_url=_redis_url(env),
            city_pack=env.get("GASCC_CITY_PACK", "wuhan").strip() or "wuhan",
            time_zone=_time_zone(env),
            language=_choice(env, "GASCC_LANGUAGE", "zh", LANGUAGES),
            **_tile_settings(env),
            host=env.get("GASCC_HOST", "127.0.0.1").strip() or "127.0.0.1",
            port=_port(env, "GASCC_PORT", 8050),
            gateway_port=_port(env, "GASCC_GATEWAY_PORT", 8765),
            live_url=_live_url(env),
            live_enabled=_choice(env, "GASCC_LIVE", "on", ("on", "off")) == "on",
            ingest_writer=_choice(env, "GASCC_INGEST_WRITER", "thread", ("thread", "process")),
            **_ingest_quotas(env),
            workers=_int(env, "GASCC_WORKERS", 2, low=1, high=64),
            screen_rotate_s=_int(env, "GASCC_SCREEN_ROTATE_S", 30, low=2, high=3600),
            router_url=_http_url(env, "GASCC_ROUTER_URL"),
            notify_webhook_url=_http_url(env, "GASCC_NOTIFY_WEBHOOK_URL"),
            notify_sms_url=_http_url(env, "GASCC_NOTIFY_SMS_URL"),
            notify_sms_to=env.get("GASCC_NOTIFY_SMS_TO", "").strip() or None,
            notify_retries=_int(env, "GASCC_NOTIFY_RETRIES", 3, low=1, high=10),
            notify_lease_s=_int(env, "GASCC_NOTIFY_LEASE_S", 120, low=2, high=3600),
            session_idle_s=60 * _int(env, "GASCC_SESSION_IDLE_MIN", 30, low=1, high=12 * 60),
            trusted_proxies=_int(env, "GASCC_TRUSTED_PROXIES", 0, low=0, high=5),
            secure_cookies=_choice(env, "GASCC_SECURE_COOKIES", "off", ("on", "off")) == "on",
            photo_hosts=_photo_hosts(env),
            public_view_limit=_rate_limit(env, "GASCC_PUBLIC_VIEW_LIMIT"),
            public_complaint_limit=_rate_limit(env, "GASCC_PUBLIC_COMPLAINT_LIMIT"),
            demo=demo,
        )

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _database_url(env: Mapping[str, str], data_dir: Path) -> str:
    url = env.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{data_dir / 'gascc.sqlite3'}"
    scheme = urlsplit(url).scheme
    if not (scheme.startswith("sqlite") or scheme.startswith("postgresql")):
        raise SettingsError(
            "DATABASE_URL",
            f"unsupported database {scheme or url!r}: use sqlite:///PATH or "
            "postgresql+psycopg://USER:PASSWORD@HOST/DB",
        )
    if scheme in ("postgresql", "postgres"):
        # SQLAlchemy's bare "postgresql" means psycopg2, which we do not ship.
        url = "postgresql+psycopg" + url[len(scheme) :]
    return url


def _secret_key(env: Mapping[str, str], data_dir: Path, demo: bool, required: bool) -> str:
    key = env.get("SECRET_KEY", "").strip()
    if key:
        if len(key) < 16:
            raise SettingsError("SECRET_KEY", "must be at least 16 characters long")
        return key
    if not required:
        return ""
    if not demo:
        raise SettingsError(
            "SECRET_KEY",
            "is required outside the demo (e.g. export SECRET_KEY=$(openssl rand -hex 32))",
        )
    return _demo_secret_key(data_dir)


def _demo_secret_key(data_dir: Path) -> str:
    """The demo's key lives in its data directory, so sessions survive a restart."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Created 0600 at once: never readable by others, not even for a moment
    with os.fdopen(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600), "w") as file:
        file.write(key)
    return key


def _redis_url(env: Mapping[str, str]) -> str | None:
    url = env.get("REDIS_URL", "").strip()
    if url and urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        raise SettingsError("REDIS_URL", f"{url!r} is not a redis://HOST:PORT/DB address")
    return url or None


def _live_url(env: Mapping[str, str]) -> str | None:
    url = env.get("GASCC_LIVE_URL", "").strip()
    if url and urlsplit(url).scheme not in ("ws", "wss"):
        raise SettingsError("GASCC_LIVE_URL", f"{url!r} is not a ws:// or wss:// address")
    return url or None


def _http_url(env: Mapping[str, str], name: str) -> str | None:
    url = env.get(name, "").strip()
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        raise SettingsError(name, f"{url!r} is not an http:// or https:// address")
    return url or None


def _rate_limit(env: Mapping[str, str], name: str) -> str | None:
    """A throttle such as "60 per minute" or "3 per 10 minutes; 10 per day"."""
    raw = env.get(name, "").strip()
    if not raw:
        return None
    from limits import parse_many

    try:
        parse_many(raw)
    except ValueError:
        raise SettingsError(name, f"{raw!r} is not a rate such as '60 per minute'") from None
    return raw


def _photo_hosts(env: Mapping[str, str]) -> frozenset[str]:
    try:
        return photo_hosts(env.get("GASCC_PHOTO_HOSTS", ""))
    except ValueError as error:
        raise SettingsError("GASCC_PHOTO_HOSTS", str(error)) from None


def _time_zone(env: Mapping[str, str]) -> str:
    name = env.get("GASCC_TIME_ZONE", "Asia/Shanghai").strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError("GASCC_TIME_ZONE", f"{name!r} is not a known time zone") from None
    return name


def _tile_settings(env: Mapping[str, str]) -> dict[str, str | None]:
    """The tile provider: a GASCC_TILES preset, or a custom GASCC_TILE_URL (OSM by default)."""
    preset = env.get("GASCC_TILES", "").strip().lower()
    custom = env.get("GASCC_TILE_URL", "").strip()
    if preset and preset not in TILE_PRESETS:
        raise SettingsError("GASCC_TILES", f"{preset!r} is not one of {', '.join(TILE_PRESETS)}")
    if preset and custom and not (preset == "none" and custom.lower() in NO_TILES):
        # Two answers to one question: refuse rather than silently pick one.
        raise SettingsError(
            "GASCC_TILES", f"{preset!r} conflicts with GASCC_TILE_URL: set only one of them"
        )
    url = _tile_url(env) if not preset else None
    provider = preset or ("custom" if custom and url else "osm" if url else "none")
    if provider == "custom" and url == OSM_TILES:
        provider = "osm"
    crs = _tile_crs(env, provider)
    key = _tianditu_key(env) if provider == "tianditu" else None
    if provider != "custom":
        url = _preset_url(provider, key)
    defaults = {"osm": OSM_ATTRIBUTION, "custom": OSM_ATTRIBUTION}
    defaults |= {"tianditu": TIANDITU_ATTRIBUTION, "amap": AMAP_ATTRIBUTION, "none": ""}
    attribution = env.get("GASCC_TILE_ATTRIBUTION", defaults[provider])
    return {
        "tiles": provider,
        "tile_url": url,
        "tile_attribution": attribution,
        "tile_crs": crs,
        "tianditu_key": key,
    }


def _tile_url(env: Mapping[str, str]) -> str | None:
    url = env.get("GASCC_TILE_URL", OSM_TILES).strip()
    if url.lower() in NO_TILES:
        return None
    if not all(part in url for part in ("{z}", "{x}", "{y}")):
        raise SettingsError(
            "GASCC_TILE_URL", f"{url!r} needs {{z}}, {{x}} and {{y}} (or 'none' for no tiles)"
        )
    if not url.startswith(("http://", "https://", "/")):
        raise SettingsError(
            "GASCC_TILE_URL", f"{url!r} is not an http(s):// address or a path on this server"
        )
    return url


def _preset_url(provider: str, tianditu_key: str | None) -> str | None:
    if provider == "tianditu":
        return tianditu_url("vec", tianditu_key or "")
    return {"osm": OSM_TILES, "amap": AMAP_TILES}.get(provider)


def tianditu_url(layer: str, key: str) -> str:
    """A Tianditu Web-Mercator WMTS layer (vec, cva, eva, ...) as a Leaflet XYZ template."""
    return TIANDITU_TILES.replace("{layer}", layer).replace("{key}", key)


def _tile_crs(env: Mapping[str, str], provider: str) -> str:
    """Presets know their datum; only a custom URL may say it (AMap-like servers: gcj02)."""
    crs = env.get("GASCC_TILE_CRS", "").strip().lower()
    if not crs:
        return "gcj02" if provider == "amap" else "wgs84"
    if crs not in TILE_CRS:
        raise SettingsError("GASCC_TILE_CRS", f"{crs!r} is not one of {', '.join(TILE_CRS)}")
    if provider != "custom":
        raise SettingsError(
            "GASCC_TILE_CRS", f"applies only to a custom GASCC_TILE_URL, not to tiles {provider!r}"
        )
    return crs


def _tianditu_key(env: Mapping[str, str]) -> str:
    key = env.get("GASCC_TIANDITU_KEY", "").strip()
    if not key:
        raise SettingsError(
            "GASCC_TIANDITU_KEY",
            "is required with GASCC_TILES=tianditu (a browser key from console.tianditu.gov.cn)",
        )
    if not key.isascii() or not key.isalnum():
        raise SettingsError("GASCC_TIANDITU_KEY", "must be letters and digits only")
    return key


def _choice(env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = env.get(name, default).strip()
    if value not in allowed:
        raise SettingsError(name, f"{value!r} is not one of {', '.join(allowed)}")
    return value


def _ingest_quotas(env: Mapping[str, str]) -> dict[str, int]:
    return {
        "ingest_token_rate": _int(env, "GASCC_INGEST_TOKEN_RATE", 2_000, low=1, high=10**7),
        "ingest_connection_rate": _int(
            env, "GASCC_INGEST_CONNECTION_RATE", 2_000, low=1, high=10**7
        ),
        "ingest_token_connections": _int(
            env, "GASCC_INGEST_TOKEN_CONNECTIONS", 4, low=1, high=10_000
        ),
        "ingest_connections": _int(env, "GASCC_INGEST_CONNECTIONS", 200, low=1, high=100_000),
    }


def _int(env: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(name, f"{raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise SettingsError(name, f"{value} is outside {low}..{high}")
    return value


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    return _int(env, name, default, low=1, high=65535)
