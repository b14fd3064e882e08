"""Moderators' sentences: `/config` answers and the log channel's reports, one module per language.

Kept apart from the members' catalogue (`bot.i18n.<language>`) only for size; `bot.i18n.catalog`
merges them, and the same test checks both.
"""
