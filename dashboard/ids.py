"""Every Dash component id, in one place, so pages and callbacks cannot drift apart."""

# shell
NAVBAR = "shell-navbar"
MENU_SUPERVISION = "shell-menu-supervision"  # the dropdown of the supervision pages
LANG_SWITCH = "lang-switch"
LOGOUT = "logout"
SHELL_LOCATION = "shell-location"
BUSY_NOTICE = "shell-busy"  # "busy, try again": an action met a locked database
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
ALARM_ESCALATE = "alarm-escalate"  # pattern-matching: open an incident from the alarm
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

# incident board and new-incident form (pages/incidents.py) -- board block
BOARD = "incident-board"
BOARD_COUNTS = "board-counts"
BOARD_LIST = "board-list"  # rows carry data-incident=<id>, and data-breach="1" when late
BOARD_CLOSED = "board-closed"  # the last 24 hours' closed incidents, folded away
BOARD_UPDATED = "board-updated"
BOARD_TICK = "board-tick"  # live events about incidents or teams, at most one per 500 ms
BOARD_REFRESH = "board-refresh"  # dcc.Interval: the fallback when the live channel is quiet
BOARD_NEW = "board-new"  # opens the new-incident form
BOARD_NOTICE = "board-notice"  # the outcome of the last report, with a link to the incident
FORM_MODAL = "incident-form"
FORM_KIND = "incident-form-kind"
FORM_SEVERITY = "incident-form-severity"
FORM_CHANNEL = "incident-form-channel"
FORM_MAP = "incident-form-map"
FORM_MAP_DISTRICTS = "incident-form-districts"
FORM_MARKER = "incident-form-marker"
FORM_COORDS = "incident-form-coords"  # "lat, lon": map clicks and chosen places write it too
FORM_PLACE_QUERY = "incident-form-place-query"
FORM_PLACE_RESULTS = "incident-form-place-results"
FORM_PLACES = "incident-form-places"  # dcc.Store: the places last found
FORM_PLACE = "incident-form-place"  # pattern-matching type: {"type": FORM_PLACE, "index": i}
FORM_ADDRESS = "incident-form-address"
FORM_DESCRIPTION = "incident-form-description"
FORM_ERROR = "incident-form-error"  # pattern type: {"type": FORM_ERROR, "field": <form field>}
FORM_MESSAGE = "incident-form-message"
FORM_SUBMIT = "incident-form-submit"
FORM_CANCEL = "incident-form-cancel"
FORM_DONE = "incident-form-done"  # dcc.Store: the id of the incident just reported
# (end of board block)

# incident view (pages/incident.py) -- view block
INCIDENT_ID = "incident-id"  # dcc.Store: the incident this view shows
INCIDENT_TICK = "incident-tick"  # live events about incidents or teams, at most 2 a second
INCIDENT_REFRESH = "incident-refresh"  # dcc.Interval: the fallback when the live channel is quiet
INCIDENT_HEADER = "incident-header"
INCIDENT_ACTIONS = "incident-actions"
INCIDENT_FEEDBACK = "incident-feedback"  # what became of the last action
INCIDENT_MAP = "incident-map"
INCIDENT_MAP_AROUND = "incident-map-around"  # pipelines, sensors, digs, depots
INCIDENT_MAP_TEAMS = "incident-map-teams"  # teams where they are now
INCIDENT_AROUND = "incident-around"  # the lists: at the address, experts, depots, networks
INCIDENT_RANKING = "incident-ranking"  # teams by arrival time, each with a box to pick it
TEAM_PICK = "incident-team-pick"  # pattern-matching: {"type", "team"}; a dbc.Checkbox per team
INCIDENT_PICKED = "incident-picked"  # dcc.Store: the picked team ids (survive each refresh)
INCIDENT_RANKING_NOTE = "incident-ranking-note"
INCIDENT_DISPATCH = "incident-dispatch"
INCIDENT_DISPATCH_MODAL = "incident-dispatch-modal"
INCIDENT_DISPATCH_SUMMARY = "incident-dispatch-summary"
INCIDENT_DISPATCH_CONFIRM = "incident-dispatch-confirm"
INCIDENT_DISPATCH_CANCEL = "incident-dispatch-cancel"
INCIDENT_DISPATCHED = "incident-dispatched"
TEAM_STATUS = "incident-team-status"  # pattern-matching: {"type", "team", "status"}
INCIDENT_TIMELINE = "incident-timeline"
INCIDENT_UPDATE_TEXT = "incident-update-text"
INCIDENT_UPDATE_STATUS = "incident-update-status"
INCIDENT_UPDATE_POST = "incident-update-post"
INCIDENT_CLOSE = "incident-close"
INCIDENT_CLOSE_MODAL = "incident-close-modal"
INCIDENT_CLOSE_SUMMARY = "incident-close-summary"
INCIDENT_CLOSE_CASUALTIES = "incident-close-casualties"
INCIDENT_CLOSE_CONFIRM = "incident-close-confirm"
INCIDENT_CLOSE_CANCEL = "incident-close-cancel"
INCIDENT_CLOSE_ERROR = "incident-close-error"
INCIDENT_NOTIFY_LEVELS = "incident-notify-levels"
INCIDENT_NOTIFY = "incident-notify"
INCIDENT_NOTIFICATIONS = "incident-notifications"
# (end of view block)

