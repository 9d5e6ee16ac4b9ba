"""Who did something, as a person reads it: the one place that turns an actor of the event log
into words, for the incident page, the close-out report and its PDF.

The log names actors in several ways (docs/architecture.md): `user:<login>` for a desk action,
a bare login where a command records `by`/`author` (`duty`), `source:<source>` for what an
ingest source wrote (never a desk user, whatever it claims), and a bare source (`field-app`,
`hotline-96511`, an enterprise's id) as the source of a report or a team's status. A person
expects names: the user's display name (王敏, not `duty`), the source's name in their language
(外勤App / Field app), the enterprise's name (not `ENT-0017`).

`names` maps logins, enterprise and team ids to their names (data_access.queries.incident_view
`actor_names` reads them for the actors at hand).
"""

from __future__ import annotations

from collections.abc import Mapping

from dashboard.domain.incidents import SOURCE_ACTOR_PREFIX
from dashboard.i18n import t, t_or
from data_access.queries.incident_view import actor_key

__all__ = ["channel_name", "team_status_here", "who"]


def who(actor: str | None, lang: str, names: Mapping[str, str]) -> str:
    """An actor as a person reads it, in `lang`; "" for none."""
    if not actor:
        return ""
    key = actor_key(actor)
    source_label = t_or(f"source.{key}", "", lang)
    if actor.startswith(SOURCE_ACTOR_PREFIX):
        # An ingest source's claim is never shown as a desk user's name.
        return source_label or f"{t('timeline.by_source', lang)} {names.get(key, key)}"
    return source_label or names.get(key) or key


def team_status_here(status: str, lang: str) -> str:
    """A team's status on one incident (incident_view.status_on_incident) in words."""
    return t_or(f"team_here.{status}", t_or(f"team_status.{status}", status, lang), lang)


def channel_name(channel: str | None, lang: str) -> str:
    """A notification channel in the reader's language (站内通知 / In-app)."""
    if not channel:
        return ""
    return t_or(f"notify.channel.{channel}", channel, lang)
