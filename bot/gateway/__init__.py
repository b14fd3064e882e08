"""OpenAI-compatible AI gateway client. Never imports discord."""

from bot.gateway.catalog import ModelCatalog
from bot.gateway.client import GatewayClient
from bot.gateway.errors import GatewayError
from bot.gateway.retry import RetryPolicy

__all__ = ["GatewayClient", "GatewayError", "ModelCatalog", "RetryPolicy"]