# close-out report and response-time statistics -- report block
REPORT = "incident-report"  # the printable report (pages/incident_report.py)
REPORT_PDF = "incident-report-pdf"  # link to /reports/<id>.pdf
REPORT_BACK = "incident-report-back"  # link to /incident/<id>
REPORT_OPEN_BANNER = "incident-report-open"  # "not closed yet"
REPORT_NOT_FOUND = "incident-report-not-found"
RT_FROM = "response-times-from"  # first month of the period (YYYY-MM)
RT_TO = "response-times-to"  # last month
RT_NOTICE = "response-times-notice"
RT_TABLE = "response-times-table"  # per district, with the total row
RT_CHART = "response-times-chart"  # monthly compliance (dcc.Graph)
RT_MATRIX = "response-times-matrix"  # district x month compliance
RT_AS_OF = "response-times-as-of"
# (end of report block)

# notification centre -- notifications block
NOTIFY_SUMMARY = "notify-summary"  # failures in the last 24 h; data-failed=<count>
NOTIFY_FAILED_ONLY = "notify-failed-only"
NOTIFY_CHANNEL = "notify-channel"
NOTIFY_LIST = "notify-list"  # rows carry data-outcome=delivered|failed and data-channel
NOTIFY_UPDATED = "notify-updated"
NOTIFY_TICK = "notify-tick"  # live incident.notified events, at most one per 500 ms
NOTIFY_REFRESH = "notify-refresh"  # dcc.Interval: the fallback when the live channel is quiet
# (end of notifications block)

