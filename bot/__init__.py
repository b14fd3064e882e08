"""AI image generation for Discord through an OpenAI-compatible AI gateway."""
