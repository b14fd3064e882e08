"""Every member's language through the real discord.py and the fake Discord (issue 13, item 3).

Refusals raised in the Discord-free core carry a catalogue key; the tree answers them in the
member's language. Buttons and modal titles are labelled in the language of whoever sees them.
"""

from __future__ import annotations

from typing import Any

from tests.bot.checks import ephemeral_answer
from tests.bot.conftest import BotEnv
from tests.bot.test_results import first_result


def labels_in(components: list[dict[str, Any]]) -> list[str]:
    """The button labels anywhere in a message's components (rows, or rows inside a V2 card)."""
    found: list[str] = []
    for component in components:
        if component.get("type") == 2 and "label" in component:
            found.append(component["label"])
        found += labels_in(component.get("components", []))
    return found


async def test_refusals_buttons_and_modals_speak_the_members_language(bot_env: BotEnv) -> None:
    h = bot_env.h
    # a refusal from the core's option rules (this server's cap is 4), in French
    rec = await h.interact(h.payloads.slash("imagine", options={"prompt": "many", "count": 12}, locale="fr"))
    answer = await ephemeral_answer(rec)
    assert "Ce serveur autorise au plus 4 images par demande." in answer.data["content"]
    assert "identifiant d'erreur" in answer.data["content"]
    missing = await h.interact(h.payloads.slash("job", options={"job_id": "nope1234"}, locale="de"))
    assert "Hier gibt es keinen Auftrag mit dieser ID." in (await missing.callback()).json["data"]["content"]

    rec, job_id = await first_result(bot_env)
    opened = await h.interact(rec.click(f"ib:edit:{job_id}", locale="pt-BR"))
    modal = await opened.callback()
    assert modal.json["data"]["title"] == "Editar o prompt"
    shown = await h.interact(h.payloads.slash("job", options={"job_id": job_id}, locale="es-ES"))
    data = (await shown.callback()).json["data"]
    assert labels_in(data["components"]) == ["Repetir", "Editar texto", "Borrar"]
