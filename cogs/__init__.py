"""Slash-command cogs, loaded by name from `bot.discord.app.EXTENSIONS`."""
