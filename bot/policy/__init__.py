"""Option resolution and moderation rules: pure functions, no I/O, no discord, no storage.

`schemas` holds the guild and channel settings models and the option words (aspect ratios,
lockable options); `options` the precedence function (see its docstring); `moderation` the
blocked/flagged term matching; `operator` the operator's floor. Everything public of the
first three is re-exported here. Importing this package loads neither SQLAlchemy, Redis,
aiohttp nor discord (`tests/unit/policy/test_purity.py`).
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
    GlobalDefaults,
    RequestedOptions,
    ResolvedOptions,
    Source,
    resolve_options,
    with_provider_options,
)
from bot.policy.schemas import (
    ASPECT_RATIOS,
    LOCKABLE_OPTIONS,
    AspectRatio,
    ChannelSettings,
    GuildSettings,
    LockableOption,
)

__all__ = [
    "ASPECT_RATIOS",
    "BLOCKED_MESSAGE",
    "LOCKABLE_OPTIONS",
    "OPERATOR_BLOCKED_MESSAGE",
    "AspectRatio",
    "ChannelSettings",
    "GlobalDefaults",
    "GuildSettings",
    "LockableOption",
    "ModerationVerdict",
    "RequestedOptions",
    "ResolvedOptions",
    "Source",
    "check_prompt",
    "find_term",
    "find_terms",
    "normalize",
    "resolve_options",
    "with_provider_options",
]
