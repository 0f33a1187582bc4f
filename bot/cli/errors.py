"""The command line's one error type."""


class CliError(Exception):
    """A problem to show as one line (exit 2), never a traceback."""