# administration (pages/admin_*.py, callbacks/admin_*.py)
ADMIN_TABS = "admin-tabs"
ADMIN_USERS_ROLE_FILTER = "admin-users-role-filter"
ADMIN_USERS_LIST = "admin-users-list"  # rows carry data-username and data-active
ADMIN_USERS_TICK = "admin-users-tick"  # bumped after every action: the list reloads
ADMIN_USERS_FEEDBACK = "admin-users-feedback"  # what the last action did or why it was refused
ADMIN_USER_NEW = "admin-user-new"
ADMIN_USER_FORM = "admin-user-form"  # the modal: create, or edit the picked user
ADMIN_USER_PICKED = "admin-user-picked"  # dcc.Store: the username being edited (None: new)
ADMIN_USER_EDIT = "admin-user-edit"  # pattern-matching: {"type": ADMIN_USER_EDIT, "user": name}
ADMIN_USER_USERNAME = "admin-user-username"
ADMIN_USER_DISPLAY = "admin-user-display"
ADMIN_USER_ROLE = "admin-user-role"
ADMIN_USER_DISTRICT = "admin-user-district"
ADMIN_USER_ENTERPRISE = "admin-user-enterprise"
ADMIN_USER_PASSWORD = "admin-user-password"
ADMIN_USER_GENERATE = "admin-user-generate"  # switch: generate the password, shown once
ADMIN_USER_CREATE = "admin-user-create"
ADMIN_USER_SAVE = "admin-user-save"
ADMIN_USER_RESET = "admin-user-reset"
ADMIN_USER_DEACTIVATE = "admin-user-deactivate"  # dcc.ConfirmDialogProvider
ADMIN_USER_FORM_FEEDBACK = "admin-user-form-feedback"
ADMIN_TOKENS_LIST = "admin-tokens-list"  # rows carry data-token and data-revoked
ADMIN_TOKENS_TICK = "admin-tokens-tick"
ADMIN_TOKENS_FEEDBACK = "admin-tokens-feedback"
ADMIN_TOKEN_SOURCE = "admin-token-source"
ADMIN_TOKEN_TYPES = "admin-token-types"
ADMIN_TOKEN_ENTERPRISE = "admin-token-enterprise"
ADMIN_TOKEN_LABEL = "admin-token-label"
ADMIN_TOKEN_CREATE = "admin-token-create"
ADMIN_TOKEN_SECRET = "admin-token-secret"  # the new token, shown once
ADMIN_TOKEN_REVOKE = "admin-token-revoke"  # pattern-matching ConfirmDialogProvider: {"token": id}
ADMIN_AUDIT_ACTOR = "admin-audit-actor"
ADMIN_AUDIT_SUBJECT = "admin-audit-subject"
ADMIN_AUDIT_TYPES = "admin-audit-types"
ADMIN_AUDIT_SINCE = "admin-audit-since"
ADMIN_AUDIT_UNTIL = "admin-audit-until"
ADMIN_AUDIT_SEARCH = "admin-audit-search"
ADMIN_AUDIT_PAGES = "admin-audit-pages"  # dcc.Store: the `before` cursor of each page seen
ADMIN_AUDIT_NEWER = "admin-audit-newer"
ADMIN_AUDIT_OLDER = "admin-audit-older"
ADMIN_AUDIT_PAGE_LABEL = "admin-audit-page-label"
ADMIN_AUDIT_LIST = "admin-audit-list"  # rows carry data-seq and data-type
ADMIN_AUDIT_CSV = "admin-audit-csv"
ADMIN_AUDIT_XLSX = "admin-audit-xlsx"
ADMIN_AUDIT_DOWNLOAD = "admin-audit-download"
ADMIN_AUDIT_EXPORT_STATUS = "admin-audit-export-status"
ADMIN_USER_FORM_TITLE = "admin-user-form-title"
ADMIN_USER_PASSWORD_LABEL = "admin-user-password-label"
# parts of the form shown only when creating, or only when managing an account
ADMIN_USER_CREATE_PART = "admin-user-create-part"
ADMIN_USER_SAVE_PART = "admin-user-save-part"
ADMIN_USER_RESET_PART = "admin-user-reset-part"
ADMIN_USER_DEACTIVATE_PART = "admin-user-deactivate-part"
ADMIN_GENERATED_PASSWORD = "admin-generated-password"  # shown once, with a copy button
ADMIN_TOKEN_SECRET_TEXT = "admin-token-secret-text"
ADMIN_AUDIT_PREPARING = "admin-audit-preparing"  # shown while an export is being made
# the hazard board (/hazards): filters (mirrored in the URL), counts, list, pager, exports
HZ_DISTRICT = "hz-district"
HZ_GRID = "hz-grid"
HZ_ORIGIN = "hz-origin"
HZ_ENTERPRISE = "hz-enterprise"
HZ_CATEGORY = "hz-category"
HZ_LEVEL = "hz-level"
HZ_STATUS = "hz-status"
HZ_ESCALATION = "hz-escalation"
HZ_SINCE = "hz-since"
HZ_UNTIL = "hz-until"
HZ_OVERDUE = "hz-overdue"
HZ_SORT = "hz-sort"
HZ_PAGE = "hz-page"  # dcc.Store: the page shown
HZ_PREV = "hz-prev"
HZ_NEXT = "hz-next"
HZ_PAGE_LABEL = "hz-page-label"
HZ_COUNTS = "hz-counts"  # per status; chips carry data-status and data-count
HZ_DISTRICTS = "hz-districts"  # per district; chips carry data-district and data-count
HZ_LIST = "hz-list"  # rows carry data-hazard, data-status, data-overdue, data-escalation
HZ_QUERY = "hz-query"  # dcc.Store: the filters as a query string (the URL shows it)
HZ_CSV = "hz-csv"
HZ_XLSX = "hz-xlsx"
HZ_DOWNLOAD = "hz-download"
HZ_EXPORT_STATUS = "hz-export-status"
HZ_REFRESH = "hz-refresh"
# a hazard's page (/hazard/<id>)
HAZARD_ID = "hazard-id"  # dcc.Store
HAZARD_HEADER = "hazard-header"
HAZARD_FACTS = "hazard-facts"
HAZARD_HISTORY = "hazard-history"  # entries carry data-status
HAZARD_ACTIONS = "hazard-actions"
HAZARD_STEP = "hazard-step"  # pattern-matching: {"type": HAZARD_STEP, "step": name}
HAZARD_NOTE = "hazard-note"
HAZARD_DUE = "hazard-due"
HAZARD_PHOTOS = "hazard-photos"  # dcc.Upload
HAZARD_PHOTO_LIST = "hazard-photo-list"
HAZARD_PHOTO_REFS = "hazard-photo-refs"  # dcc.Store: the stored photos' references
HAZARD_FEEDBACK = "hazard-feedback"
HAZARD_TICK = "hazard-tick"  # dcc.Store: bumped after a step, to redraw
# inspection work (/inspections) -- inspections block
INSP_KPIS = "insp-kpis"  # cards carry data-kpi, data-due, data-inspected
INSP_MAP = "insp-map"
INSP_AREAS = "insp-areas"  # GeoJSON: districts or grid cells coloured by coverage
INSP_MAP_LEVEL = "insp-map-level"  # district | grid
INSP_LEGEND = "insp-legend"
INSP_COVERAGE_LEVEL = "insp-coverage-level"  # district | grid | type
INSP_COVERAGE = "insp-coverage"  # table rows carry data-code, data-due, data-inspected
INSP_COVERAGE_CSV = "insp-coverage-csv"
INSP_COVERAGE_XLSX = "insp-coverage-xlsx"
INSP_DISTRICT = "insp-district"
INSP_GRID = "insp-grid"
INSP_OBJECT_TYPE = "insp-object-type"
INSP_KIND = "insp-kind"
INSP_RESULT = "insp-result"
INSP_INSPECTOR = "insp-inspector"
INSP_TASK = "insp-task"
INSP_SINCE = "insp-since"
INSP_UNTIL = "insp-until"
INSP_SORT = "insp-sort"
INSP_PAGE = "insp-page"  # dcc.Store: the page shown
INSP_PREV = "insp-prev"
INSP_NEXT = "insp-next"
INSP_PAGE_LABEL = "insp-page-label"
INSP_LIST = "insp-list"  # rows carry data-inspection, data-passed
INSP_QUERY = "insp-query"  # dcc.Store: the filters as a query string (the URL shows it)
INSP_CSV = "insp-csv"
INSP_XLSX = "insp-xlsx"
INSP_DOWNLOAD = "insp-download"
INSP_EXPORT_STATUS = "insp-export-status"
INSP_OPEN = "insp-open"  # pattern-matching: {"type": INSP_OPEN, "inspection": id}
# the same in an object's history: an inspection may show in the list and the history at once,
# and two components may not share an id
INSP_HISTORY_OPEN = "insp-history-open"
INSP_OBJECT = "insp-object"  # pattern-matching: {"type", "target": "site:<id>", "inspection"}
INSP_SELECTED = "insp-selected"  # dcc.Store: {"inspection": id} or {"target": "type:id"}
INSP_DETAIL = "insp-detail"  # data-detail: inspection | history
# (end of inspections block)
# inspection tasks (/tasks) -- tasks block
TK_FORM_TITLE = "tk-form-title"
TK_FORM_CHECKLIST = "tk-form-checklist"
TK_FORM_DISTRICTS = "tk-form-districts"
TK_FORM_TYPES = "tk-form-types"
TK_FORM_TYPES_HINT = "tk-form-types-hint"
TK_FORM_DEADLINE = "tk-form-deadline"
TK_FORM_NOTE = "tk-form-note"
TK_FORM_ISSUE = "tk-form-issue"
TK_FORM_FEEDBACK = "tk-form-feedback"
TK_STATUS = "tk-status"
TK_DISTRICT = "tk-district"
TK_OVERDUE = "tk-overdue"
TK_LIST = "tk-list"  # rows carry data-task, data-status, data-overdue, data-done, data-due
TK_TOTAL = "tk-total"
TK_REASON = "tk-reason"  # the reason of a withdrawal / the note of a completion
TK_COMPLETE = "tk-complete"  # pattern-matching: {"type": TK_COMPLETE, "task": id}
TK_CANCEL = "tk-cancel"  # pattern-matching: {"type": TK_CANCEL, "withdraw": id}
TK_ACTION_FEEDBACK = "tk-action-feedback"
TK_TICK = "tk-tick"  # dcc.Store: bumped after an action, to redraw
TK_REFRESH = "tk-refresh"
TK_CSV = "tk-csv"
TK_XLSX = "tk-xlsx"
TK_DOWNLOAD = "tk-download"
TK_EXPORT_STATUS = "tk-export-status"
TK_TASK_ID = "tk-task-id"  # dcc.Store: the task a detail view shows
TK_DETAIL = "tk-detail"  # data-task, data-done, data-due
TK_VERDICT = "tk-verdict"
TK_OBJECTS = "tk-objects"  # rows carry data-target, data-verdict
TK_DETAIL_CSV = "tk-detail-csv"
TK_DETAIL_XLSX = "tk-detail-xlsx"
TK_DETAIL_DOWNLOAD = "tk-detail-download"
# (end of tasks block)

