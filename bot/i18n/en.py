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
    "chatimage.links": "links",
    "chatimage.links.description": "Links to messages in this server whose images to use, space-separated.",
    "blend.links": "links",
    "blend.links.description": "Links to messages in this server whose images to use, space-separated.",
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
    # refusals raised by the core (bot/bookkeeping.py, bot/policy, bot/generation.py) and the flows
    "refusal.pending": "You already have {count} generations waiting. Let them finish first.",
    "refusal.quota_partial_server": "You asked for {count} images but have {left} of your {limit} left today on this server. Ask for fewer, or wait: the quota resets {reset}.",
    "refusal.quota_partial_outside": "You asked for {count} images but have {left} of your {limit} left today outside servers. Ask for fewer, or wait: the quota resets {reset}.",
    "refusal.quota_server": "You have used your {limit} images for today on this server. The quota resets {reset}.",
    "refusal.quota_outside": "You have used your {limit} images for today outside servers. The quota resets {reset}.",
    "refusal.budget_server": "This server has used its image budget for the month ({used} of {limit}). It resets {reset}.",
    "refusal.budget_outside": "Image making outside servers has used its image budget for the month ({used} of {limit}). It resets {reset}.",
    "refusal.operator_images": "You have reached the bot's daily limit of {limit} images across all servers. It resets {reset}.",
    "refusal.operator_spend": "The bot has reached its operator's spending limit for the month. It resets {reset}.",
    "error.job_interrupted": "This job was interrupted and will not run. Try again.",
    "error.server_term": "This prompt contains a term this server blocks.",
    "options.count_min": "Ask for at least 1 image.",
    "options.count_cap": "This server allows at most {cap} images per request.",
    "options.count_cap_one": "This server allows at most 1 image per request.",
    "options.unknown_ratio": "Unknown aspect ratio {ratio}. Choose one of: {choices}.",
    "options.model_not_allowed": "`{model}` is not allowed here. This server allows: {allowed}.",
    "operator.model_not_allowed": "`{model}` is not allowed on this bot. It allows: {allowed}.",
    # the Discord layer: inputs, buttons, modals, progress (bot/discord/flows, bot/discord/views)
    "input.gone": "The image this job started from is no longer available on Discord, so it cannot be re-rolled. Run the command again with the image.",
    "input.changed": "The image this job started from has changed since, so it cannot be re-rolled. Run the command again with the image.",
    "input.not_image": "The `image` option needs a PNG, JPEG, WebP or GIF image.",
    "input.too_large": "That image is {size} MB; the limit is {limit} MB.",
    "input.larger_than": "That image is larger than {limit} MB.",
    "input.download_failed": "I could not download that image. Upload it again and retry.",
    "input.no_image_to_edit": "That message has no image to edit.",
    "input.no_image_to_describe": "That message has no image to describe.",
    "links.malformed": "`{link}` is not a message link. Use *Copy Message Link* on a message: it looks like https://discord.com/channels/…/…/…",
    "links.outside_server": "Message links work only in a server the bot is a member of.",
    "links.direct_message": "Link {number} points to a direct message. Only messages from this server can be used.",
    "links.other_server": "Link {number} points to a message in another server. Only messages from this server can be used.",
    "links.too_many": "That makes {count} input images; at most {limit} can be sent at once.",
    "links.unknown_channel": "I cannot find the channel of link {number}.",
    "links.member_cannot_read": "You cannot read the channel of link {number}, so its message cannot be used.",
    "links.bot_cannot_read": "I need the View Channel and Read Message History permissions in <#{channel}> to read link {number}. Ask a server admin to grant them.",
    "links.age_restricted": "Link {number} is in an age-restricted channel: its images can only be used in age-restricted channels.",
    "links.unknown_message": "I cannot find the message of link {number}: it may have been deleted.",
    "links.no_image": "The message of link {number} has no image (PNG, JPEG, WebP or GIF).",
    "links.no_content_access": "I cannot see the images of link {number}: Discord hides other members' attachments from this bot (its Message Content intent is off). Links to my own results work; or upload the image.",
    "blend.too_few": "Blending needs at least {minimum} images: upload them, or link messages that have them.",
    "button.reroll": "Re-roll",
    "button.edit": "Edit prompt",
    "button.delete": "Delete",
    "button.cancel": "Cancel",
    "button.imagine": "Imagine {n}",
    "modal.edit_prompt": "Edit the prompt",
    "modal.prompt": "Prompt",
    "modal.edit_image": "Edit this image",
    "modal.how_change": "How should it change?",
    "job.cancel_started": "That job has already started, so it can no longer be cancelled.",
    "job.cancel_not_yours": "Only the member who asked (or a moderator) can cancel this job.",
    "job.cancelled": "Cancelled — nothing was generated.",
    "job.result_gone": "I no longer have that result.",
    "job.buttons_not_yours": "Only the member who made this image can use its buttons.",
    "job.was_describe": "That was a `/describe`: run it again, or use one of its suggestion buttons.",
    "job.empty_prompt": "The prompt cannot be empty.",
    "job.restarting": "The bot is restarting. Try again in a minute.",
    "job.no_image": "The model answered without an image. Try rephrasing the prompt.",
    "job.posted_below": "Your result is posted below.",
    "job.missing_permissions": "I need the {names} permission in this channel to post images. Ask a server admin to grant it, or use `private: True`.",
    "edit.say_how": "Say how the image should change.",
    "edit.message_gone": "That message is gone, so its image cannot be edited.",
    "edit.cannot_read": "I cannot read that message any more: use Edit image on it again.",
    "edit.image_gone": "That message no longer has the image.",
    "describe.suggestion_gone": "I no longer have that suggestion. Run `/describe` again.",
    "describe.none": "The model did not suggest any prompts for that image. Try again.",
    "progress.queued": "Queued — position {position}.",
    "progress.generating": "Generating with `{model}`…",
    "describe.title": "**Prompt suggestions** from `{model}`:",
    "describe.footer": "Job `{job_id}` · a button runs `/imagine` with that prompt.",
    "card.reencoded": "{images} re-encoded to fit Discord's upload limit.",
    # which model (bot/policy/options.py): image models for /imagine, chat image models for /chatimage
    "options.locked_unavailable_image": "This server's locked image model `{model}` is not available right now. Ask a moderator to check /config.",
    "options.locked_unavailable_chat": "This server's locked chat image model `{model}` is not available right now. Ask a moderator to check /config.",
    "options.model_unknown_image": "`{model}` is not an available image model.",
    "options.model_unknown_chat": "`{model}` is not an available chat image model.",
    "options.model_unknown_hint_image": "`{model}` is not an available image model. Did you mean: {hints}?",
    "options.model_unknown_hint_chat": "`{model}` is not an available chat image model. Did you mean: {hints}?",
    "options.no_model_image": "No image model is configured — ask a moderator to set one with /config.",
    "options.no_model_chat": "No chat image model is configured — ask a moderator to set one with /config.",
    # result cards (bot/discord/views/cards.py): the server's language on public posts
    "card.images": "{count} images",
    "card.image_one": "1 image",
    "card.title_part": "{images} (part {index}/{total})",
    "card.part": "Part {index}/{total}",
    "card.job": "job `{job_id}`",
    "card.job_heading": "Job `{job_id}`",
    "card.requested_by": "requested by {mention}",
    "card.model": "Model",
    "card.error": "Error: {reason}",
    "card.enhanced": "Prompt (enhanced):",
    "card.references": "{images}: {links}",
    "button.open_result": "Open result",
    "status.queued": "queued",
    "status.running": "running",
    "status.done": "done",
    "status.failed": "failed",
    "status.cancelled": "cancelled",
    "status.interrupted": "interrupted by a restart",
    # option labels and values on a result card and in its notes (bot/policy/options.py)
    "option.status": "status",
    "option.kind": "kind",
    "option.count": "count",
    "option.images": "images",
    "option.aspect_ratio": "aspect ratio",
    "option.private": "private",
    "option.quality": "quality",
    "option.resolution": "resolution",
    "option.seed": "seed",
    "option.background": "background",
    "option.negative_prompt": "negative prompt",
    "option.enhance": "enhance",
    "option.action": "action",
    "value.yes": "yes",
    "value.no": "no",
    "value.yes_with": "yes ({model})",
    "value.model_default": "model default",
    "value.the_model_default": "the model's default",
    "value.public": "public",
    "value.private": "private",
    "value.on": "on",
    "value.off": "off",
    "value.sourced": "{value} ({source})",
    "source.locked": "locked",
    "source.channel": "channel default",
    "source.guild": "server default",
    "note.locked": "This server locks {option} to {value}.",
    "note.model_locked": "This server locks the model to {model}.",
    "note.model_not_choosable": "This server does not let members choose the model.",
    "note.count_capped": "The default of {count} images is above this server's cap; using {cap}.",
    "note.not_allowed_channel": "The channel default {model} is not allowed here; skipped.",
    "note.not_allowed_guild": "The server default {model} is not allowed here; skipped.",
    "note.not_allowed_global": "The bot default {model} is not allowed here; skipped.",
    "note.unavailable_channel": "The channel default {model} is not available right now; skipped.",
    "note.unavailable_guild": "The server default {model} is not available right now; skipped.",
    "note.unavailable_global": "The bot default {model} is not available right now; skipped.",
    "note.no_default_model": "No default model is set; using {model}.",
    "note.skipped_locked": "The locked {option} {value} does not apply to {model}; skipped.",
    "note.skipped_guild": "The server's {option} {value} does not apply to {model}; skipped.",
    "note.skipped_channel": "The channel's {option} {value} does not apply to {model}; skipped.",
    "note.skipped_other": "The {option} {value} does not apply to {model}; skipped.",
    "note.upscaled": "Upscaled at the model's highest resolution.",
    # per-model parameters (bot/policy/parameters.py)
    "parameter.unknown": "Unknown {option} {value}. Choose one of: {choices}.",
    "parameter.seed_range": "The seed must be a whole number from 0 to {max}.",
    "parameter.negative_empty": "The negative prompt cannot be empty.",
    "parameter.not_offered": "`{model}` does not offer {option} {value}; it offers {offered}. Nothing was sent.",
    "parameter.not_taken": "`{model}` does not take a {option}. Leave it out or pick another model.",
    "parameter.no_enhance_model": "No chat model is available to enhance prompts. Ask a moderator to check /config.",
    # per-image actions (bot/image_actions.py, bot/discord/views/actions.py, flows/actions.py)
    "action.vary_subtle": "Vary (subtle)",
    "action.vary_strong": "Vary (strong)",
    "action.upscale": "Upscale",
    "action.zoom_1_5": "Zoom out 1.5×",
    "action.zoom_2": "Zoom out 2×",
    "action.pan_left": "Pan left",
    "action.pan_right": "Pan right",
    "action.pan_up": "Pan up",
    "action.pan_down": "Pan down",
    "action.square": "Make square",
    "action.field": "{action} · image {image} of job {job}",
    "select.act_on_image": "Act on image {n}…",
    "select.act_on_an_image": "Act on an image…",
    "select.image": "Image {n}",
    "action.what_to_do": "What should I do with image {n}?",
    "action.cannot_take_image": "The chat image model `{model}` cannot take an image, so it cannot run “{action}”. A moderator can choose one that edits images with `/config`.",
    "action.no_image": "That result has no image {n}.",
    "action.unknown": "I do not know that action. Pick another one from the menu.",
    "action.not_yours": "Only the member who made this image can use its menus.",
    "action.image_gone": "I cannot find image {n} of that result any more: its message may have been deleted.",
    # the Edit image form (bot/discord/flows/edit_image.py)
    "modal.references": "More reference images (optional)",
    "modal.mask": "Mask (optional)",
    "modal_hint.references": "Up to {count} images to take subjects, style or details from.",
    "modal_hint.mask": "An image the same shape: white where it should change, black where not.",
    # restart notices (bot/discord/flows/recovery.py): the member's language, kept with the job
    "restart.not_sent": "⚠️ This job was interrupted by a restart before it started, and was not charged. Run the command again.",
    "restart.sent": "⚠️ This job was interrupted by a restart while the image service was working on it. It may have been charged to this server's budget; nothing was posted. Run the command again to retry.",
    "image.too_large": "The generated image is too large to post on Discord.",
    "image.too_large_downscaled": "The generated image is too large to post on Discord, even downscaled.",
    "progress.enhancing": "Enhancing the prompt with `{model}`…",
    "enhance.blocked": "The enhanced prompt contains a term this server does not allow, so no image was made. Try again without `enhance`.",
    "stream.continues": "… the answer continues; it will be attached as `{file}`.",
    "stream.too_long": "… the answer was too long: `{file}` has its first {count} characters.",
    "stream.whole": "… the whole answer is in `{file}`.",
    "stream.cut": "[cut: {count} more characters were not kept]",
}
