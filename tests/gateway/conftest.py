"""The gateway tests' fixtures: the demo city's engine, a token, and gateways on free ports (those
of tests/integration/test_gateway.py)."""

from tests.integration.test_gateway import db, start_gateway, token

__all__ = ["db", "start_gateway", "token"]