# enterprises: the list (/enterprises) and one enterprise's file (/enterprise/<id>)
EL_TEXT = "el-text"  # the search box: name, id or licence number
EL_DISTRICT = "el-district"
EL_KIND = "el-kind"
EL_SUSPENDED = "el-suspended"
EL_OPEN_HAZARDS = "el-open-hazards"
EL_OPEN_DETENTIONS = "el-open-detentions"
EL_LIST = "el-list"  # rows carry data-enterprise, data-suspended
EL_TOTAL = "el-total"
EL_PREV = "el-prev"
EL_NEXT = "el-next"
EL_PAGE_LABEL = "el-page-label"
EL_PAGE = "el-page"  # dcc.Store: the page shown
EL_QUERY = "el-query"  # dcc.Store: the filters as the URL's query string
EL_CSV = "el-csv"
EL_XLSX = "el-xlsx"
EL_DOWNLOAD = "el-download"
EL_EXPORT_STATUS = "el-export-status"
ENT_ID = "ent-id"  # dcc.Store: the enterprise the file shows
ENT_BODY = "ent-body"  # the file's sections, drawn by callbacks/enterprise.py
ENT_SECTION = "ent-section"  # prefix: each section is f"{ENT_SECTION}-<name>"
# The rankings issue's slot: the enterprise's scores, a section drawn by its own callback
# (hidden until then; nothing visible stands in for it).
ENT_SCORES = "ent-scores"
ENT_CSV = "ent-csv"
ENT_XLSX = "ent-xlsx"
ENT_DOWNLOAD = "ent-download"
ENT_EXPORT_STATUS = "ent-export-status"
# (end of enterprises block)

