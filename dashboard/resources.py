"""What pages and callbacks need from the app serving them, bound once by `create_app`."""

from __future__ import annotations

from dataclasses import dataclass

import flask
from sqlalchemy import Engine

from dashboard.citypack import CityPack
from dashboard.domain.dispatch import Router
from dashboard.notifier import Notifier
from dashboard.settings import Settings


@dataclass(frozen=True)
class Resources:
    """What callbacks and pages need, bound once per app by the factory."""

    settings: Settings
    engine: Engine
    city: CityPack
    notifier: Notifier  # incident notifications: webhook, SMS gateway, in-app
    router: Router | None  # driving times for dispatch (OSRM); None: the straight-line guess


def resources() -> Resources:
    """The resources of the app serving the current request."""
    return flask.current_app.config["GASCC"]
