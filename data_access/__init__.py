"""The only code that touches SQL or Redis: models, migrations, event log, commands, queries."""
