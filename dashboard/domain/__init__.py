"""The domain model: event types and roles, shared by the gateway, simulators and data_access.

Imports neither Dash nor SQLAlchemy."""
