"""The scoring weights and thresholds: the admin page /admin/scoring (pages/admin_scoring.py),
a label for every key of the configuration (dashboard/scoring.toml), and the refusals of
data_access/commands/scoring.py."""

TEXT: dict[str, tuple[str, str]] = {
    "admin.tab.scoring": ("评分权重", "Scoring weights"),
    "scoring.title": ("评分权重与阈值", "Scoring weights and thresholds"),
    "scoring.subtitle": (
        "区县安全指数、企业评分、四色赋码与红黑榜的权重和阈值。每次保存生成新版本，记录修改人、"
        "时间、原值与新值；历史时段可按任一版本重算。",
        "Weights and thresholds of the district safety index, the enterprise scores, the "
        "four-colour code and the red and black lists. Each save is a new version recording "
        "who, when, old and new values; a past period can be recomputed under any version.",
    ),
    "scoring.current": ("当前版本", "Version in force"),
    "scoring.note": ("说明", "Note"),
    "scoring.reason": ("修改原因", "Reason for the change"),
    "scoring.reason_hint": ("例如：2027 年度考核办法调整", "e.g. the 2027 assessment rules"),
    "scoring.save": ("保存为新版本", "Save as a new version"),
    "scoring.saved": (
        "已保存：版本 {version} 生效（修改 {n} 项）。",
        "Saved: version {version} is in force ({n} keys changed).",
    ),
    "scoring.versions": ("版本记录", "Versions"),
    "scoring.versions_none": (
        "尚无修改记录：使用随系统发布的版本 {version}（dashboard/scoring.toml）。",
        "No change recorded yet: the shipped version {version} (dashboard/scoring.toml) is in "
        "force.",
    ),
    "scoring.col.version": ("版本", "Version"),
    "scoring.col.previous": ("上一版本", "Previous"),
    "scoring.col.by": ("修改人", "Changed by"),
    "scoring.col.at": ("修改时间", "Changed at"),
    "scoring.col.changes": ("修改内容（原值 → 新值）", "Changes (old → new)"),
    "scoring.col.reason": ("原因", "Reason"),
    "scoring.bad_number": ("请输入数字。", "Enter a number."),
    "scoring.invalid_here": ("此项取值无效：{message}", "Not a valid value: {message}"),
    "scoring.stale": (
        "其他管理员刚保存了版本 {version}，表单已按该版本刷新，请重新修改后保存。",
        "Another administrator has just saved version {version}: the form now shows it; make "
        "your change again and save.",
    ),
    "scoring.msg.ge": ("应不小于 {0}", "must be at least {0}"),
    "scoring.msg.le": ("应不大于 {0}", "must be at most {0}"),
    "scoring.msg.gt": ("应大于 {0}", "must be above {0}"),
    "scoring.msg.integer": ("应为整数", "must be a whole number"),
    "scoring.msg.descend": ("各颜色阈值须依次递减", "the bounds must descend"),
    "scoring.msg.one_weight": ("至少一个权重须大于 0", "at least one weight must be above 0"),
    # the groups of the form
    "scoring.group.district_weights": ("区县安全指数 · 分项权重", "District index · weights"),
    "scoring.group.district_weights_hint": (
        "七个分项按权重加权平均；权重为 0 即不计该项。",
        "The seven components' weighted mean; a weight of 0 removes a component.",
    ),
    "scoring.group.deductions": ("区县安全指数 · 扣分项", "District index · deductions"),
    "scoring.group.deductions_hint": (
        "每件扣分，累计不超过上限。",
        "Points per case, capped in total.",
    ),
    "scoring.group.bands": ("区县安全指数 · 颜色等级", "District index · colour bands"),
    "scoring.group.bands_hint": (
        "指数不低于该值即为此颜色（须递减），低于橙色为红色。",
        "An index at or above the bound has that colour (descending); below orange is red.",
    ),
    "scoring.group.complaints": ("投诉办理 · 满意度", "Complaint handling · satisfaction"),
    "scoring.group.traceability": ("企业实名追溯评分", "Enterprise real-name traceability"),
    "scoring.group.risk": ("企业四色赋码 · 风险分", "Four-colour code · risk points"),
    "scoring.group.risk_bands": ("企业四色赋码 · 颜色阈值", "Four-colour code · bounds"),
    "scoring.group.frequency": ("监管频次（天）", "Supervision frequency (days)"),
    "scoring.group.score": ("企业综合评分", "Enterprise score"),
    "scoring.group.lists": ("红黑榜", "Red and black lists"),
    # every key of the configuration
    "scoring.key.district.weights.inspection_coverage": ("检查覆盖率", "Inspection coverage"),
    "scoring.key.district.weights.on_time_rectification": ("按期整改率", "On-time rectification"),
    "scoring.key.district.weights.hazard_closure": ("隐患销号率", "Hazard closure"),
    "scoring.key.district.weights.cylinder_traceability": ("气瓶追溯率", "Cylinder traceability"),
    "scoring.key.district.weights.safety_checks": ("入户安检率", "Safety checks"),
    "scoring.key.district.weights.emergency_response": ("应急响应达标率", "Emergency response"),
    "scoring.key.district.weights.complaint_handling": ("投诉办理率", "Complaint handling"),
    "scoring.key.district.deductions.black_cylinders.points_each": (
        "黑气瓶 · 每个扣分",
        "Black cylinders · points each",
    ),
    "scoring.key.district.deductions.black_cylinders.cap": (
        "黑气瓶 · 扣分上限",
        "Black cylinders · cap",
    ),
    "scoring.key.district.deductions.major_hazards_overdue.points_each": (
        "重大隐患超期 · 每项扣分",
        "Major hazards overdue · points each",
    ),
    "scoring.key.district.deductions.major_hazards_overdue.cap": (
        "重大隐患超期 · 扣分上限",
        "Major hazards overdue · cap",
    ),
    "scoring.key.district.bands.blue": ("蓝色（不低于）", "Blue (at or above)"),
    "scoring.key.district.bands.yellow": ("黄色（不低于）", "Yellow (at or above)"),
    "scoring.key.district.bands.orange": ("橙色（不低于）", "Orange (at or above)"),
    "scoring.key.district.complaint_satisfaction.best": ("满意度满分", "Best satisfaction"),
    "scoring.key.district.complaint_satisfaction.unrated": ("未评价按", "Unrated counts as"),
    "scoring.key.enterprise.traceability.flag_below": (
        "低于此分加强检查",
        "Flag for inspection below",
    ),
    "scoring.key.enterprise.traceability.weights.real_name_sales": (
        "实名销售占比 · 权重",
        "Real-name sales · weight",
    ),
    "scoring.key.enterprise.traceability.weights.complete_chain": (
        "全链条追溯 · 权重",
        "Complete chain · weight",
    ),
    "scoring.key.enterprise.traceability.weights.delivery_scans": (
        "配送扫码率 · 权重",
        "Delivery scans · weight",
    ),
    "scoring.key.enterprise.risk.low_traceability": ("追溯偏低加分", "Low traceability adds"),
    "scoring.key.enterprise.risk.weights.hazards": ("每项隐患", "Per hazard"),
    "scoring.key.enterprise.risk.weights.major_hazards": ("每项重大隐患", "Per major hazard"),
    "scoring.key.enterprise.risk.weights.incidents": ("每起事件", "Per incident"),
    "scoring.key.enterprise.risk.weights.violation_points": ("每个违法记分", "Per violation point"),
    "scoring.key.enterprise.risk.weights.failed_inspections": (
        "每次检查不合格",
        "Per failed inspection",
    ),
    "scoring.key.enterprise.risk.bands.red": ("红码（不低于）", "Red (at or above)"),
    "scoring.key.enterprise.risk.bands.orange": ("橙码（不低于）", "Orange (at or above)"),
    "scoring.key.enterprise.risk.bands.yellow": ("黄码（不低于）", "Yellow (at or above)"),
    "scoring.key.enterprise.frequency_days.red": ("红码（每月）", "Red (monthly)"),
    "scoring.key.enterprise.frequency_days.orange": ("橙码（每季度）", "Orange (quarterly)"),
    "scoring.key.enterprise.frequency_days.yellow": ("黄码（每半年）", "Yellow (half-yearly)"),
    "scoring.key.enterprise.frequency_days.blue": ("蓝码（每年）", "Blue (yearly)"),
    "scoring.key.enterprise.score.traceability": ("追溯评分 · 权重", "Traceability · weight"),
    "scoring.key.enterprise.score.safety": ("安全评分 · 权重", "Safety · weight"),
    "scoring.key.enterprise.score.risk_point_value": (
        "每个风险分扣安全分",
        "Safety points per risk point",
    ),
    "scoring.key.lists.size": ("红榜、黑榜各列企业数", "Enterprises on each list"),
    "scoring.key.note": ("说明", "Note"),
    "scoring.key.version": ("版本", "Version"),
    # refusals of data_access/commands/scoring.py
    "refused.role.change_scoring": (
        "仅系统管理员可修改评分权重。",
        "Only an administrator changes the scoring weights.",
    ),
    "refused.scoring_invalid": (
        "配置项 {key} 无效：{message}",
        "{key} is not valid: {message}",
    ),
    "refused.scoring_unchanged": (
        "没有任何修改：各项取值与版本 {version} 相同。",
        "Nothing changes: the values are those of version {version}.",
    ),
}
