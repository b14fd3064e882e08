"""Pure builders of Discord payloads: messages, embeds, files and text within Discord's limits."""
