"""Chinese and English labels. Every visible string goes through `t()`.

The language is the session's choice (the switch in the navigation bar), else the city default.
"""

from __future__ import annotations

from flask import current_app, has_request_context, session

from dashboard.domain.policy import Refused

LANGUAGES = ("zh", "en")

TEXT: dict[str, tuple[str, str]] = {
    "app.title": ("城市燃气安全指挥中心", "City Gas Safety Command Center"),
    "app.short": ("燃气指挥中心", "Gas Command"),
    "lang.switch": ("English", "中文"),
    "login.title": ("登录", "Sign in"),
    "login.username": ("用户名", "Username"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Sign in"),
    "login.failed": ("用户名或密码错误。", "Wrong username or password."),
    "login.missing": ("请输入用户名和密码。", "Enter your username and password."),
    "login.intro": (
        "仅限授权人员使用。所有操作均记录在案。",
        "Authorised staff only. Every action is recorded.",
    ),
    "logout": ("退出", "Sign out"),
    "forbidden": ("您的角色无权查看此页面。", "Your role may not view this page."),
    "not_found": ("页面不存在。", "Page not found."),
    "live.name": ("实时", "Live"),
    "live.connecting": ("正在连接实时数据…", "Connecting to live data…"),
    "live.live": ("实时数据正常", "Live data flowing"),
    "live.stale": (
        "实时数据已停滞，画面可能不是最新",
        "Live data stalled: the screen may be out of date",
    ),
    "live.offline": ("实时连接中断，正在重连", "Live connection lost, reconnecting"),
    "kpi.alarms_active": ("实时报警", "Active alarms"),
    "kpi.hazards_open": ("未销号隐患", "Open hazards"),
    "kpi.incidents_open": ("处置中事件", "Open incidents"),
    "alarms.title": ("实时报警", "Active alarms"),
    "alarms.none": ("当前无报警", "No active alarms"),
    "alarms.ack": ("确认", "Acknowledge"),
    "alarms.acked_by": ("已确认", "Acknowledged by"),
    "alarms.done": ("已确认报警", "Alarm acknowledged"),
    "alarm_kind.pressure_high": ("压力超高", "Pressure high"),
    "alarm_kind.pressure_low": ("压力过低", "Pressure low"),
    "alarm_kind.flow_high": ("流量超高", "Flow high"),
    "alarm_kind.flow_low": ("流量过低", "Flow low"),
    "alarm_kind.methane_high": ("可燃气体浓度超限", "Methane high"),
    "alarm_kind.methane_low": ("浓度读数异常", "Methane reading low"),
    "alarm.warning": ("预警", "Warning"),
    "alarm.critical": ("严重", "Critical"),
    "page.one_map": ("一张图", "One Map"),
    "menu.supervision": ("行业监管", "Supervision"),
    "map.metric": ("专题", "Theme"),
    "map.legend.none": ("无数据", "no data"),
    "map.sites": ("场站", "Sites"),
    "map.updated": ("数据时间", "Data as of"),
    "metric.users_per_1000": ("每千人燃气用户", "Gas users per 1,000 residents"),
    "metric.cylinders_overdue": ("超期未检气瓶", "Cylinders overdue for inspection"),
    "metric.real_name_share": ("实名用户占比 %", "Real-name customers %"),
    "metric.sites": ("燃气场站", "Gas sites"),
    "kpi.enterprises": ("燃气企业", "Gas enterprises"),
    "kpi.sites": ("燃气场站", "Gas sites"),
    "kpi.customers": ("燃气用户", "Gas users"),
    "kpi.cylinders": ("登记钢瓶", "Registered cylinders"),
    "kpi.cylinders_overdue": ("超期未检", "Overdue inspection"),
    "kpi.pipeline_km": ("管网公里", "Pipeline km"),
    "kpi.teams": ("应急队伍", "Emergency teams"),
    "kpi.workers": ("从业人员", "Workers"),
    "kpi.sensors": ("监测设备", "Sensors"),
    "scope.district": ("本区数据", "Your district's data"),
    "scope.enterprise": ("本企业数据", "Your enterprise's data"),
    "site.filling_station": ("充装站", "Filling station"),
    "site.supply_point": ("供应站", "Supply point"),
    "site.gate_station": ("门站", "Gate station"),
    "site.regulator_station": ("调压站", "Regulator station"),
    "site.storage": ("储配站", "Storage"),
    "site.vehicle_station": ("加气站", "Vehicle station"),
    # the big screen
    "page.screen": ("大屏", "Big screen"),
    "screen.citywide": ("全市", "Citywide"),
    "screen.updated": ("更新于", "Updated"),
    "screen.lost": (
        "与服务器的连接已中断（自 {since} 起），画面不是最新，正在自动重连…",
        "Connection lost since {since}: the screen is out of date, reconnecting…",
    ),
    "screen.panel.map": ("全市一张图 · 未销号隐患", "One Map · open hazards"),
    "screen.panel.rankings": ("区县安全指数排名", "District safety ranking"),
    "screen.panel.incidents": ("处置中事件 · 响应计时", "Active incidents · response clock"),
    "screen.panel.cylinders": ("今日瓶装液化气", "LPG cylinders today"),
    "screen.map.alarm": ("报警", "Alarm"),
    "screen.map.incident": ("事件", "Incident"),
    "screen.map.team": ("队伍", "Team"),
    "kpi.hazards_overdue": ("超期隐患", "Overdue hazards"),
    "kpi.teams_available": ("待命队伍", "Teams available"),
    "kpi.fillings_today": ("今日充装", "Fillings today"),
    "kpi.deliveries_today": ("今日配送", "Deliveries today"),
    "rank.district": ("区", "District"),
    "rank.hazards_escalated": ("督办中", "Escalated"),
    "inc.none": ("当前无处置中事件", "No active incidents"),
    "inc.reported": ("接报", "Reported"),
    "inc.dispatched": ("派遣", "Dispatched"),
    "inc.on_scene": ("到场", "On scene"),
    "inc.elapsed": ("已用时", "Elapsed"),
    "inc.place": ("地点", "Where"),
    "inc.kind": ("类型", "What"),
    "inc.waiting": ("未到场", "Not yet"),
    "inc.not_dispatched": ("未派遣", "Not yet"),
    "inc.breach": ("超时", "Late"),
    "inc.more": (
        "另有 {hidden} 起未列出（共 {total} 起处置中）",
        "+{hidden} more not listed ({total} active in all)",
    ),
    "screen.central": ("中心城区", "Central districts"),
    "inc.target": (
        "目标：接报后 20 分钟内到场；超时以红色标出",
        "Target: a team on scene within 20 minutes; late in red",
    ),
    "incident_kind.leak": ("燃气泄漏", "Gas leak"),
    "incident_kind.fire": ("火灾", "Fire"),
    "incident_kind.explosion": ("爆炸", "Explosion"),
    "incident_kind.odor": ("异味", "Gas odour"),
    "incident_kind.pipeline_damage": ("管道破损", "Pipeline damage"),
    "incident_kind.cylinder": ("气瓶事故", "Cylinder"),
    "cyl.fillings": ("充装", "Fillings"),
    "cyl.deliveries": ("配送", "Deliveries"),
    "cyl.checks": ("随瓶安检", "Safety checks"),
    "cyl.pass_rate": ("安检合格率", "Checks passed"),
    "cyl.photos": ("四照齐全", "All 4 photos"),
    "cyl.black": ("黑气瓶", "Black cylinders"),
    "cyl.overdue": ("超期充装", "Overdue fillings"),
    "cyl.total": ("合计", "Total"),
    "cyl.note": (
        "自今日 0 时（城市时间）起；黑气瓶、超期充装为尚未处理的发现",
        "Since midnight, city time; black cylinders and overdue fillings: open findings",
    ),
    # the One Map's layers, themes, KPIs and legends
    "map.kpi.fillings_today": ("今日充装", "Fillings today"),
    "map.kpi.deliveries_today": ("今日配送", "Deliveries today"),
    "map.kpi.safety_check_rate": ("随瓶安检率 %", "Safety-check rate %"),
    "map.kpi.hazards_overdue": ("超期隐患", "Overdue hazards"),
    "map.kpi.teams_available": ("待命队伍", "Teams available"),
    "map.area": ("范围", "Areas"),
    "map.area.district": ("区", "Districts"),
    "map.area.grid": ("网格", "Grid cells"),
    "map.layer.areas": ("专题图", "Theme map"),
    "map.layer.sites": ("场站", "Sites"),
    "map.layer.flow": ("气瓶流向（近1小时）", "Cylinder flow (last hour)"),
    "map.layer.hazards": ("隐患", "Hazards"),
    "map.layer.emergency": ("应急资源", "Emergency resources"),
    "map.layer.pipelines": ("管网", "Pipelines"),
    "map.layer.excavations": ("施工工地", "Excavations"),
    "map.layer.sensors": ("监测设备", "Sensors"),
    "metric.coverage": ("本季度巡检覆盖率 %", "Inspection coverage this quarter %"),
    "metric.hazards_open": ("未销号隐患", "Open hazards"),
    "metric.hazards_overdue": ("超期隐患", "Overdue hazards"),
    "metric.safety_index": ("区县安全指数（本季度）", "District safety index (this quarter)"),
    "metric.district_only": ("仅按区统计", "districts only"),
    "coverage.note": (
        "已巡检对象/应巡检对象（企业、场站、非居民用户，每季度一次）",
        "Inspected / due objects (enterprises, sites, non-household customers, quarterly)",
    ),
    "legend.flow": ("气瓶流向", "Cylinder flow"),
    "legend.flow.line": ("线宽 = 近1小时扫码次数", "Line width = scans in the last hour"),
    "legend.flow.pulse": ("实时扫码", "Live scan"),
    "legend.flow.anomaly": ("异常气瓶（黑瓶、超期充装…）", "Anomaly (black cylinder, …)"),
    "legend.hazards": ("隐患", "Hazards"),
    "legend.hazards.open": ("未销号", "Open"),
    "legend.hazards.overdue": ("超期未整改", "Overdue"),
    "legend.hazards.closed_today": ("今日销号", "Closed today"),
    "legend.hazards.escalated": ("已督办（紫圈）", "Escalated (purple ring)"),
    "legend.hazards.shown": ("显示 {shown} / 共 {total}", "Showing {shown} of {total}"),
    "legend.emergency": ("应急资源", "Emergency resources"),
    "legend.team.available": ("队伍 · 待命", "Team · available"),
    "legend.team.busy": ("队伍 · 出动中", "Team · deployed"),
    "legend.incident": ("事件（响应计时，20分钟）", "Incident (response clock, 20 min)"),
    "legend.incident.breach": ("超过20分钟未到场", "Not on scene after 20 min"),
    "legend.alarm": ("报警", "Alarm"),
    "legend.vehicle": ("应急车辆", "Vehicle"),
    "legend.supply_depot": ("物资储备点", "Supply depot"),
    "legend.expert": ("专家", "Expert"),
    "legend.pipelines": ("管网压力级别", "Pipeline pressure"),
    "legend.pipe.low": ("低压", "Low"),
    "legend.pipe.medium": ("中压", "Medium"),
    "legend.pipe.high": ("高压/次高压", "High"),
    "legend.excavations": ("施工工地（缓冲区）", "Excavations (buffer)"),
    "legend.excavation.signed": ("已签安全协议", "Agreement signed"),
    "legend.excavation.unsigned": ("未签安全协议", "No agreement"),
    "legend.sensors": ("监测设备", "Sensors"),
    "legend.sensor.normal": ("正常", "Normal"),
    "legend.sensor.alarm": ("报警中", "In alarm"),
    "legend.sites": ("场站", "Sites"),
    "detail.title": ("详情", "Detail"),
    "detail.none": ("无权查看或对象不存在。", "Not found, or outside your scope."),
    "detail.cylinder": ("气瓶扫码链", "Cylinder scan chain"),
    "detail.hazard": ("隐患整改记录", "Hazard history"),
    "detail.incident": ("事件时间线", "Incident timeline"),
    "detail.team": ("应急队伍", "Emergency team"),
    "detail.stage": ("环节", "Stage"),
    "detail.time": ("时间", "Time"),
    "detail.site": ("场站", "Site"),
    "detail.status": ("状态", "Status"),
    "detail.actor": ("操作人", "By"),
    "detail.event": ("事件", "Event"),
    "detail.black": ("黑瓶（未登记）", "Black cylinder (unregistered)"),
    "detail.enterprise": ("所属企业", "Enterprise"),
    "detail.members": ("人数", "Members"),
    "detail.capabilities": ("能力", "Capabilities"),
    "detail.current_incident": ("当前事件", "Current incident"),
    "detail.level": ("级别", "Level"),
    "detail.due": ("整改期限", "Due"),
    "detail.category": ("类别", "Category"),
    "detail.reported": ("报告时间", "Reported"),
    "detail.address": ("地址", "Address"),
    "detail.no_scans": ("暂无扫码记录", "No scans logged"),
    "detail.kind": ("类型", "Kind"),
    "finding.black_cylinder": ("黑瓶（未登记）", "Black cylinder (unregistered)"),
    "finding.overdue_filling": ("超期/报废瓶充装", "Filled past inspection or scrap date"),
    "finding.stage_out_of_order": ("流转环节异常", "Stage out of order"),
    "stage.inspection": ("检验", "Inspection"),
    "stage.filling": ("充装", "Filling"),
    "stage.transport": ("运输", "Transport"),
    "stage.storage": ("储存", "Storage"),
    "stage.sale": ("销售", "Sale"),
    "stage.delivery": ("配送", "Delivery"),
    "stage.use": ("使用", "In use"),
    "stage.recovery": ("回收", "Recovery"),
    "stage.scrap": ("报废", "Scrap"),
    # the One Map's time slider
    "replay.title": ("时间回放（过去24小时）", "Replay (last 24 hours)"),
    "replay.live": ("实时", "Live"),
    "replay.at": ("回放", "Replay"),
    "replay.not_live": ("非实时画面", "not live"),
    "replay.present_layers": (
        "报警列表及隐患、管网、施工、监测图层为当前数据",
        "alarm list and the hazard, pipeline, excavation and sensor layers show the present",
    ),
    "replay.areas_now": (
        "此专题不随回放变化：显示的是当前数据",
        "This theme does not rewind: it shows the present",
    ),
    "replay.areas_at": (
        "专题数据为回放时刻的数据",
        "Theme as of the replayed moment",
    ),
    "replay.play": ("播放过去24小时", "Play the last 24 hours"),
    "replay.pause": ("暂停回放", "Pause the replay"),
    "replay.back": ("回到实时", "Back to live"),
    # the One Map's detail panel
    "detail.site_title": ("场站", "Site"),
    "detail.resource": ("应急资源", "Emergency resource"),
    "detail.pipeline": ("管段", "Pipeline segment"),
    "detail.sensor": ("监测设备", "Sensor"),
    "detail.excavation": ("施工工地", "Excavation"),
    "detail.name": ("名称", "Name"),
    "detail.licence": ("许可证号", "Licence"),
    "detail.district": ("所在区", "District"),
    "detail.scans_today": ("今日扫码（按环节）", "Today's scans by stage"),
    "detail.count": ("次数", "Count"),
    "detail.no_scans_today": ("今日暂无扫码", "No scans today"),
    "detail.open_hazards": ("未销号隐患", "Open hazards"),
    "detail.no_open_hazards": ("无未销号隐患", "No open hazards"),
    "detail.last_inspection": ("最近一次检查", "Last inspection"),
    "detail.never_inspected": ("尚无检查记录", "Not inspected yet"),
    "detail.passed": ("合格", "Passed"),
    "detail.failed": ("不合格", "Failed"),
    "detail.inspector": ("检查人", "Inspector"),
    "detail.team_name": ("所属队伍", "Team"),
    "detail.team_status": ("队伍状态", "Team status"),
    "detail.skills": ("专长", "Skills"),
    "detail.pressure": ("压力级别", "Pressure class"),
    "detail.material": ("材质", "Material"),
    "detail.laid_year": ("敷设年份", "Laid in"),
    "detail.length": ("长度", "Length"),
    "detail.owner": ("权属企业", "Owner"),
    "detail.sensors_on": ("管段上的监测设备", "Sensors on this segment"),
    "detail.no_sensors": ("无监测设备", "No sensors"),
    "detail.near_excavations": ("附近在施工地", "Excavations nearby"),
    "detail.no_excavations": ("附近无在施工地", "No excavation nearby"),
    "detail.low": ("下限", "Low threshold"),
    "detail.high": ("上限", "High threshold"),
    "detail.installed_at": ("安装位置", "Installed at"),
    "detail.segment": ("管段", "Segment"),
    "detail.readings": ("最近读数", "Latest readings"),
    "detail.value": ("读数", "Value"),
    "detail.no_readings": ("暂无读数", "No readings logged"),
    "detail.alarms": ("报警记录", "Alarms"),
    "detail.no_alarms": ("无报警记录", "No alarms"),
    "detail.permit": ("许可证编号", "Permit"),
    "detail.contractor": ("施工单位", "Contractor"),
    "detail.starts": ("开工日期", "Starts"),
    "detail.ends": ("完工日期", "Ends"),
    "detail.radius": ("缓冲半径", "Buffer radius"),
    "detail.agreement": ("管道保护协议", "Pipeline protection agreement"),
    "detail.finding": ("规则发现", "Finding"),
    "detail.finding_open": ("未解除", "Open"),
    "detail.finding_resolved": ("已解除", "Resolved"),
    "detail.no_finding": ("无", "No finding"),
    "detail.near_segments": ("附近管段", "Pipeline segments nearby"),
    "detail.no_segments": ("附近无登记管段", "No registered pipeline nearby"),
    "detail.distance": ("距离", "Distance"),
    "detail.id": ("编号", "ID"),
    "incident_status.reported": ("已接报", "Reported"),
    "incident_status.dispatched": ("已派遣", "Dispatched"),
    "incident_status.en_route": ("出动中", "En route"),
    "incident_status.on_scene": ("已到场", "On scene"),
    "incident_status.contained": ("已控制", "Contained"),
    "incident_status.resolved": ("已处置", "Resolved"),
    "incident_status.closed": ("已结案", "Closed"),
    "team_status.available": ("待命", "Available"),
    "team_status.dispatched": ("已派遣", "Dispatched"),
    "team_status.en_route": ("途中", "En route"),
    "team_status.on_scene": ("到场", "On scene"),
    "team_status.returning": ("返回中", "Returning"),
    "team_status.off_duty": ("休整", "Off duty"),
    "alarm_status.raised": ("报警中", "Raised"),
    "alarm_status.acknowledged": ("已确认", "Acknowledged"),
    "alarm_status.cleared": ("已解除", "Cleared"),
    "sensor_kind.pressure": ("压力", "Pressure"),
    "sensor_kind.flow": ("流量", "Flow"),
    "sensor_kind.methane": ("可燃气体浓度", "Methane"),
    "inspection_kind.daily": ("日常检查", "Daily"),
    "inspection_kind.special": ("专项检查", "Special"),
    "inspection_kind.third_party": ("第三方检查", "Third party"),
    "inspection_kind.self_check": ("企业自查", "Self-check"),
}


def current_language() -> str:
    if has_request_context():
        chosen = session.get("lang")
        if chosen in LANGUAGES:
            return chosen
        return current_app.config.get("GASCC_LANGUAGE", "zh")
    return "zh"


def t(key: str, lang: str | None = None) -> str:
    """The label for `key` in `lang` (default: the current language); the key if unknown."""
    pair = TEXT.get(key)
    if pair is None:
        return key
    return pair[0] if (lang or current_language()) == "zh" else pair[1]


def t_or(key: str, fallback: str, lang: str | None = None) -> str:
    """The label for `key`, or `fallback` (e.g. a raw code from an outside system)."""
    return t(key, lang) if key in TEXT else fallback


def refusal_text(refused: Refused, lang: str | None = None) -> str:
    """Why a command refused, in `lang`: its reason's text filled in with its params (an
    object's noun translated); the English message when the reason has no text."""
    key = f"refused.{refused.reason}"
    if key not in TEXT:
        return refused.message
    params = dict(refused.params)
    for name, family in _WORDED_PARAMS.items():
        if name in params:
            params[name] = t_or(f"{family}.{params[name]}", params[name], lang)
    return t(key, lang).format(**params)


# Refusal params that are codes, and the label family that puts each into words.
_WORDED_PARAMS = {"noun": "refused.noun", "status": "hazard_status", "step": "hazard_step"}


def name_of(record: object, lang: str | None = None) -> str:
    """A registry object's name in the current language (objects with name_zh and name_en)."""
    zh = (lang or current_language()) == "zh"
    return getattr(record, "name_zh" if zh else "name_en")


def _merge_areas() -> None:
    from dashboard.texts import AREAS

    for area in AREAS:
        clash = TEXT.keys() & area.keys()
        assert not clash, f"label keys defined twice: {sorted(clash)}"
        TEXT.update(area)


_merge_areas()
