"""The framework-free core: settings, the question-to-Reply pipeline, services and statistics.

Imports neither `telegram` nor `argparse`/`rich`: the Telegram package and the command line
sit on top of it and render the `Reply` objects it returns.
"""
