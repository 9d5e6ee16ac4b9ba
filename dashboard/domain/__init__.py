"""The domain model: event types and roles, shared by the gateway, simulators and data_access,
and the business rules, each defined once here (docs/architecture.md, "Where rules live").

Imports neither Dash nor SQLAlchemy."""