# cylinders: a cylinder's trace (/cylinder/<code>), the problem cylinders (/cylinders) and the
# cylinder search box of the nav (every role but screen)
CYL_SEARCH_TEXT = "cyl-search-text"  # a code or a scanned QR URL
CYL_SEARCH_GO = "cyl-search-go"
CYL_SEARCH_FEEDBACK = "cyl-search-feedback"
CYL_SEARCH_URL = "cyl-search-url"  # dcc.Location: where a found code leads
CYL_CODE = "cyl-code"  # dcc.Store: the code the trace shows
CYL_BODY = "cyl-body"  # the trace's cards, drawn by callbacks/cylinder.py
CYL_MAP = "cyl-map"
CP_KIND = "cp-kind"
CP_ENTERPRISE = "cp-enterprise"
CP_DISTRICT = "cp-district"
CP_STATUS = "cp-status"
CP_SINCE = "cp-since"
CP_UNTIL = "cp-until"
CP_KINDS = "cp-kinds"  # the counts per kind
CP_LIST = "cp-list"  # rows carry data-finding, data-kind, data-code
CP_PREV = "cp-prev"
CP_NEXT = "cp-next"
CP_PAGE_LABEL = "cp-page-label"
CP_PAGE = "cp-page"  # dcc.Store: the page shown
CP_QUERY = "cp-query"  # dcc.Store: the filters as the URL's query string
CP_REFRESH = "cp-refresh"
CP_FUNNEL = "cp-funnel"  # today's stage funnel per district and per enterprise
CP_COMPLETENESS = "cp-completeness"  # each enterprise's chain completeness for the period
CP_CSV = "cp-csv"
CP_XLSX = "cp-xlsx"
CP_DOWNLOAD = "cp-download"
CP_EXPORT_STATUS = "cp-export-status"
# (end of cylinders block)

