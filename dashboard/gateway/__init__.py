"""The gateway process: websocket `/ingest` for event sources (and `/healthz`).

`ingest` holds the protocol and the group-committing writer; `server` the websockets server.
"""
