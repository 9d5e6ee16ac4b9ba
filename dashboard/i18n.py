"""Chinese and English labels. Every visible string goes through `t()`.

The language is the session's choice (the switch in the navigation bar), else the city default.
"""

from __future__ import annotations

from flask import current_app, has_request_context, session

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
    "login.throttled": (
        "失败次数过多，请 5 分钟后再试。",
        "Too many failed attempts; try again in 5 minutes.",
    ),
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
    "alarms.refused": ("您的角色不能确认报警。", "Your role may not acknowledge alarms."),
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


def name_of(record: object, lang: str | None = None) -> str:
    """A registry object's name in the current language (objects with name_zh and name_en)."""
    zh = (lang or current_language()) == "zh"
    return getattr(record, "name_zh" if zh else "name_en")
