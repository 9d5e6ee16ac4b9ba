"""The baseline of bench/desk_action.py: `python -m dashboard ...` with the Dash app as it was
before it announced its commits through Redis.

    python bench/desk_action_old_app.py demo --no-simulators --data-dir DIR --port P ...

It replaces `CommitAnnouncer` in `dashboard.app` with a listener that does nothing, then runs the
ordinary command line. gunicorn builds each worker's app after forking this process, so every
worker gets the silent listener; the gateway is a process of its own and stays as it is. With
REDIS_URL set, the live hubs then hear of a desk action only at their poll of the log
(`POLL_WITH_REDIS_S`), which is what every desk action got before the announcer existed.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dashboard.app
from dashboard.cli import main


class SilentAnnouncer:
    """Takes the announcer's place and announces nothing."""

    def __init__(self, redis_url: str) -> None:
        self.redis_url = redis_url

    def __call__(self, seq: int) -> None:
        return None


if __name__ == "__main__":
    dashboard.app.CommitAnnouncer = SilentAnnouncer
    sys.exit(main())
