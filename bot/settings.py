"""Process configuration: the only module that reads the environment.

`Settings()` is built once in `bot.__main__` and passed down. Tests build it directly with
`Settings(_env_file=None, discord_token="t", ...)`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_BASE_URL = "https://ai-gateway.vercel.sh/v1"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/bot.sqlite3"


class Settings(BaseSettings):
    """Every environment variable of the public contract (see README's configuration table)."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", validate_default=True
    )

    discord_token: SecretStr | None = Field(
        default=None, description="Bot token from the Discord developer portal (required by `run`)."
    )
    ai_gateway_api_key: SecretStr | None = Field(default=None, description="AI gateway API key.")
    vercel_oidc_token: SecretStr | None = Field(
        default=None, description="Vercel OIDC token, used when AI_GATEWAY_API_KEY is unset."
    )
    ai_gateway_base_url: AnyHttpUrl = Field(
        default=AnyHttpUrl(DEFAULT_BASE_URL), description="OpenAI-compatible base URL ending in /v1."
    )
    database_url: str = Field(default=DEFAULT_DATABASE_URL, description="SQLAlchemy async URL.")
    redis_url: str | None = Field(default=None, description="Redis URL for limits shared by processes.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    dev_guild_id: int | None = Field(default=None, gt=0, description="Sync commands to this guild only.")
    health_port: int | None = Field(default=None, ge=0, le=65535, description="Port for /healthz, /metrics.")
    shard_count: int | None = Field(default=None, ge=1, description="Total shards across all processes.")
    shard_ids: list[int] | None = Field(default=None, description="Shards this process runs, e.g. 0,1.")
    default_image_model: str | None = Field(
        default=None, description="Fallback image model when a guild has none (else the catalogue's first)."
    )
    default_chat_model: str | None = Field(
        default=None, description="Fallback chat image model when a guild has none."
    )
    discord_api_base_url: AnyHttpUrl | None = Field(
        default=None, description="REST proxy in front of Discord (e.g. http://proxy:8080/api/v10)."
    )
    ai_gateway_timeout: float = Field(
        default=300.0, gt=0, le=840, description="Seconds one gateway request may take, body included."
    )
    max_concurrent_jobs: int = Field(default=8, ge=1, le=256, description="Generations in flight at once.")

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _split_shard_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            return [int(p) for p in parts] if parts else None
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("ai_gateway_base_url")
    @classmethod
    def _base_url_ends_in_v1(cls, value: AnyHttpUrl) -> AnyHttpUrl:
        if not str(value).rstrip("/").endswith("/v1"):
            raise ValueError("must end in /v1, e.g. https://ai-gateway.vercel.sh/v1")
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @model_validator(mode="after")
    def _shards_consistent(self) -> Settings:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("SHARD_IDS needs SHARD_COUNT")
            bad = [i for i in self.shard_ids if not 0 <= i < self.shard_count]
            if bad:
                raise ValueError(f"SHARD_IDS {bad} are outside 0..{self.shard_count - 1}")
        return self

    @property
    def gateway_credential(self) -> SecretStr | None:
        """The key sent to the AI gateway: the API key wins over an OIDC token (gateway rule)."""
        return self.ai_gateway_api_key or self.vercel_oidc_token


ENV_HINTS: dict[str, str] = {
    "discord_token": "set DISCORD_TOKEN to your bot token (Developer Portal -> Bot -> Reset Token)",
    "gateway_credential": "set AI_GATEWAY_API_KEY (Vercel dashboard -> AI Gateway -> API keys)",
}


class ConfigError(Exception):
    """Start-up configuration problem; its message is one line a person can act on."""


def load_settings(**overrides: object) -> Settings:
    """Build `Settings`, turning validation errors into one readable `ConfigError` line.

    Raises:
        ConfigError: a variable is invalid; the message names it and what to do.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]  # pydantic-settings accepts field kwargs
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "settings"
        name = loc.upper()
        raise ConfigError(f"{name} is invalid: {err['msg']}. Fix it in .env or the environment.") from None


def require(settings: Settings, *what: str) -> None:
    """Check that the named settings needed by a sub-command are present.

    Raises:
        ConfigError: one line naming the missing variable and how to get it.
    """
    for name in what:
        value = settings.gateway_credential if name == "gateway_credential" else getattr(settings, name)
        if value is None or (isinstance(value, SecretStr) and not value.get_secret_value()):
            env = "AI_GATEWAY_API_KEY" if name == "gateway_credential" else name.upper()
            raise ConfigError(f"{env} is missing: {ENV_HINTS.get(name, 'set it in .env')}.")
