"""How a command of the operator's command line fails: one line on stderr, exit code 2."""

EXIT_USAGE = 2


class CommandError(Exception):
    """A command cannot go on; the message is shown as one line, exit code 2."""
