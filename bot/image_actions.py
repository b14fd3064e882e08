"""Per-image actions on results: what each asks the model, and which models can do it (pure).

Every action (vary, upscale, zoom out, pan, make square) is an edit: the chosen image goes to
a multimodal chat model as an `image_url` part with an instruction, through
`POST /v1/chat/completions`, as a new `chatimage` job. Image-only models
(`POST /v1/images/generations`) never receive an input image from this bot, so an action on
their result runs on the server's chat image model.

Which models can run an action is decided here, in this order:

1. the catalogue (`GET /v1/models`), where it says so: a model that makes images through chat
   and is tagged ``vision``/``file-input``/``image-input``/``image-editing``, or lists
   ``image`` in ``architecture.input_modalities``, takes an input image; one whose
   ``input_modalities`` are given without ``image`` does not;
2. else the table `KNOWN_EDITORS` (model ids known to edit images).

Upscaling asks the model for its higher resolution where `NATIVE_UPSCALE` knows the provider
option (Google's ``imageConfig.imageSize``); other models are asked to redraw the image at a
higher resolution, and answer at their own output size.
"""

from __future__ import annotations

import copy
import io
import math
import re
from dataclasses import dataclass
from typing import Any, Literal, get_args

from PIL import Image, UnidentifiedImageError

from bot.gateway.models import ModelInfo
from bot.policy.schemas import ASPECT_RATIOS, ProviderOptions

ActionName = Literal[
    "vary_subtle",
    "vary_strong",
    "upscale",
    "zoom_1_5",
    "zoom_2",
    "pan_left",
    "pan_right",
    "pan_up",
    "pan_down",
    "square",
]
ACTION_NAMES: tuple[ActionName, ...] = get_args(ActionName)
OPTIONS_KEY = "image_action"
"""Where a job made by an action keeps it in its options (`{"name", "source_job", "image"}`)."""

KNOWN_EDITORS = (re.compile(r"^google/gemini-[\w.-]*image"),)
"""Chat image models known to take an input image when the catalogue does not say."""
NATIVE_UPSCALE: tuple[tuple[re.Pattern[str], ProviderOptions], ...] = (
    # Gemini 3 image models render 1K, 2K or 4K (`imageConfig.imageSize`); 2.5 Flash Image only 1K.
    (re.compile(r"^google/gemini-3[\w.-]*image"), {"google": {"imageConfig": {"imageSize": "4K"}}}),
)
"""Models whose higher resolution is a provider option, and that option."""
_INPUT_TAGS = frozenset({"vision", "file-input", "image-input", "image-editing"})
_ZOOM_RATIO = {"zoom_1_5": 1.5, "zoom_2": 2.0}
_PAN_WIDER = 1.5  # a pan adds half the image on one side


@dataclass(frozen=True, slots=True)
class ImageAction:
    """One action: how it is shown and what it asks.

    Attributes:
        name: The id stored with jobs and carried by select values.
        label: The menu label.
        emoji: The menu emoji.
        instruction: The request sent to the model, before the original prompt.
    """

    name: ActionName
    label: str
    emoji: str
    instruction: str


ACTIONS: dict[ActionName, ImageAction] = {
    action.name: action
    for action in (
        ImageAction(
            "vary_subtle",
            "Vary (subtle)",
            "🌱",
            "Make a subtle variation of this image: keep the subject, composition, style and colours, "
            "and change only small details.",
        ),
        ImageAction(
            "vary_strong",
            "Vary (strong)",
            "🌪️",
            "Make a strong variation of this image: keep the subject and the idea, but change the "
            "composition, pose, lighting or setting noticeably.",
        ),
        ImageAction(
            "upscale",
            "Upscale",
            "🔍",
            "Upscale this image to a higher resolution: keep it exactly the same (composition, colours, "
            "every detail), only sharper and finer. Do not add, remove or move anything.",
        ),
        ImageAction(
            "zoom_1_5",
            "Zoom out 1.5×",
            "↔️",
            "Zoom out 1.5×: show this exact image smaller, in the centre of a canvas 1.5 times as wide and "
            "as tall, and fill the new border with a seamless continuation of the scene. Keep the original "
            "content unchanged.",
        ),
        ImageAction(
            "zoom_2",
            "Zoom out 2×",
            "🔭",
            "Zoom out 2×: show this exact image at half its size, in the centre of a canvas twice as wide "
            "and as tall, and fill the new border with a seamless continuation of the scene. Keep the "
            "original content unchanged.",
        ),
        ImageAction(
            "pan_left",
            "Pan left",
            "⬅️",
            "Extend this image to the left: keep the existing content unchanged and continue the scene "
            "seamlessly into new space on its left side, making the image wider.",
        ),
        ImageAction(
            "pan_right",
            "Pan right",
            "➡️",
            "Extend this image to the right: keep the existing content unchanged and continue the scene "
            "seamlessly into new space on its right side, making the image wider.",
        ),
        ImageAction(
            "pan_up",
            "Pan up",
            "⬆️",
            "Extend this image upwards: keep the existing content unchanged and continue the scene "
            "seamlessly into new space above it, making the image taller.",
        ),
        ImageAction(
            "pan_down",
            "Pan down",
            "⬇️",
            "Extend this image downwards: keep the existing content unchanged and continue the scene "
            "seamlessly into new space below it, making the image taller.",
        ),
        ImageAction(
            "square",
            "Make square",
            "⏹️",
            "Make this image square (1:1): keep the main subject whole and centred, and extend or trim "
            "the background so that it looks natural.",
        ),
    )
}


