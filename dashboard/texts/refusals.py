"""Why an action was refused, in the user's language: "refused.<reason>" for each reason a
command gives (dashboard/domain/policy.py `Refused`), filled in with its params."""

TEXT: dict[str, tuple[str, str]] = {
    # the role may not take the action at all
    "refused.role.acknowledge_alarm": (
        "您的角色不能确认报警。",
        "Your role may not acknowledge alarms.",
    ),
    "refused.role.escalate_alarm": (
        "您无权将该报警转为事件。",
        "You may not open an incident from this alarm.",
    ),
    "refused.role.report_incident": ("您的角色不能新建事件。", "Your role cannot open incidents."),
    "refused.role.dispatch": ("您的角色无权派遣队伍。", "Your role may not dispatch teams."),
    "refused.role.report_team_status": (
        "您的角色无权登记队伍状态。",
        "Your role may not record team statuses.",
    ),
    "refused.role.post_incident_update": (
        "您的角色无权发布处置进展。",
        "Your role may not post incident updates.",
    ),
    "refused.role.notify": ("您的角色无权发送通知。", "Your role may not send notifications."),
    "refused.role.close_incident": ("您的角色无权结案。", "Your role may not close incidents."),
    "refused.role.administer": (
        "仅系统管理员可管理用户和接入令牌。",
        "Only an administrator manages users and ingest tokens.",
    ),
    "refused.role.assign_hazard": (
        "只有市、区燃气管理部门可以交办隐患或调整整改期限。",
        "Only the city and district gas offices assign hazards and set their due dates.",
    ),
    "refused.role.rectify_hazard": (
        "只有责任企业可以登记隐患整改。",
        "Only the responsible enterprise records a hazard's rectification.",
    ),
    "refused.role.verify_hazard": (
        "只有市、区燃气管理部门可以复查隐患整改。",
        "Only the city and district gas offices verify a rectification.",
    ),
    "refused.role.close_hazard": (
        "只有市、区燃气管理部门可以对隐患销号。",
        "Only the city and district gas offices close hazards out.",
    ),
    # the object is not there, or not within the user's reach (the two look the same)
    "refused.unknown": (
        "未找到{noun} {id}，或不在您的管辖范围内。",
        "No {noun} {id} within your reach.",
    ),
    "refused.noun.incident": ("事件", "incident"),
    "refused.noun.hazard": ("隐患", "hazard"),
    "refused.noun.team": ("队伍", "team"),
    "refused.noun.alarm": ("报警", "alarm"),
    "refused.noun.user": ("用户", "user"),
    "refused.noun.token": ("令牌", "token"),
    "refused.noun.district": ("辖区", "district"),
    "refused.noun.enterprise": ("企业", "enterprise"),
    # the state does not allow it
    "refused.incident_closed": (
        "事件 {id} 已结案，不能再处置。",
        "Incident {id} is closed: nothing more can be done on it.",
    ),
    "refused.hazard_status": (
        "隐患 {id} 当前状态为“{status}”，不能执行“{step}”。",
        "Hazard {id} is {status}: it cannot be given “{step}”.",
    ),
    "refused.alarm_cleared": ("报警 {id} 已解除。", "Alarm {id} has cleared."),
    "refused.team_already_sent": (
        "队伍 {team} 已派往本事件。",
        "Team {team} is already on its way to this incident.",
    ),
    "refused.team_busy": (
        "队伍 {team} 正在处置事件 {incident}，不能再派遣。",
        "Team {team} is busy with incident {incident}: it cannot be sent.",
    ),
    "refused.team_unavailable": (
        "队伍 {team} 当前不可派遣。",
        "Team {team} is not available to be sent.",
    ),
    "refused.team_not_sent": (
        "队伍 {team} 未派往本事件。",
        "Team {team} was not sent to this incident.",
    ),
    "refused.outside_district": (
        "该位置不在您的辖区内。",
        "That place is outside your district.",
    ),
    # what was entered
    "refused.missing.team_ids": ("请至少选择一支队伍。", "Choose at least one team."),
    "refused.missing.text": ("请填写处置进展。", "Write what happened."),
    "refused.missing.summary": ("结案须填写处置总结。", "Closing needs a summary."),
    "refused.missing.levels": ("请至少选择一个通知层级。", "Choose at least one level."),
    "refused.missing.reason": ("退回整改须填写原因。", "Sending it back needs the reason."),
    "refused.missing.photos": (
        "登记整改完成须至少上传一张整改照片。",
        "Reporting it rectified needs at least one photo.",
    ),
    "refused.missing.due_at": ("请填写新的整改期限。", "Give the new due date."),
    "refused.due_in_past": ("新的整改期限须晚于现在。", "The new due date must lie ahead."),
    "refused.too_many_photos": ("每次最多上传 {n} 张照片。", "At most {n} photos at a time."),
    "refused.bad_photo": ("无法识别的照片：{value}", "Not a photo this system can show: {value}"),
    "refused.casualties": ("伤亡人数不能为负数。", "Casualties cannot be negative."),
    "refused.bad_choice": ("无效的选项：{value}", "Not a valid choice: {value}"),
    "refused.invalid": ("{field} 的值无效。", "The value of {field} is not valid."),
    "refused.missing.types": ("请至少选择一种事件类型。", "Choose at least one event type."),
    "refused.missing.enterprise": ("请填写企业编号。", "Give an enterprise id."),
    "refused.server_only_type": (
        "{value} 事件只能由系统自身写入，不能授权给任何接入令牌。",
        "{value} events are written by the command center itself: no token may send them.",
    ),
    # administration (data_access/commands/admin.py, dashboard/domain/passwords.py)
    "refused.missing.source": ("请填写数据源名称。", "Give the source's name."),
    "refused.missing.username": ("请填写用户名。", "Give a username."),
    "refused.bad_username": (
        "用户名为 1 至 64 个字符，不能含空格。",
        "A username has 1 to 64 characters and no spaces.",
    ),
    "refused.username_taken": ("用户名 {username} 已被使用。", "The username {username} is taken."),
    "refused.missing.district": (
        "区燃管办账号须选择所属辖区。",
        "A district officer needs a district.",
    ),
    "refused.binding_not_taken": (
        "该角色不绑定辖区或企业，请清空该项。",
        "This role takes no district or enterprise: leave it empty.",
    ),
    "refused.missing.password": (
        "请填写密码，或选择自动生成。",
        "Give a password, or generate one.",
    ),
    "refused.password_length": (
        "密码长度须为 {min} 至 {max} 个字符。",
        "A password has {min} to {max} characters.",
    ),
    "refused.self_deactivate": (
        "不能停用您自己的账号。",
        "You cannot deactivate your own account.",
    ),
    "refused.self_demote": (
        "不能更改您自己的管理员角色。",
        "You cannot take away your own admin role.",
    ),
    "refused.last_admin": (
        "这是最后一个启用的系统管理员账号，不能停用或降级。",
        "This is the last active administrator: it cannot be deactivated or demoted.",
    ),
    # the event log's own checks (the message is the log's, in English)
    "refused.rejected": ("未能记录：{message}", "Not recorded: {message}"),
}
