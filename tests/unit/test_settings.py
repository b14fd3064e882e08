"""Settings: validation, one-line errors, and the docs kept in step with the model."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

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


def test_run_without_env_exits_2_naming_the_variable(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert "DISCORD_TOKEN is missing" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def _env_names() -> set[str]:
    return {name.upper() for name in Settings.model_fields}


def test_env_example_lists_every_variable() -> None:
    text = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z_]+)=", text, flags=re.MULTILINE))
    assert listed == _env_names()


def test_readme_table_lists_every_variable() -> None:
    text = (ROOT / "README.md").read_text()
    listed = set(re.findall(r"^\| `([A-Z_]+)` \|", text, flags=re.MULTILINE))
    assert listed == _env_names()
