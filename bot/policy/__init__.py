"""Option resolution and moderation rules: pure functions, no I/O, no discord.

`options` holds the precedence function (see its docstring); `moderation` the
blocked/flagged term matching. Everything public is re-exported here.
"""

from bot.policy.moderation import (
    BLOCKED_MESSAGE,
    OPERATOR_BLOCKED_MESSAGE,
    ModerationVerdict,
    check_prompt,
    find_term,
    find_terms,
    normalize,
)
from bot.policy.options import (
    OPTION_NAMES,
    GlobalDefaults,
    Kind,
    RequestedOptions,
    ResolvedOptions,
    Source,
    resolve_options,
)

__all__ = [
    "BLOCKED_MESSAGE",
    "OPERATOR_BLOCKED_MESSAGE",
    "OPTION_NAMES",
    "GlobalDefaults",
    "Kind",
    "ModerationVerdict",
    "RequestedOptions",
    "ResolvedOptions",
    "Source",
    "check_prompt",
    "find_term",
    "find_terms",
    "normalize",
    "resolve_options",
]