def action_named(name: str) -> ImageAction | None:
    """The action called `name`, or None for anything else (an old or forged value)."""
    return next((action for action in ACTIONS.values() if action.name == name), None)


def action_prompt(action: ImageAction, prompt: str) -> str:
    """The text sent with the image: the instruction, then the prompt the image was made from."""
    original = " ".join(prompt.split())
    return (
        f"{action.instruction}\n\nThe image was made from this prompt: {original}"
        if original
        else action.instruction
    )


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from an image's header (no decoding); None when unreadable."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def action_aspect_ratio(action: ImageAction, size: tuple[int, int] | None) -> str | None:
    """The aspect ratio to ask for: the input's (widened or heightened by a pan), 1:1 for square.

    Returns the nearest of `ASPECT_RATIOS` (on a log scale), or None when the size is unknown.
    """
    if action.name == "square":
        return "1:1"
    if size is None or min(size) <= 0:
        return None
    ratio = size[0] / size[1]
    if action.name in ("pan_left", "pan_right"):
        ratio *= _PAN_WIDER
    elif action.name in ("pan_up", "pan_down"):
        ratio /= _PAN_WIDER
    return min(ASPECT_RATIOS, key=lambda choice: abs(math.log(_ratio(choice)) - math.log(ratio)))


def _ratio(choice: str) -> float:
    width, height = choice.split(":")
    return int(width) / int(height)


def edits_images(model_id: str, info: ModelInfo | None) -> bool:
    """Whether `model_id` can run an action: makes images through chat and takes an input image.

    Args:
        model_id: The gateway model id.
        info: Its catalogue entry, if the catalogue has one.
    """
    if info is not None:
        if info.endpoint == "images":
            return False  # this bot sends image-only models no input image
        declared = _input_modalities(info)
        if set(info.tags) & _INPUT_TAGS or "image" in declared:
            return info.endpoint == "chat"
        if declared:
            return False
    return any(pattern.search(model_id.lower()) for pattern in KNOWN_EDITORS)


def _input_modalities(info: ModelInfo) -> tuple[str, ...]:
    architecture: Any = (info.model_extra or {}).get("architecture")
    if not isinstance(architecture, dict):
        return ()
    found = architecture.get("input_modalities")
    return tuple(item for item in found if isinstance(item, str)) if isinstance(found, list) else ()


def upscale_options(model_id: str) -> ProviderOptions | None:
    """The provider options that ask `model_id` for its higher resolution, if known."""
    lowered = model_id.lower()
    for pattern, options in NATIVE_UPSCALE:
        if pattern.search(lowered):
            return copy.deepcopy(options)
    return None


def supported_actions(model_id: str, info: ModelInfo | None) -> tuple[ActionName, ...]:
    """The actions `model_id` can run itself (every action, or none)."""
    return ACTION_NAMES if edits_images(model_id, info) else ()


def action_model(job_kind: str, job_model: str, info: ModelInfo | None) -> str | None:
    """The model to ask for: the job's own when it made the image by chat and edits images.

    None means "the server's chat image model" (resolved with the usual precedence and locks).
    """
    return job_model if job_kind == "chatimage" and edits_images(job_model, info) else None
