"""The command line's one error type, and errors said in one line."""


class CliError(Exception):
    """A problem to show as one line (exit 2), never a traceback."""


def one_line(exc: BaseException, limit: int = 200) -> str:
    """An exception as one line: its type and first line, without SQLAlchemy's "Background" link."""
    text = str(exc).strip().split("\n")[0].split("(Background on this error")[0].strip()
    return f"{type(exc).__name__}: {text[:limit]}"
