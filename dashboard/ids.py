"""Every Dash component id, in one place, so pages and callbacks cannot drift apart."""

# shell
NAVBAR = "shell-navbar"
LANG_SWITCH = "lang-switch"
LOGOUT = "logout"
SHELL_LOCATION = "shell-location"
# the live channel; assets/live.js uses these ids literally
LIVE_EVENTS = "live-events"  # batches of new events, written at most 10 times a second
LIVE_RESYNC = "live-resync"  # set when the hub says a view must reload from the server
LIVE_STATUS = "live-status"

# one map
MAP = "one-map-map"
MAP_DISTRICTS = "one-map-districts"
MAP_SITES = "one-map-sites"
MAP_LABELS = "one-map-labels"
MAP_LIVE = "one-map-live"
MAP_ALARMS = "one-map-alarms"
ALARM_ACK = "alarm-ack"  # pattern-matching type: {"type": ALARM_ACK, "alarm": <id>}
ALARM_FEEDBACK = "one-map-alarm-feedback"
MAP_METRIC = "one-map-metric"
MAP_LEGEND = "one-map-legend"
MAP_COUNTS = "one-map-counts"
MAP_UPDATED = "one-map-updated"
MAP_COUNTS_TICK = "one-map-counts-tick"  # live events, throttled to one recount per 2 s
