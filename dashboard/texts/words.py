"""Words for the codes the detail panels and lists show: hazard statuses, team levels and
capabilities, pipe materials, event sources and actors, finding kinds. A code without a word
here would reach the screen raw (tests/browser/test_visible_text.py looks for them)."""

TEXT: dict[str, tuple[str, str]] = {
    "hazard_status.reported": ("已上报", "Reported"),
    "hazard_status.assigned": ("已交办", "Assigned"),
    "hazard_status.rectifying": ("整改中", "Being rectified"),
    "hazard_status.rectified": ("已整改", "Rectified"),
    "hazard_status.verified": ("已复查", "Verified"),
    "hazard_status.reopened": ("复查未通过", "Reopened"),
    "hazard_status.closed": ("已销号", "Closed"),
    # what a hazard's history holds besides its statuses
    "hazard_status.escalated": ("督办", "Escalated"),
    "hazard_status.redated": ("调整期限", "New due date"),
    "hazard_status.notified": ("督办通知", "Escalation notice"),
    "hazard_step.assign": ("交办", "Assign"),
    "hazard_step.start": ("开始整改", "Start rectifying"),
    "hazard_step.rectified": ("整改完成", "Report rectified"),
    "hazard_step.verify": ("复查通过", "Verify"),
    "hazard_step.reject": ("复查退回", "Send back"),
    "hazard_step.close": ("销号", "Close out"),
    "hazard_step.redate": ("调整期限", "Set a new due date"),
    "team_level.city": ("市级", "City"),
    "team_level.district": ("区级", "District"),
    "team_level.street": ("街道", "Street"),
    "team_level.enterprise": ("企业", "Enterprise"),
    "capability.leak_repair": ("泄漏抢修", "Leak repair"),
    "capability.fire": ("灭火", "Fire"),
    "capability.excavation": ("开挖抢修", "Excavation"),
    "capability.cylinder": ("气瓶处置", "Cylinders"),
    "capability.medical": ("医疗救护", "Medical"),
    "material.steel": ("钢管", "Steel"),
    "material.PE": ("PE管", "PE"),
    "material.cast_iron": ("铸铁管", "Cast iron"),
    # who wrote an event: the sources of the ingest protocol and the system's own actors
    # (dashboard/actors.py and the map's detail panels both read these)
    "source.system": ("系统", "System"),
    "source.field-app": ("外勤App", "Field app"),
    "source.sensor-net": ("监测网", "Sensor network"),
    "source.fire-119": ("119 消防接警", "119 fire alerts"),
    "source.hotline-96511": ("96511 燃气服务热线", "96511 gas hotline"),
    "source.hotline": ("96511 燃气服务热线", "96511 gas hotline"),
    "source.notifier": ("通知服务", "Notification service"),
    "source.demo": ("演示数据", "Demo data"),
    "source.simulators": ("模拟器", "Simulators"),
    "finding.delivery_without_sale": ("未经销售即配送", "Delivered without a sale"),
    "finding.excavation_without_agreement": ("施工未签管道保护协议", "Dig without an agreement"),
    # a finding's particulars (the projections word them in English: data_access/projections)
    "finding.why.unregistered": ("该气瓶未在任何企业登记", "registered by no enterprise"),
    "finding.why.scrap_date": ("已过报废日期 {date} 仍充装", "filled after its scrap date {date}"),
    "finding.why.inspection_due": (
        "已过检验到期日 {date} 仍充装",
        "filled after its inspection due date {date}",
    ),
    "finding.why.stage_order": ("“{before}”之后直接“{stage}”", "{stage} right after {before}"),
    "finding.why.no_sale": ("配送前无销售记录", "delivered without a sale first"),
    "finding.why.detained_use": ("被扣押（在线扣瓶）期间仍被{stage}", "{stage} while detained"),
    "finding.why.not_real_name": (
        "售予未实名用户 {customer}",
        "sold to {customer}, not a real-name customer",
    ),
    "finding.why.other_customer": (
        "配送给 {customer}，但售予 {buyer}",
        "delivered to {customer} but sold to {buyer}",
    ),
    "finding.why.dig": (
        "{contractor} 施工（半径 {radius} 米）距{pressure}管道 {segment}（{owner}）{distance} 米，"
        "未签管道保护协议",
        "{contractor}'s dig (radius {radius} m) is {distance} m from the {pressure} pipeline "
        "{segment} ({owner}) without a protection agreement",
    ),
}
