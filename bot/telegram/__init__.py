"""The Telegram glue (python-telegram-bot): updates in, the core's replies out.

The only package that imports `telegram`. Handlers stay thin: they turn an update into a call
of the core (`bot.core.conversation`) and render the `Reply` that comes back.
"""
