"""`python -m bot [run|sync|models|imagine|chatimage]`: the bot and the operator CLI."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot import cli
from bot.discord.runner import run
from bot.gateway.heap import process_heap
from bot.observability import setup_logging
from bot.settings import ConfigError, load_settings

log = logging.getLogger("bot")


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface (also documented in the README)."""
    # `imagebot` is the console script of `pip install .`; it runs this same `main`.
    prog = "imagebot" if Path(sys.argv[0]).name == "imagebot" else "python -m bot"
    parser = argparse.ArgumentParser(prog=prog, description="AI image bot for Discord.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="start the bot (the default)")
    sync = sub.add_parser("sync", help="sync slash commands with Discord and exit")
    sync.add_argument(
        "--clear-guild",
        dest="clear_guilds",
        metavar="GUILD_ID",
        type=int,
        action="append",
        default=[],
        help="instead of syncing, remove this application's commands from one server (repeatable)",
    )
    sub.add_parser("models", help="list the gateway's image-capable models")
    imagine = sub.add_parser("imagine", help="generate images without Discord")
    imagine.add_argument("prompt")
    imagine.add_argument("--model", help="model id (default: DEFAULT_IMAGE_MODEL or the first image model)")
    imagine.add_argument("--n", type=int, default=1, help="number of images (1-10)")
    imagine.add_argument("--aspect-ratio", dest="aspect_ratio", help="e.g. 1:1, 16:9")
    imagine.add_argument("--out", default="out", help="directory for the images (default: ./out)")
    chat = sub.add_parser("chatimage", help="stream a multimodal chat generation without Discord")
    chat.add_argument("prompt")
    chat.add_argument("--model", help="model id (default: DEFAULT_CHAT_MODEL or the first chat image model)")
    chat.add_argument("--image", action="append", default=[], help="input image file (repeatable)")
    chat.add_argument("--out", default="out", help="directory for the images (default: ./out)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point. Returns the process exit code."""
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    process_heap().tune()  # before any image buffer exists (see bot.gateway.heap)
    try:
        settings = load_settings()
        secrets = [s.get_secret_value() for s in (settings.discord_token, settings.gateway_credential) if s]
        setup_logging(settings.log_level, settings.log_format, secrets)
        if command in ("run", "sync"):
            clear = getattr(args, "clear_guilds", [])
            return asyncio.run(run(settings, sync_only=command == "sync", clear_guilds=clear))
        return asyncio.run(cli.main(command, args, settings))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
