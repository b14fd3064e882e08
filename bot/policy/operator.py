"""The operator's policy: rules that hold everywhere, and the rules where no server's apply (pure).

Inside a server, the operator's blocked terms and model allow-list are a floor the server's own
settings cannot lower. Outside servers (DMs with the bot and user installs, both off unless the
operator opens them) no moderator exists, so `OperatorPolicy.outside_servers` supplies the whole
rule set: the same terms and allow-list, a per-user daily image cap, a cooldown and a monthly
spend cap. There is never a place with no rules.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from bot.errors import PolicyError
from bot.policy.schemas import GuildSettings

Place = Literal["server", "dm", "user_install"]
_MAX_LISTED = 10


@dataclass(frozen=True, slots=True)
class OperatorPolicy:
    """Operator-level rules from `Settings` (see README, "Operator policy").

    Attributes:
        allow_dms: `/imagine`, `/chatimage` and "Edit image" work in DMs with the bot.
        allow_user_installs: ... and through a user install (any DM, group DM, or a server
            that has not added the bot).
        blocked_terms: Refused everywhere; servers cannot allow them.
        allowed_models: When not empty, the only models anyone may use.
        outside_daily_images: Images per user per UTC day outside servers.
        outside_cooldown_seconds: Seconds between one user's generations outside servers.
        outside_monthly_spend: USD per UTC month for all generations outside servers together.
    """

    allow_dms: bool = False
    allow_user_installs: bool = False
    blocked_terms: tuple[str, ...] = ()
    allowed_models: tuple[str, ...] = ()
    outside_daily_images: int = 10
    outside_cooldown_seconds: int = 30
    outside_monthly_spend: float = 5.0

    def allows(self, place: Place) -> bool:
        """Whether image commands may run in `place` at all."""
        if place == "dm":
            return self.allow_dms
        if place == "user_install":
            return self.allow_user_installs
        return True

    def outside_servers(self) -> GuildSettings:
        """The complete rule set for places without a server (a server's defaults would be none).

        Returns:
            Settings with the operator's terms, allow-list, caps and cooldown; NSFW options
            never apply there.
        """
        # No blocked terms (the operator's are checked separately, with their own sentence) and
        # the default NSFW policy, "never".
        return GuildSettings(
            allowed_models=list(self.allowed_models),
            cooldown_seconds=self.outside_cooldown_seconds,
            daily_quota=self.outside_daily_images,
            monthly_budget=self.outside_monthly_spend,
        )

    def usable_models(self, available: Collection[str] | None) -> list[str] | None:
        """The catalogue narrowed to the allow-list (the allow-list itself when the catalogue is unknown)."""
        if not self.allowed_models:
            return None if available is None else list(available)
        if available is None:
            return list(self.allowed_models)
        return [m for m in available if m in self.allowed_models]

    def check_choice(self, image: bool, member_model: str | None, guild: GuildSettings) -> None:
        """Refuse, before option resolution, a member's or a server's locked model outside the list.

        Args:
            image: `/imagine` (else `/chatimage`).
            member_model: The model the member asked for, if any.
            guild: The server's settings (a locked model there is under the floor too).

        Raises:
            PolicyError: naming the models this bot allows.
        """
        if member_model is not None:
            self.check_model(member_model.strip())
        locked = guild.image_model if image else guild.chat_model
        if "model" in guild.locked_options and locked:
            self.check_model(locked)

    def check_model(self, model: str) -> None:
        """Refuse a model outside the operator's allow-list (whoever chose it).

        Raises:
            PolicyError: naming the models this bot allows.
        """
        if self.allowed_models and model not in self.allowed_models:
            shown = ", ".join(self.allowed_models[:_MAX_LISTED])
            more = len(self.allowed_models) - _MAX_LISTED
            listing = f"{shown} (and {more} more)" if more > 0 else shown
            raise PolicyError.keyed("operator.model_not_allowed", model=model, allowed=listing)


OUTSIDE_REFUSAL = (
    "I only make images in servers. Use me in a server that has added me "
    "(this bot's operator has not opened DMs or personal installs)."
)
