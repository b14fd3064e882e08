"""OpenAI-compatible AI gateway client. Never imports discord."""
