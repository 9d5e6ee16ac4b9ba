"""The close-out report page (pages/incident_report.py) needs no callbacks: it is a snapshot
built when the page is opened, and reloading the page brings it up to date. The PDF comes from a
Flask route (dashboard/reports.py), not from a callback."""
