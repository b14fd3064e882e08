"""Settings: validation, one-line errors, and the docs kept in step with the model."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from bot.settings import ConfigError, Settings, load_settings, require

ROOT = Path(__file__).resolve().parents[2]


def make(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_defaults_and_secret_types() -> None:
    settings = make(discord_token="tok-abc-123", ai_gateway_api_key="sk-secret-456")
    assert isinstance(settings.discord_token, SecretStr)
    assert "tok-abc-123" not in repr(settings)
    assert "sk-secret-456" not in str(settings.model_dump())
    assert str(settings.ai_gateway_base_url) == "https://ai-gateway.vercel.sh/v1"
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.health_port is None


def test_api_key_wins_over_oidc_token() -> None:
    assert make(ai_gateway_api_key="k", vercel_oidc_token="o").gateway_credential.get_secret_value() == "k"
    assert make(vercel_oidc_token="o").gateway_credential.get_secret_value() == "o"
    assert make().gateway_credential is None


def test_shard_ids_parse_from_comma_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHARD_COUNT", "4")
    monkeypatch.setenv("SHARD_IDS", "0, 2")
    assert Settings(_env_file=None).shard_ids == [0, 2]  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"AI_GATEWAY_BASE_URL": "https://example.test/api"}, "AI_GATEWAY_BASE_URL"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"HEALTH_PORT": "70000"}, "HEALTH_PORT"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "5"}, "SHARD_IDS"),
    ],
)
def test_invalid_variable_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str], needle: str
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert needle in message
    assert "\n" not in message


def test_require_names_the_missing_variable() -> None:
    with pytest.raises(ConfigError, match="DISCORD_TOKEN is missing"):
        require(make(ai_gateway_api_key="k"), "discord_token", "gateway_credential")
    with pytest.raises(ConfigError, match="AI_GATEWAY_API_KEY is missing"):
        require(make(discord_token="t"), "discord_token", "gateway_credential")
    require(make(discord_token="t", vercel_oidc_token="o"), "discord_token", "gateway_credential")


def test_run_without_env_exits_2_naming_both_variables(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert "DISCORD_TOKEN is missing" in proc.stderr
    assert "AI_GATEWAY_API_KEY is missing" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 3  # heading + one line each


def test_env_example_with_two_keys_loads_with_defaults(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    text = (ROOT / ".env.example").read_text()
    text = text.replace("DISCORD_TOKEN=\n", "DISCORD_TOKEN=tok-abc-123\n")
    text = text.replace("AI_GATEWAY_API_KEY=\n", "AI_GATEWAY_API_KEY=sk-secret-456\n")
    (tmp_path / ".env").write_text(text)
    monkeypatch.chdir(tmp_path)
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    settings = load_settings(environ={})
    require(settings, "discord_token", "gateway_credential")
    assert settings.default_image_model is None
    assert settings.default_chat_model is None
    assert settings.dev_guild_id is None
    assert settings.health_port is None
    assert settings.shard_count is None
    assert settings.discord_api_base_url is None
    assert settings.redis_url is None
    defaults = make(discord_token="tok-abc-123", ai_gateway_api_key="sk-secret-456")
    assert settings == defaults, ".env.example's uncommented values must equal the defaults"


def test_blank_and_whitespace_values_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEFAULT_IMAGE_MODEL", "")
    monkeypatch.setenv("HEALTH_PORT", "  ")
    monkeypatch.setenv("LOG_FORMAT", "")
    settings = Settings(_env_file=None, dev_guild_id="", redis_url=" ")  # type: ignore[call-arg]
    assert settings.default_image_model is None
    assert settings.health_port is None
    assert settings.log_format == "text"
    assert settings.dev_guild_id is None
    assert settings.redis_url is None


def test_log_level_and_format_are_case_insensitive() -> None:
    settings = make(log_level="debug", log_format="JSON")
    assert (settings.log_level, settings.log_format) == ("DEBUG", "json")


def test_every_problem_is_reported_at_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DEV_GUILD_ID", "my-server")
    monkeypatch.setenv("HEALTH_PORT", "http")
    monkeypatch.setenv("REDIS_URL", "http://localhost:6379")
    monkeypatch.setenv("DISCORD_TOKEN", "x" * 30)
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={})
    lines = str(caught.value).splitlines()
    assert lines[0].startswith("3 configuration problems")
    assert any(line.startswith("  - DEV_GUILD_ID is invalid:") and "'my-server'" in line for line in lines)
    assert any(line.startswith("  - HEALTH_PORT is invalid:") for line in lines)
    assert any(line.startswith("  - REDIS_URL is invalid: must start with redis://") for line in lines)
    assert "x" * 30 not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("postgresql+asyncpg://bot@/", "needs a host and a database"),
        ("postgresql+asyncpg://bot@db:5432", "needs a host and a database"),
        ("postgresql+asyncpg://bot@db:port/x", "not a valid URL"),
        ("sqlite+aiosqlite://", "needs a file path"),
    ],
)
def test_malformed_database_urls_are_named(url: str, needle: str) -> None:
    with pytest.raises(ConfigError, match=f"DATABASE_URL is invalid: .*{needle}"):
        load_settings(environ={}, _env_file=None, database_url=url)


def test_secrets_from_name_file_variables(tmp_path: Path) -> None:
    secret = tmp_path / "discord_token"
    secret.write_text("tok-from-file-123\n")
    settings = load_settings(environ={"DISCORD_TOKEN_FILE": str(secret)}, _env_file=None)
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == "tok-from-file-123"
    with pytest.raises(ConfigError, match="DISCORD_TOKEN and DISCORD_TOKEN_FILE are both set"):
        load_settings(environ={"DISCORD_TOKEN_FILE": str(secret), "DISCORD_TOKEN": "t"}, _env_file=None)
    with pytest.raises(ConfigError, match=r"AI_GATEWAY_API_KEY_FILE: cannot read .*missing"):
        load_settings(environ={"AI_GATEWAY_API_KEY_FILE": str(tmp_path / "missing")}, _env_file=None)


def test_secrets_from_a_secrets_directory(tmp_path: Path) -> None:
    (tmp_path / "ai_gateway_api_key").write_text("sk-from-secret-dir")
    settings = Settings(_env_file=None, _secrets_dir=tmp_path)  # type: ignore[call-arg]
    assert settings.ai_gateway_api_key is not None
    assert settings.ai_gateway_api_key.get_secret_value() == "sk-from-secret-dir"


def _env_names() -> set[str]:
    return {name.upper() for name in Settings.model_fields}


def test_env_example_lists_every_variable() -> None:
    text = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^(?:# )?([A-Z_]+)=", text, flags=re.MULTILINE))
    assert listed == _env_names()


def test_env_example_leaves_the_docker_image_settings_alone() -> None:
    """`docker run --env-file .env` must not override the image's ENV with the example's lines."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    image_env = set(re.findall(r"\b([A-Z_]+)=", dockerfile)) & _env_names()
    assert image_env >= {"HEALTH_PORT", "LOG_FORMAT"}
    text = (ROOT / ".env.example").read_text()
    assigned = set(re.findall(r"^([A-Z_]+)=", text, flags=re.MULTILINE))
    assert not image_env & assigned


def test_readme_table_lists_every_variable() -> None:
    text = (ROOT / "README.md").read_text()
    listed = set(re.findall(r"^\| `([A-Z_]+)` \|", text, flags=re.MULTILINE))
    assert listed == _env_names()


def test_image_budget_settings_build_the_process_budget(tmp_path: Path) -> None:
    from bot.discord.runner import image_budget

    settings = make(
        image_memory_budget_mb=64,
        image_pixel_budget_mp=20,
        max_concurrent_reencodes=3,
        image_spool_dir=str(tmp_path),
    )
    budget = image_budget(settings)
    assert budget.memory_bytes == 64 * 2**20
    assert budget.spool_dir == str(tmp_path)
    with pytest.raises(ValidationError, match="not an existing directory"):
        make(image_spool_dir=str(tmp_path / "missing"))


def test_retention_below_a_month_is_refused() -> None:
    assert make().retention_days == 90
    assert make(retention_days=31).retention_days == 31
    with pytest.raises(ValidationError):
        make(retention_days=30)