# complaints: the queue (/complaints) and a complaint's page (/complaint/<id>)
CQ_STATUS = "cq-status"
CQ_CHANNEL = "cq-channel"
CQ_CATEGORY = "cq-category"
CQ_DISTRICT = "cq-district"
CQ_ENTERPRISE = "cq-enterprise"
CQ_LATE = "cq-late"
CQ_SINCE = "cq-since"
CQ_UNTIL = "cq-until"
CQ_PAGE = "cq-page"  # dcc.Store: the page shown
CQ_PREV = "cq-prev"
CQ_NEXT = "cq-next"
CQ_PAGE_LABEL = "cq-page-label"
CQ_COUNTS = "cq-counts"  # per status; chips carry data-status and data-count
CQ_STATS = "cq-stats"  # timeliness and satisfaction per district and enterprise
CQ_LIST = "cq-list"  # rows carry data-complaint, data-status, data-late, data-handler
CQ_QUERY = "cq-query"  # dcc.Store: the filters as a query string (the URL shows it)
CQ_CSV = "cq-csv"
CQ_XLSX = "cq-xlsx"
CQ_DOWNLOAD = "cq-download"
CQ_EXPORT_STATUS = "cq-export-status"
CQ_REFRESH = "cq-refresh"
COMPLAINT_ID = "complaint-id"  # dcc.Store
COMPLAINT_TICK = "complaint-tick"  # dcc.Store: bumped after a step, to redraw
COMPLAINT_HEADER = "complaint-header"
COMPLAINT_FACTS = "complaint-facts"
COMPLAINT_HISTORY = "complaint-history"  # entries carry data-status
COMPLAINT_ACTIONS = "complaint-actions"
COMPLAINT_NOTE = "complaint-note"
COMPLAINT_ENTERPRISE = "complaint-enterprise"  # whom a district office passes it to
COMPLAINT_SATISFACTION = "complaint-satisfaction"
COMPLAINT_LEVEL = "complaint-level"  # of the hazard it becomes
COMPLAINT_SEVERITY = "complaint-severity"  # of the incident it becomes
COMPLAINT_FEEDBACK = "complaint-feedback"
COMPLAINT_GOTO = "complaint-goto"  # dcc.Location: the hazard or incident it became

# --- online detention, 在线扣瓶 (/detentions) ---
DT_STATUS = "dt-status"
DT_ENTERPRISE = "dt-enterprise"
DT_DISTRICT = "dt-district"
DT_LATE = "dt-late"
DT_PAGE = "dt-page"  # dcc.Store: the page shown
DT_PREV = "dt-prev"
DT_NEXT = "dt-next"
DT_PAGE_LABEL = "dt-page-label"
DT_COUNTS = "dt-counts"  # per status; chips carry data-status and data-count
DT_NOTICE = "dt-notice"  # an enterprise's notice: cylinders awaiting its recall
DT_LIST = "dt-list"  # rows carry data-detention, data-code, data-status, data-late, data-escalated
DT_QUERY = "dt-query"  # dcc.Store: the filters as a query string (the URL shows it)
DT_CSV = "dt-csv"
DT_XLSX = "dt-xlsx"
DT_DOWNLOAD = "dt-download"
DT_EXPORT_STATUS = "dt-export-status"
DT_REFRESH = "dt-refresh"
DT_TICK = "dt-tick"  # dcc.Store: bumped after an action, to redraw
DT_CODE = "dt-code"  # the detain form: the cylinder code
DT_OWNER = "dt-owner"  # the detain form: its enterprise (registry) and open findings
DT_REASON = "dt-reason"
DT_RECALL_BY = "dt-recall-by"
DT_DETAIN = "dt-detain"
DT_DETAIN_FEEDBACK = "dt-detain-feedback"
DT_OPEN = "dt-open"  # pattern-matching: {"type": DT_OPEN, "detention": id, "step": step}
DT_MODAL = "dt-modal"  # the step's form: a site picker (recall) and a note
DT_MODAL_TITLE = "dt-modal-title"
DT_SITE_ROW = "dt-site-row"
DT_SITE = "dt-site"
DT_NOTE = "dt-note"
DT_NOTE_LABEL = "dt-note-label"
DT_MODAL_ACTIONS = "dt-modal-actions"
DT_MODAL_CANCEL = "dt-modal-cancel"
DT_RECALL = "dt-recall"  # pattern-matching: {"type": DT_RECALL, "recall": detention id}
DT_RELEASE = "dt-release"  # pattern-matching: {"type": DT_RELEASE, "release": detention id}
DT_SCRAP = "dt-scrap"  # pattern-matching: {"type": DT_SCRAP, "scrap": detention id}
DT_ACTION_FEEDBACK = "dt-action-feedback"
# a complaint's step buttons, pattern ids {"type": <one of these>, "<its key>": complaint id}
COMPLAINT_ASSIGN = "complaint-assign"  # key "cp_assign"
COMPLAINT_REPLY = "complaint-reply"  # key "cp_reply"
COMPLAINT_CLOSE = "complaint-close"  # key "cp_close"
COMPLAINT_ESCALATE = "complaint-escalate"  # key "cp_escalate"
COMPLAINT_TO_HAZARD = "complaint-to-hazard"  # key "cp_hazard"
COMPLAINT_TO_INCIDENT = "complaint-to-incident"  # key "cp_incident"

