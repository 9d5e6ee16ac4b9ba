"""Every Dash component id, in one place, so pages and callbacks cannot drift apart."""

# shell
NAVBAR = "shell-navbar"
LANG_SWITCH = "lang-switch"
LOGOUT = "logout"
SHELL_LOCATION = "shell-location"
# the live channel; assets/live.js uses these two ids literally
LIVE_EVENTS = "live-events"
LIVE_STATUS = "live-status"

# one map
MAP = "one-map-map"
MAP_DISTRICTS = "one-map-districts"
MAP_SITES = "one-map-sites"
MAP_LABELS = "one-map-labels"
MAP_METRIC = "one-map-metric"
MAP_LEGEND = "one-map-legend"
MAP_COUNTS = "one-map-counts"
MAP_UPDATED = "one-map-updated"
