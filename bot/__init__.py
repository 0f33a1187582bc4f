"""Omtanke, the application: settings, Telegram handlers, replies, i18n and the CLI."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("omtanke")
except PackageNotFoundError:  # running from a checkout without an install
    __version__ = "0.0.0"
