"""The polling baseline of bench/live_latency.py: a page that asks for news once a second.

    python bench/live_latency_poll.py --database DATA/gascc.sqlite3 --port 8060

A tiny standalone Dash app (no login, nothing from the internet) whose `dcc.Interval(1 s)`
callback reads the newest probe incidents from the same `event_log` (plain sqlite3, read-only)
and renders them as list items carrying a `data-probe` attribute, which the benchmark's init
script (bench/live_latency_probe.js) watches. Served by Flask's threaded server.
"""

from __future__ import annotations

import argparse
import sqlite3
from contextlib import closing
from pathlib import Path

from dash import Dash, Input, Output, dcc, html

PROBE_SOURCE = "bench-probe"
NEWEST = 50  # 10 s of probes: none is missed even when a poll comes late
QUERY = (
    "SELECT event_id FROM event_log WHERE source = ? AND type = 'incident.reported' "
    "ORDER BY seq DESC LIMIT ?"
)


def make_app(database: Path) -> Dash:
    app = Dash(__name__, title="polling baseline", assets_folder=str(database.parent / "-none-"))
    app.layout = html.Div(
        [dcc.Interval(id="tick", interval=1_000), html.Ul(id="probes")], id="poll-page"
    )

    @app.callback(Output("probes", "children"), Input("tick", "n_intervals"))
    def newest_probes(_n: int | None) -> list[html.Li]:
        uri = f"file:{database}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True, timeout=5)) as connection:
            rows = connection.execute(QUERY, (PROBE_SOURCE, NEWEST)).fetchall()
        return [html.Li(event_id, **{"data-probe": event_id}) for (event_id,) in rows]

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = make_app(args.database.resolve())
    app.run(host="127.0.0.1", port=args.port, debug=False, dev_tools_disable_version_check=True)


if __name__ == "__main__":
    main()
