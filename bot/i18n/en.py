"""English: the source catalogue. Every other language has exactly these keys and placeholders."""
# ruff: noqa: E501  (sentences are kept one per line where they fit; translations are prose)

from __future__ import annotations

# Command, option and context-menu names and descriptions (see `bot.discord.translator`). These
# are the strings the cogs declare; a test keeps them equal.
COMMANDS: dict[str, str] = {
    "imagine": "imagine",
    "imagine.description": "Generate images from a text prompt.",
    "imagine.prompt": "prompt",
    "imagine.prompt.description": "What to draw.",
    "imagine.model": "model",
    "imagine.model.description": "Image model (default: this server's).",
    "imagine.count": "count",
    "imagine.count.description": "How many images (default: this server's).",
    "imagine.aspect_ratio": "aspect_ratio",
    "imagine.aspect_ratio.description": "Shape of the images.",
    "imagine.private": "private",
    "imagine.private.description": "Only you see the result.",
    "chatimage": "chatimage",
    "chatimage.description": "Chat with a multimodal model that answers with text and images.",
    "chatimage.prompt": "prompt",
    "chatimage.prompt.description": "What to make, or how to change the image.",
    "chatimage.model": "model",
    "chatimage.model.description": "Chat image model (default: this server's).",
    "chatimage.image": "image",
    "chatimage.image.description": "An image to edit or use as reference.",
    "chatimage.private": "private",
    "chatimage.private.description": "Only you see the result.",
    "Edit image": "Edit image",
    "job": "job",
    "job.description": "Show a past generation by its job id, with its buttons.",
    "job.job_id": "job_id",
    "job.job_id.description": "The id shown under a result.",
    "usage": "usage",
    "usage.description": "Show your image quota on this server and your recent jobs.",
    "forgetme": "forgetme",
    "forgetme.description": "Delete your prompts and ids from the bot's records (asks to confirm).",
    "help": "help",
    "help.description": "What this bot does, and your limits here today.",
    "about": "about",
    "about.description": "Version, what the bot stores about you and for how long.",
}

