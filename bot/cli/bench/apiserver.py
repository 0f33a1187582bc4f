"""`python -m bot.cli.bench.apiserver`: the loopback Bot API as a process of its own.

Prints its port, serves until its standard input is closed (see `api.RemoteApi`).
"""

import asyncio

from bot.cli.bench.api import serve_until_stdin_closes

if __name__ == "__main__":
    asyncio.run(serve_until_stdin_closes())
