"""The `omtanke` command line: asking, the terminal chat, curator and admin tools, running.

The only package that imports `argparse` and `rich` and raises `CliError`.
"""

from bot.cli.main import main

__all__ = ["main"]