MESSAGES: dict[str, str] = {
    # /help
    "help.title": "**What I do**",
    "help.intro": (
        "I make images with AI. `/imagine` draws from a text prompt. `/chatimage` asks a model that "
        "answers with text and images, and can change an image you attach. *Edit image* (in a "
        "message's **Apps** menu) edits an image posted in the channel. Under every result: 🎲 "
        "re-roll, 🖋️ edit the prompt, 🗑️ delete. `/job` shows a past result, `/usage` your recent "
        "jobs, `/about` what is stored and for how long."
    ),
    "help.limits_server": "**Your limits in this server today**",
    "help.limits_outside": "**Your limits here today** (outside servers, the bot operator's rules apply)",
    "help.quota": "Images: {used} of {quota} used, {left} left. Resets {reset}.",
    "help.quota_none": "Images: no daily limit here.",
    "help.operator_quota": "Across all servers: {used} of {cap} images used today.",
    "help.cooldown": "Cooldown: {seconds} s between generations. You can generate now.",
    "help.cooldown_wait": "Cooldown: {seconds} s between generations. You can generate again in {remaining} s.",
    "help.cooldown_none": "Cooldown: none.",
    "help.budget_open": "Monthly budget: {spent} of {budget} used. Open.",
    "help.budget_spent": "Monthly budget: used up ({spent} of {budget}). Generating resumes {reset}.",
    "help.budget_none": "Monthly budget: none set.",
    "help.closed": (
        "Image commands are not available here: the bot's operator has not opened them outside servers."
    ),
    # /about
    "about.title": "**imagebot {version}**: open-source AI image generation for Discord.",
    "about.stored": (
        "**What is stored:** for each generation, your Discord user id, the server and channel, the "
        "prompt, the options and model, the status, the number of images, the cost, the times, and "
        "the ids of the result's messages. The images themselves live only in Discord's messages. "
        "Moderators' settings changes are logged with their user id."
    ),
    "about.sent": (
        "**Who else sees your prompt:** the AI service chosen by the bot's operator, which receives "
        "it with a hashed id instead of your Discord id."
    ),
    "about.retention": "**For how long:** {days} days, then it is deleted.",
    "about.forgetme": (
        "**Delete yours now:** `/forgetme` removes your prompts and ids from every job and settings "
        "change at once. Today's jobs keep your id until midnight UTC, so today's limits still count; "
        "then it goes too. Images already posted stay in Discord: delete them with 🗑️."
    ),
    "about.privacy_policy": "Privacy policy: {url}",
    "about.terms": "Terms of service: {url}",
    "about.no_links": "The bot's operator has not published a privacy policy or terms of service.",
    # /forgetme
    "forget.confirm": (
        "This removes your prompts and ids from every job and settings change of yours in every "
        "server. It cannot be undone."
    ),
    "forget.button": "Delete my data",
    "forget.done": "Done: {rows} record(s) anonymised. Your prompts and ids are gone from my database.",
    "forget.held": (
        "Your {held} job(s) from today keep only your id until midnight UTC, so today's limits still "
        "count; then it is removed too."
    ),
    # refusals and errors (bot/errors.py, bot/money.py, bot/policy)
    "error.generic": "Something went wrong on our side. Please try again.",
    "error.cancelled": "Cancelled before it finished.",
    "error.interrupted": "Interrupted: the bot restarted while this job was running.",
    "error.not_allowed": "You are not allowed to use this command here.",
    "error.missing_permission": (
        "I am missing a permission in this channel (Send Messages, Embed Links or Attach Files). "
        "Ask a server admin to check my role."
    ),
    "error.paused": "Image generation is paused by the bot's operator right now. Nothing was sent or charged.",
    "error.blocked": "The bot's operator has not enabled image generation for you here.",
    "error.outside": (
        "I only make images in servers. Use me in a server that has added me (this bot's operator "
        "has not opened DMs or personal installs)."
    ),
    "error.operator_term": "This prompt contains a term this bot does not allow.",
    "error.cooldown": "Slow down — you can generate again in {seconds} s.",
    "error.unavailable": "The bot is temporarily unavailable, try again shortly.",
    "error.id": "error id `{error_id}`",
    # the image service (bot/gateway/errors.py), by error class
    "gateway.GatewayError": "The image service failed unexpectedly. Please try again later.",
    "gateway.BadRequestError": "The image service rejected this request. Try a different prompt or options.",
    "gateway.ContentPolicyError": (
        "The image provider refused this prompt under its content policy. Rephrase it and try again."
    ),
    "gateway.AuthenticationError": "The bot's AI key is not accepted — a server admin must fix it.",
    "gateway.InsufficientCreditsError": (
        "The bot's AI account is out of credits. A server admin needs to top it up."
    ),
    "gateway.PermissionDeniedError": (
        "The bot's AI key is not accepted for this model — a server admin must fix it."
    ),
    "gateway.NotFoundError": "That model is not available on the image service. Pick another model.",
    "gateway.RateLimitError": "The image service is busy. Try again in a minute.",
    "gateway.RateLimitError.wait": "The image service is busy. Try again in {seconds} s.",
    "gateway.ServerError": (
        "The image service is having trouble right now. Please try again in a few minutes."
    ),
    "gateway.GatewayTimeoutError": "The image service took too long to answer. Please try again.",
    "gateway.GatewayConnectionError": "Could not reach the image service. Please try again shortly.",
    "gateway.BadResponseError": "The image service sent an unreadable answer. Please try again.",
    "gateway.StreamIncompleteError": "The image service stopped answering midway. Please try again.",
    "gateway.InvalidImageError": "The image service returned image data that could not be read.",
    "gateway.UnsafeURLError": (
        "The image service pointed to an image address the bot does not fetch, for safety."
    ),
    "gateway.ImageTooLargeError": "The image is too large to handle.",
    "gateway.JobTooLargeError": (
        "The image service sent more image data than the bot accepts for one request. Try fewer "
        "images or a smaller size."
    ),
    # /usage and the end of /forgetme
    "usage.today": "**Today:** {used}/{quota} images used, resets {reset}.",
    "usage.no_quota": "**Quota:** this server sets no daily limit.",
    "usage.spend": "**Server spend this month:** {spent} of {budget}.",
    "usage.spend_no_budget": "**Server spend this month:** {spent} (no monthly budget).",
    "usage.in_flight": "{reserved} of it is reserved for jobs in progress.",
    "usage.cooldown": "**Cooldown:** {seconds} s between generations.",
    "usage.recent": "**Recent jobs** (use `/job <id>`):",
    "forget.results": "{results} result(s) I could not post are deleted from memory too.",
    # results that could not all be posted (bot/discord/flows/posting.py, /job)
    "images.one": "Image {n}",
    "images.range": "Images {first}-{last}",
    "images.list": "Images {items} and {last}",
    "result.not_taken": "Your images are ready, but Discord would not take them.",
    "result.not_posted": "{images} of {total} could not be posted.",
    "result.folded": "{images} of {total} did not fit: Discord allows a personal install only 5 follow-up messages per command.",
    "result.use_job": "Use `/job {job_id}` within a day to get them (they are lost if the bot restarts).",
    "result.too_large": "They were too large to keep; sorry.",
    "result.cannot_post_here": "Your images are ready but I cannot post here. Use `/job` to see them.",
    "job.spooled": "{images} of job `{job_id}`, which could not be posted earlier.",
    "job.not_found": "No job with that id here.",
    "job.not_yours": "Only the member who made this job (or a moderator) can view it.",
    "chat.text_only": "The model answered with text only this time. Ask it explicitly for an image and try again.",
}
