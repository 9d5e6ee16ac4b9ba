"""Labels by area, merged into `dashboard.i18n.TEXT`: (Chinese, English) per key.

Each module holds one area's labels so that areas can grow without touching each other."""

from dashboard.texts import (
    admin,
    api,
    complaints,
    cylinders,
    detentions,
    enterprises,
    hazards,
    incident_desk,
    incident_view,
    inspections,
    levels,
    notifications,
    public_check,
    refusals,
    reports,
    sessions,
    tasks,
    words,
)

AREAS = (
    admin.TEXT,
    api.TEXT,
    complaints.TEXT,
    cylinders.TEXT,
    detentions.TEXT,
    enterprises.TEXT,
    hazards.TEXT,
    incident_desk.TEXT,
    incident_view.TEXT,
    inspections.TEXT,
    levels.TEXT,
    notifications.TEXT,
    public_check.TEXT,
    refusals.TEXT,
    reports.TEXT,
    sessions.TEXT,
    tasks.TEXT,
    words.TEXT,
)
