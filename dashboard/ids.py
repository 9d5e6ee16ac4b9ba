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
MAP_LAYERS = "one-map-layers"  # dl.LayersControl; its `overlays` says which layers are on
MAP_AREA_LEVEL = "one-map-area-level"  # districts or grid cells
MAP_FLOWS = "one-map-flows"
MAP_PULSES = "one-map-pulses"  # scans of the last seconds, from the live channel
MAP_ANOMALIES = "one-map-anomalies"
MAP_HAZARDS = "one-map-hazards"
MAP_RESOURCES = "one-map-resources"
MAP_PIPELINES = "one-map-pipelines"
MAP_EXCAVATIONS = "one-map-excavations"
MAP_SENSORS = "one-map-sensors"
MAP_LAYER_LEGENDS = "one-map-layer-legends"
MAP_FLOW_TICK = "one-map-flow-tick"  # dcc.Interval: the last hour's flows, every 30 s
MAP_DETAIL = "one-map-detail"  # the offcanvas with a clicked feature's detail
MAP_DETAIL_BODY = "one-map-detail-body"
MAP_HAZARD_COUNT = "one-map-hazard-count"  # "showing N of M" under the legends
# the time slider: minutes before now (0 = live), its play button and timer, what it shows
MAP_FRAME = "one-map-frame"  # marked "replaying" while the slider is off live
MAP_REPLAY = "one-map-replay"
MAP_REPLAY_PLAY = "one-map-replay-play"
MAP_REPLAY_TIMER = "one-map-replay-timer"
MAP_REPLAY_LABEL = "one-map-replay-label"

# big screen
# assets/screen.js finds these literally (clock, freshness, banner, rotation)
SCREEN = "screen"
SCREEN_CLOCK = "screen-clock"
SCREEN_UPDATED = "screen-updated"
SCREEN_BANNER = "screen-banner"
SCREEN_STAGE = "screen-stage"
SCREEN_KPIS = "screen-kpis"
SCREEN_MAP = "screen-map"
SCREEN_DISTRICTS = "screen-districts"
SCREEN_LABELS = "screen-labels"
SCREEN_POINTS = "screen-points"
SCREEN_LEGEND = "screen-legend"
SCREEN_RANKINGS = "screen-rankings"
SCREEN_INCIDENTS = "screen-incidents"
SCREEN_CYLINDERS = "screen-cylinders"
SCREEN_REFRESH = "screen-refresh"  # dcc.Interval: the fallback when the live channel is quiet
SCREEN_TICK = "screen-tick"  # live events, throttled to one refresh per 3 s
