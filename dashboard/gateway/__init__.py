"""The gateway process: websocket `/ingest` for event sources, `/live` for browsers, `/healthz`.

`ingest` holds the protocol and the group-committing writer, `live` the hub that pushes new
events to open screens, `server` the websockets server that runs both.
"""
