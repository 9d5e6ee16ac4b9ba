"""Deterministic stand-ins for the safety check's and the rectification's photos.

A delivery safety check (随瓶安检) carries four photos: the storefront or door, the cylinder-hose
joint, the stove-hose joint and the surroundings. Real field apps upload the picture and send its
content hash; the simulators do the same with a small generated SVG "photo" whose bytes depend
only on what it shows (kind, cylinder, customer, moment), and send ``sha256:<hex>`` of those
bytes. With a photos directory the bytes are also written there as ``<hex>.svg``, so a server
can show them (docs/simulators.md says how).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from xml.sax.saxutils import escape

PHOTO_KINDS = ("storefront", "cylinder_hose", "stove_hose", "surroundings")
PHOTO_LABELS = {
    "storefront": "门头 / 入户",
    "cylinder_hose": "气瓶与胶管连接处",
    "stove_hose": "灶具与胶管连接处",
    "surroundings": "用气环境",
    "rectified": "整改后现场",
    "incident": "事故现场",
}


def photo_bytes(kind: str, subject: str, place: str, taken: str) -> bytes:
    """A 320x240 SVG showing what the photo is of; the same arguments give the same bytes."""
    digest = hashlib.sha256(f"{kind}|{subject}|{place}".encode()).digest()
    background = f"#{digest[0]:02x}{digest[1]:02x}{digest[2]:02x}"
    accent = f"#{255 - digest[0]:02x}{255 - digest[1]:02x}{255 - digest[2]:02x}"
    label = escape(PHOTO_LABELS.get(kind, kind))
    lines = (escape(subject), escape(place), escape(taken))
    texts = "".join(
        f'<text x="16" y="{150 + 24 * n}" font-size="16" fill="#fff">{line}</text>'
        for n, line in enumerate(lines)
    )
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240">'
        f'<rect width="320" height="240" fill="{background}"/>'
        f'<circle cx="250" cy="70" r="44" fill="{accent}" opacity="0.6"/>'
        f'<text x="16" y="40" font-size="22" fill="#fff">{label}</text>{texts}</svg>'
    )
    return svg.encode("utf-8")


class PhotoStore:
    """Makes photo references; writes the bytes to `directory` when one is given (only those of
    `kinds`, if given: a backfill keeps the hazards' and incidents' photos, not the tens of
    thousands of past safety checks')."""

    def __init__(
        self, directory: str | Path | None = None, kinds: frozenset[str] | None = None
    ) -> None:
        self.directory = Path(directory) if directory else None
        self.kinds = kinds
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)

    def ref(self, kind: str, subject: str, place: str, taken: str) -> str:
        data = photo_bytes(kind, subject, place, taken)
        digest = hashlib.sha256(data).hexdigest()
        if self.directory is not None and (self.kinds is None or kind in self.kinds):
            path = self.directory / f"{digest}.svg"
            if not path.exists():
                path.write_bytes(data)
        return f"sha256:{digest}"

    def safety_check(self, code: str, customer_id: str, taken: str) -> dict[str, str]:
        """The four photos of one delivery safety check."""
        return {kind: self.ref(kind, code, customer_id, taken) for kind in PHOTO_KINDS}
