"""Commands: the only way in for actions. Each takes the acting `User`, checks the role and the
scope of every object it touches (dashboard/domain/policy.py), validates, and appends its events
through the one write path, in one transaction (base.py). Each answers `Done` or `Refused`; a
refusal's `reason` names its text in the user's language (dashboard/texts/refusals.py).

Callbacks only translate clicks into these calls and refusals into messages.
"""

from data_access.commands.admin import (
    TokenIssued,
    change_user,
    create_token,
    create_user,
    deactivate_user,
    reset_password,
    revoke_token,
)
from data_access.commands.alarms import acknowledge_alarm, escalate_alarm
from data_access.commands.base import Done, Refused, Result, user_source
from data_access.commands.complaints import (
    assign_complaint,
    close_complaint,
    escalate_complaint,
    escalate_late_complaints,
    reply_complaint,
    turn_complaint_into_hazard,
    turn_complaint_into_incident,
)
from data_access.commands.detentions import (
    detain_cylinder,
    escalate_late_recalls,
    record_recall,
    release_cylinder,
    scrap_cylinder,
)
from data_access.commands.hazards import escalate_overdue_hazards, move_hazard
from data_access.commands.incidents import (
    close_incident,
    dispatch_teams,
    post_incident_update,
    report_incident,
    report_team_status,
    request_notification,
)
from data_access.commands.notifications import (
    record_detention_notification,
    record_hazard_notification,
    record_notification,
)
from data_access.commands.public import file_qr_complaint
from data_access.commands.scoring import change_scoring, set_scoring_value
from data_access.commands.tasks import (
    cancel_task,
    complete_task,
    issue_task,
    publish_builtin_checklists,
    publish_checklist,
)

__all__ = [
    "Done",
    "Refused",
    "Result",
    "TokenIssued",
    "acknowledge_alarm",
    "assign_complaint",
    "cancel_task",
    "change_scoring",
    "change_user",
    "close_complaint",
    "close_incident",
    "complete_task",
    "create_token",
    "create_user",
    "deactivate_user",
    "detain_cylinder",
    "dispatch_teams",
    "escalate_alarm",
    "escalate_complaint",
    "escalate_late_complaints",
    "escalate_late_recalls",
    "escalate_overdue_hazards",
    "file_qr_complaint",
    "issue_task",
    "move_hazard",
    "post_incident_update",
    "publish_builtin_checklists",
    "publish_checklist",
    "record_detention_notification",
    "record_hazard_notification",
    "record_notification",
    "record_recall",
    "release_cylinder",
    "reply_complaint",
    "report_incident",
    "report_team_status",
    "request_notification",
    "reset_password",
    "revoke_token",
    "scrap_cylinder",
    "set_scoring_value",
    "turn_complaint_into_hazard",
    "turn_complaint_into_incident",
    "user_source",
]
