"""Slash-command cogs, loaded by name from `bot.app.EXTENSIONS`."""
