"""Spend attribution sent to the AI gateway: who and where, as salted hashes (never raw ids).

The gateway's dashboard and reporting API group spend by `providerOptions.gateway.user` and
`tags`. Discord ids are personal data and guessable, so both are keyed hashes (HMAC-SHA256)
under a secret salt: stable across restarts (the same member is the same user in every report)
and useless to anyone without the salt. The salt is `ATTRIBUTION_SALT`, or else derived from the
gateway key, which the gateway already holds.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from pydantic import SecretStr

_DERIVATION_LABEL = b"imagebot attribution salt v1"
_DIGEST_CHARS = 16  # 64 bits: no collisions at any Discord scale, short in a dashboard


@dataclass(frozen=True, slots=True)
class Attribution:
    """Makes the gateway `user` and `tags` of a generation.

    Args:
        salt: The secret key of the hashes.
    """

    salt: bytes

    @classmethod
    def from_settings(cls, salt: SecretStr | None, gateway_key: SecretStr | None) -> Attribution:
        """The configured salt, else one derived from the gateway key (HMAC, so the key stays secret)."""
        if salt is not None and salt.get_secret_value():
            return cls(salt.get_secret_value().encode())
        key = gateway_key.get_secret_value().encode() if gateway_key is not None else b""
        return cls(hmac.new(key, _DERIVATION_LABEL, hashlib.sha256).digest())

    def _digest(self, kind: str, value: int) -> str:
        return hmac.new(self.salt, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:_DIGEST_CHARS]

    def user(self, user_id: int) -> str:
        """The gateway `user` of a Discord member: ``u-`` and a salted hash."""
        return f"u-{self._digest('user', user_id)}"

    def tags(self, command: str, guild_id: int | None) -> list[str]:
        """Gateway tags: the bot, the command, and the server's salted hash (or "outside servers")."""
        where = f"server:{self._digest('guild', guild_id)}" if guild_id is not None else "server:none"
        return ["app:imagebot", f"command:{command}", where]
