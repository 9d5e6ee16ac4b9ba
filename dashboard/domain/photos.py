"""Photo references and the links the command center draws: one rule for ingest and rendering.

An event names a photo (safety checks, rectifications, incident updates) by its content hash,
`sha256:` and 64 lowercase hex digits, which the app serves itself at `/photos/<hex>.svg`, or by
an https URL on a host the operator trusts (GASCC_PHOTO_HOSTS, none by default). Anything else
is refused at ingest, and drawn as plain text if an older event in the log holds it: a reference
is put into a URL only after this module has parsed it, so `sha256:../logout?x=` can never make a
browser request another path of the app.

Links in pages and the PDF report go through `safe_link`: an https URL on an allowed host or a
path on this site, never another scheme (`javascript:`, `data:`, ...) or another host.

Plain Python only (the gateway, the pages and the PDF all import it).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

__all__ = [
    "CONTENT_HASH",
    "Photo",
    "parse_photo",
    "photo_hosts",
    "photo_path",
    "photo_problem",
    "safe_link",
]

CONTENT_HASH = re.compile(r"sha256:([0-9a-f]{64})")
# What an https URL may contain: RFC 3986's unreserved, reserved and percent characters only.
# No whitespace, control or bidi characters, quotes, angle brackets or backslashes (which
# browsers read as a slash), so the URL means the same to every parser that sees it.
_URL_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
_HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")
_SITE_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9\-._~/?#&=%+,:@]*")


@dataclass(frozen=True, slots=True)
class Photo:
    """A well-formed photo reference: where a browser fetches it (`url`, a site path for a
    content hash) and what kind it is."""

    kind: Literal["hash", "url"]
    url: str


def photo_path(digest: str) -> str:
    """The app's path of a stored photo (dashboard/api.py `photo` serves it)."""
    return f"/photos/{digest}.svg"


def photo_hosts(setting: str) -> frozenset[str]:
    """The allowed photo hosts from a comma-separated setting; raises ValueError on a bad one."""
    hosts = frozenset(part.strip().lower() for part in setting.split(",") if part.strip())
    for host in hosts:
        if not _HOST.fullmatch(host):
            raise ValueError(f"{host!r} is not a host name (like photos.example.org)")
    return hosts


def parse_photo(reference: object, hosts: Collection[str]) -> Photo | None:
    """The photo a reference names, or None if it is not a well-formed, allowed reference."""
    if not isinstance(reference, str):
        return None
    match = CONTENT_HASH.fullmatch(reference)
    if match is not None:
        return Photo("hash", photo_path(match[1]))
    if _allowed_https(reference, hosts):
        return Photo("url", reference)
    return None


def photo_problem(reference: object, hosts: Collection[str]) -> str | None:
    """Why a reference is refused at ingest, or None when it is accepted."""
    if isinstance(reference, str) and CONTENT_HASH.fullmatch(reference):
        return None  # the common case, on the ingest path: no Photo built
    if parse_photo(reference, hosts) is not None:
        return None
    if isinstance(reference, str) and reference.startswith("https://") and not hosts:
        return "photo URLs are not accepted here (no photo hosts configured); send sha256:<hex>"
    allowed = ", ".join(sorted(hosts)) or "none configured"
    return (
        "a photo must be 'sha256:' and 64 lowercase hex digits, or an https URL on an allowed "
        f"host ({allowed})"
    )


def safe_link(url: object, hosts: Collection[str]) -> str | None:
    """`url` if a page or the PDF may link to it (a path on this site, or an https URL on an
    allowed host), else None."""
    if not isinstance(url, str):
        return None
    if _SITE_PATH.fullmatch(url) and ".." not in url.split("?", 1)[0].split("/"):
        return url
    return url if _allowed_https(url, hosts) else None


def _allowed_https(url: str, hosts: Collection[str]) -> bool:
    if len(url) > 2048 or not _URL_CHARACTERS.fullmatch(url):
        return False
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a malformed port or IPv6 literal
        return False
    return (
        parts.scheme == "https"
        and "@" not in parts.netloc  # no user info: https://trusted@evil/ goes to evil
        and port in (None, 443)
        and parts.hostname is not None
        and parts.hostname in hosts
    )