# rankings (/rankings, pages/rankings.py) -- rankings block
RK_PERIOD = "rk-period"  # a quarter ("2026Q4") or "custom"
RK_FROM = "rk-from"  # the custom period's first day (date input)
RK_TO = "rk-to"  # its last day, included
RK_RANGE_BOX = "rk-range-box"
RK_VERSION_PICK = "rk-version-pick"  # "computed under version"
RK_VERSION_BOX = "rk-version-box"
RK_VERSION = "rk-version"  # span, data-version: the version the figures were computed with
RK_NOTICE = "rk-notice"
RK_TABS = "rk-tabs"
RK_TABLE = "rk-table"  # rows carry data-district, data-rank, data-index, data-band
RK_CHART = "rk-chart"  # horizontal bars, best on top (dcc.Graph)
RK_TREND = "rk-trend"  # the last four quarters per district (dcc.Graph)
# the drill-down's buttons come and go with what it shows: pattern ids, {"type": <one of these>,
# "<its key>": value}; an empty district or measure goes back up a level
RK_OPEN_DISTRICT = "rk-open-district"  # key "district": a district code
RK_OPEN_MEASURE = "rk-open-measure"  # key "measure": a component or deduction
RK_PAGE_TO = "rk-page-to"  # key "page": the objects' page
RK_DRILL = "rk-drill"  # dcc.Store: {"district", "measure", "page"}
RK_DRILL_VIEW = "rk-drill-view"  # the district's components, a count's objects
RK_KIND = "rk-kind"  # enterprise kind filter
RK_ENTERPRISES = "rk-enterprises"  # rows carry data-enterprise, data-colour
RK_LISTS = "rk-lists"  # the red and black lists
RK_OVERDUE = "rk-overdue"  # enterprises overdue an inspection
RK_POINTS = "rk-points"  # the 12-point totals
RK_QUERY = "rk-query"  # dcc.Store: the page's state as a query string (the URL shows it)
RK_XLSX = "rk-xlsx"
RK_PDF = "rk-pdf"
RK_DOWNLOAD = "rk-download"
RK_EXPORT_STATUS = "rk-export-status"
# (end of rankings block)
# the scoring weights and thresholds, /admin/scoring (pages/admin_scoring.py)
AS_VERSION = "as-version"  # the version in force; carries data-version
AS_FIELD = "as-field"  # pattern-matching inputs: {"type": AS_FIELD, "key": dotted key}
AS_FIELD_ERROR = "as-field-error"  # pattern-matching: {"type": AS_FIELD_ERROR, "key": dotted key}
AS_REASON = "as-reason"
AS_SAVE = "as-save"
AS_FEEDBACK = "as-feedback"  # what the save did or why it was refused
AS_FORM = "as-form"  # the form, redrawn with the values in force after a save
AS_VERSIONS = "as-versions"  # the versions table; rows carry data-version
AS_TICK = "as-tick"  # dcc.Store: bumped after a save, to redraw
