"""Photos people upload (a rectification's proof): kept under <data dir>/photos by their content
hash, as events name them ("sha256:<hex>"), and served by /photos/ like the field apps' photos.

Only JPEG and PNG are taken, recognised by their first bytes (not by a name or a type the browser
claims), up to MAX_BYTES each: a photo is shown to others, so nothing else may pass as one."""

from __future__ import annotations

import base64
import binascii
import hashlib
from pathlib import Path

__all__ = ["MAX_BYTES", "STORED_KINDS", "store_photo", "stored_photo"]

MAX_BYTES = 5 * 1024 * 1024
# file suffix -> (first bytes, media type); the field apps' own photos are SVG (simulators)
STORED_KINDS = {
    ".jpg": (b"\xff\xd8\xff", "image/jpeg"),
    ".png": (b"\x89PNG\r\n\x1a\n", "image/png"),
}


def store_photo(photos_dir: Path, upload: str) -> str | None:
    """Keep an upload (a dcc.Upload data URL) and return its reference "sha256:<hex>"; None
    when it is not a JPEG or PNG photo of at most MAX_BYTES."""
    _, _, encoded = upload.partition(";base64,")
    if not encoded or len(encoded) > MAX_BYTES * 4 // 3 + 4:
        return None
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None
    suffix = next((s for s, (magic, _) in STORED_KINDS.items() if content.startswith(magic)), None)
    if suffix is None or len(content) > MAX_BYTES:
        return None
    digest = hashlib.sha256(content).hexdigest()
    photos_dir.mkdir(parents=True, exist_ok=True)
    target = photos_dir / f"{digest}{suffix}"
    if not target.exists():
        partial = target.with_suffix(".part")
        partial.write_bytes(content)
        partial.replace(target)  # whole or not at all
    return f"sha256:{digest}"


def stored_photo(photos_dir: Path, digest: str) -> tuple[str, str] | None:
    """(file name, media type) of an uploaded photo with this hash, if there is one."""
    for suffix, (_, media_type) in STORED_KINDS.items():
        if (photos_dir / f"{digest}{suffix}").is_file():
            return f"{digest}{suffix}", media_type
    return None
