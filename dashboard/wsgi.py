"""Production entry point: `gunicorn 'dashboard.wsgi:server'`, configured by the environment."""

import sys

from dashboard.app import NotMigratedError, create_app
from dashboard.settings import Settings, SettingsError

try:
    app = create_app(Settings.from_env())
except (SettingsError, NotMigratedError) as error:
    print(f"error: {error}", file=sys.stderr)
    raise SystemExit(2) from None
server = app.server
