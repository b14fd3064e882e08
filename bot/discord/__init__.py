"""Everything that speaks Discord: the bot, its command tree, the flows and the views.

The only package under `bot/` that imports `discord` (with `cogs/`, which declares the
commands). `app.py` (`ImageBot`), `tree.py` (the one error answerer), `replies.py`, `runner.py`
and the start-up checks sit at the top; `flows/` holds what happens for a command, a button or
a modal (defer, plan, run, deliver); `views/` holds pure builders of Discord payloads.
"""
