"""Process configuration: the only module that reads the environment.

`load_settings()` builds `Settings` once in `bot.__main__` and it is passed down. Tests build it
directly with `Settings(_env_file=None, discord_token="t", ...)`.

Sources, strongest first: keyword arguments, `NAME_FILE` variables (read by `load_settings`),
the environment, `.env`, files in `/run/secrets` (Docker/Compose secrets), the defaults below.
A blank value (``NAME=`` in `.env` or the environment) means "unset" everywhere, so a `.env`
copied from `.env.example` with only the two keys filled in works.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_BASE_URL = "https://ai-gateway.vercel.sh/v1"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/bot.sqlite3"
# Where Docker and Compose mount secrets; each file is named after a variable (discord_token).
SECRETS_DIR = Path("/run/secrets")
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
# Comma-separated in the environment (`a, b`), never JSON.
CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    """Every environment variable of the public contract (see README's configuration table)."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        validate_default=True,
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
    # --- image memory (README "Images: what the bot fetches, and how much it holds") ---
    image_memory_budget_mb: int = Field(
        default=128, ge=8, le=65_536, description="MiB of images held in RAM at once; more go to temp files."
    )
    image_pixel_budget_mp: int = Field(
        default=34, ge=1, le=10_000, description="Megapixels decoded at once to re-encode images; more wait."
    )
    max_concurrent_reencodes: int = Field(default=2, ge=1, le=64, description="Images re-encoded at once.")
    max_job_image_mb: int = Field(
        default=256, ge=1, le=4096, description="MiB of images accepted for one job; more fails the job."
    )
    image_spool_dir: str | None = Field(
        default=None, description="Directory for images spooled to disk (default: the system temp dir)."
    )
    # --- operator policy (README "Operator policy") ---
    allow_dms: bool = Field(
        default=False, description="Offer /imagine, /chatimage and Edit image in DMs with the bot."
    )
    allow_user_installs: bool = Field(
        default=False, description="Let people add the bot to their account and use it outside servers."
    )
    operator_blocked_terms: CommaList = Field(
        default_factory=list,
        description="Terms refused everywhere, comma-separated; servers cannot allow them.",
    )
    operator_allowed_models: CommaList = Field(
        default_factory=list, description="The only models anyone may use, comma-separated (empty: any)."
    )
    dm_daily_images: int = Field(
        default=10, ge=1, le=10_000, description="Images per user per UTC day outside servers."
    )
    dm_cooldown_seconds: int = Field(
        default=30, ge=0, le=86_400, description="Seconds between one user's generations outside servers."
    )
    dm_monthly_spend_cap: float = Field(
        default=5.0, gt=0, le=1_000_000, description="USD per UTC month for all generations outside servers."
    )
    attribution_salt: SecretStr | None = Field(
        default=None,
        description="Secret for the hashed user/server ids sent to the gateway (default: derived).",
    )
    cost_estimate_per_image: float = Field(
        default=0.10, gt=0, le=100, description="USD reserved per image when the catalogue has no price."
    )
    operator_monthly_spend_cap: float | None = Field(
        default=None, gt=0, description="USD per UTC month across every server and DM (unset: no cap)."
    )
    operator_user_daily_images: int | None = Field(
        default=None, ge=1, description="Images per user per UTC day across every server (unset: no cap)."
    )
    paused: bool = Field(default=False, description="Refuse every generation with a clear sentence.")
    blocked_user_ids: list[int] | None = Field(default=None, description="User ids refused everywhere.")
    blocked_guild_ids: list[int] | None = Field(default=None, description="Server ids refused.")
    database_timeout: float = Field(
        default=10.0,
        gt=0,
        le=120,
        description="Seconds one database call may take before members are told to retry.",
    )
    delivery_retry_seconds: float = Field(
        default=120.0,
        ge=0,
        le=600,
        description="Seconds a result upload Discord refuses (429/5xx) is retried before the fallback.",
    )
    redis_timeout: float = Field(
        default=5.0, gt=0, le=60, description="Seconds one Redis command may take (connect included)."
    )
    retention_days: int = Field(
        default=90,
        ge=31,
        le=36500,
        description="Days jobs (prompts) and audit entries are kept (at least 31).",
    )
    privacy_policy_url: AnyHttpUrl | None = Field(default=None, description="Privacy policy shown by /about.")
    terms_url: AnyHttpUrl | None = Field(default=None, description="Terms of service shown by /about.")

    @model_validator(mode="before")
    @classmethod
    def _blank_means_unset(cls, data: Any) -> Any:
        # env_ignore_empty covers `NAME=`; this also covers "  " and keyword arguments.
        if isinstance(data, Mapping):
            return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}
        return data

    @field_validator("operator_blocked_terms", "operator_allowed_models", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_any_case(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _format_any_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("shard_ids", "blocked_user_ids", "blocked_guild_ids", mode="before")
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

    @field_validator("image_spool_dir")
    @classmethod
    def _spool_dir_exists(cls, value: str | None) -> str | None:
        if value is not None and not os.path.isdir(value):
            raise ValueError(f"{value!r} is not an existing directory")
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        try:
            url = make_url(value)
        except (ArgumentError, ValueError):
            raise ValueError(
                "is not a valid URL, e.g. postgresql+asyncpg://user:pass@host:5432/dbname"
            ) from None
        if url.drivername.startswith("postgresql") and not (url.host and url.database):
            raise ValueError(
                "needs a host and a database name: postgresql+asyncpg://user:pass@host:5432/dbname"
            )
        if url.drivername.startswith("sqlite") and not url.database:
            raise ValueError("needs a file path: sqlite+aiosqlite:///data/bot.sqlite3")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(REDIS_SCHEMES):
            raise ValueError("must start with redis://, rediss:// or unix://, e.g. redis://localhost:6379/0")
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
    """Start-up configuration problem: one line per problem, each naming what to fix."""


def _field_env(name: str) -> str:
    return name.upper()


def _file_values(environ: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """Values of `NAME_FILE` variables (Docker secrets) and the problems reading them."""
    values: dict[str, str] = {}
    problems: list[str] = []
    for field in Settings.model_fields:
        env = _field_env(field)
        path = environ.get(f"{env}_FILE", "").strip()
        if not path:
            continue
        if environ.get(env, "").strip():
            problems.append(f"{env} and {env}_FILE are both set: keep one")
            continue
        try:
            values[field] = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            problems.append(f"{env}_FILE: cannot read {path}: {exc.strerror or exc}")
    return values, problems


def _describe(err: Mapping[str, Any]) -> str:
    """One line for one pydantic error, naming the variable (never echoing a secret)."""
    msg = str(err["msg"]).removeprefix("Value error, ")
    loc = err.get("loc") or ()
    if not loc:  # a check across variables: its message names them
        return msg
    field = str(loc[0])
    annotation = str(Settings.model_fields[field].annotation) if field in Settings.model_fields else ""
    shown = err.get("input")
    got = f" (got {shown!r})" if isinstance(shown, str) and "SecretStr" not in annotation else ""
    return f"{_field_env(field)} is invalid: {msg[:1].lower()}{msg[1:]}{got}"


def config_problem_block(problems: list[str]) -> str:
    """One line for one problem; else a heading and one line per problem."""
    if len(problems) == 1:
        return f"{problems[0]}. Fix it in .env or the environment."
    lines = "\n".join(f"  - {p}" for p in problems)
    return f"{len(problems)} configuration problems (fix them in .env or the environment):\n{lines}"


def load_settings(*, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Build `Settings` from every source, reporting every invalid variable at once.

    Args:
        environ: Where `NAME_FILE` variables are looked up (default: `os.environ`).
        **overrides: Field values that win over every source.

    Raises:
        ConfigError: one line per problem, each naming the variable and what is wrong.
    """
    values, problems = _file_values(os.environ if environ is None else environ)
    secrets_dir = SECRETS_DIR if SECRETS_DIR.is_dir() else None
    try:
        settings = Settings(_secrets_dir=secrets_dir, **{**values, **overrides})  # type: ignore[call-arg, arg-type]
    except ValidationError as exc:
        problems.extend(_describe(err) for err in exc.errors())
    except SettingsError as exc:
        problems.append(str(exc))
    else:
        if not problems:
            return settings
    raise ConfigError(config_problem_block(problems))


def require(settings: Settings, *what: str) -> None:
    """Check that the named settings needed by a sub-command are present.

    Raises:
        ConfigError: naming every missing variable and how to get it.
    """
    missing = []
    for name in what:
        value = settings.gateway_credential if name == "gateway_credential" else getattr(settings, name)
        if value is None or (isinstance(value, SecretStr) and not value.get_secret_value()):
            env = "AI_GATEWAY_API_KEY" if name == "gateway_credential" else name.upper()
            missing.append(f"{env} is missing: {ENV_HINTS.get(name, 'set it in .env')}")
    if missing:
        raise ConfigError(config_problem_block(missing))
