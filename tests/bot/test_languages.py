"""Every member's language through the real discord.py and the fake Discord (issue 13, item 3).

Refusals raised in the Discord-free core carry a catalogue key; the tree answers them in the
member's language. Buttons and modal titles are labelled in the language of whoever sees them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from bot.jobs import new_job_id
from bot.storage._admission import AdmissionLimits
from tests.bot.cards import card_text, walk
from tests.bot.checks import ephemeral_answer, final_result
from tests.bot.conftest import BotEnv
from tests.bot.test_edit_image import message_action
from tests.bot.test_results import first_result
from tests.fakes.ai_gateway import make_png
from tests.fakes.discord_api import RecordedRequest
from tests.fakes.fake_discord import FakeDiscord


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


def selects_in(request: RecordedRequest) -> list[dict[str, Any]]:
    """The select menus of a card."""
    return [node for node in walk(request.data.get("components") or []) if node.get("type") == 3]


async def imagine_result(env: BotEnv, locale: str, **options: Any) -> RecordedRequest:
    """One /imagine by a member whose Discord speaks `locale`; its result card."""
    h = env.h
    rec = await h.interact(
        h.payloads.slash("imagine", options={"prompt": "a kite", **options}, locale=locale)
    )
    result = await final_result(rec)
    async with asyncio.timeout(5):
        await env.bot.wait_idle()
    return result


async def test_result_cards_and_menus_speak_the_servers_language_private_ones_the_members(
    discord_fake: FakeDiscord, start_bot: Callable[..., Awaitable[BotEnv]]
) -> None:
    discord_fake.world.guild.locale = "de"
    env = await start_bot()
    # A public result is read by the whole channel: German, whatever the French member reads.
    public = await imagine_result(env, "fr", count=2)
    shown = card_text(public)
    assert "**Modell** bfl/flux-2-pro" in shown
    assert "2 Bilder · Auftrag `" in shown
    assert "angefordert von <@" in shown
    assert "**Anzahl** 2 · **Seitenverhältnis** Modellstandard · **Privat** nein" in shown
    menus = selects_in(public)
    assert [m["placeholder"] for m in menus] == ["Aktion für Bild 1…", "Aktion für Bild 2…"]
    assert [o["label"] for o in menus[0]["options"]][:3] == [
        "Variieren (leicht)",
        "Variieren (stark)",
        "Hochskalieren",
    ]
    assert [o["value"] for o in menus[0]["options"]][:3] == ["vary_subtle", "vary_strong", "upscale"]

    # A private one speaks the member's language.
    private = await imagine_result(env, "es-ES", private=True)
    shown = card_text(private)
    assert "**Modelo** bfl/flux-2-pro" in shown
    assert "1 imagen · trabajo `" in shown
    assert "**Privado** sí" in shown
    assert selects_in(private)[0]["placeholder"] == "Acciones para la imagen 1…"

    # Each job keeps the language it was read in (a restart notice uses it).
    jobs = await env.bot.store.recent_jobs(discord_fake.world.guild.id, discord_fake.world.alice.id)
    assert sorted(str(job.options.get("locale")) for job in jobs) == ["de", "es-ES"]


async def test_job_card_and_its_menus_are_in_the_readers_language(bot_env: BotEnv) -> None:
    h = bot_env.h
    _, job_id = await first_result(bot_env)
    shown = await h.interact(h.payloads.slash("job", options={"job_id": job_id}, locale="pt-BR"))
    data = (await shown.callback()).json["data"]
    text = "\n".join(n["content"] for n in walk(data["components"]) if n.get("type") == 10)
    assert f"### Trabalho `{job_id}`" in text
    assert "**Status** ✅ concluído" in text
    assert "**Proporção** padrão do modelo" in text
    assert "Abrir resultado" in [n.get("label") for n in walk(data["components"]) if n.get("type") == 2]
    menus = [n for n in walk(data["components"]) if n.get("type") == 3]
    assert menus[0]["placeholder"] == "Ações para a imagem 1…"
    assert menus[0]["options"][2]["label"] == "Ampliar"


async def test_edit_image_form_speaks_the_members_language(bot_env: BotEnv) -> None:
    h = bot_env.h
    world = h.fake.world
    attachment = h.api.add_cdn_file("cat.png", make_png(1000, seed=1), content_type="image/png")
    seeded = h.api.add_message(world.general.id, world.alice.to_payload(), attachments=[attachment])
    payload = message_action(bot_env, seeded.id)
    payload["locale"] = "fr"
    opened = await h.interact(payload)
    await opened.callback()
    modal = opened.state.modal
    assert modal is not None
    assert modal["title"] == "Modifier cette image"
    labels = [c["label"] for c in modal["components"] if c["type"] == 18]
    assert labels == [
        "Que faut-il changer ?",
        "Autres images de référence (facultatif)",
        "Masque (facultatif)",
    ]
    hints = [c.get("description") for c in modal["components"] if c["type"] == 18]
    assert hints[2] == "Une image de même forme : blanc là où elle doit changer, noir ailleurs."


async def test_a_restart_notice_is_in_the_language_the_job_was_read_in(bot_env: BotEnv) -> None:
    """A public job past its token is announced in its channel, in the language stored with it."""
    h = bot_env.h
    world = h.fake.world
    result = await bot_env.bot.store.admit_job(
        job_id=new_job_id(),
        user_id=world.alice.id,
        guild_id=world.guild.id,
        channel_id=world.general.id,
        kind="imagine",
        model="bfl/flux-2-pro",
        prompt="from a process that vanished",
        options={"count": 1, "private": False, "locale": "de"},
        images=1,
        estimate=Decimal("0.04"),
        owner="vanished-process",
        limits=AdmissionLimits(max_pending=3),
        reply_token="expired-token",
        interaction_token_expires_at=datetime.now(UTC) - timedelta(minutes=1),
    )
    assert result.job is not None
    mark = len(h.api.requests)
    await bot_env.restart()
    sent = await h.api.wait_for(lambda r: r.route == "channel_send" and r.ok, timeout=10, since=mark)
    assert "Dieser Auftrag wurde vor dem Start durch einen Neustart unterbrochen" in sent.json["content"]
    assert f"(Auftrag `{result.job.id}`)" in sent.json["content"]


async def config(h: Any, *path: str, locale: str, **options: Any) -> Any:
    """Run `/config <path>` as the moderator, whose Discord speaks `locale`; its final answer."""
    payload = h.payloads.slash("config", *path, options=options, user=h.fake.world.moderator, locale=locale)
    record = await h.interact(payload)
    return await record.wait_message(lambda m: not m.loading)


async def test_config_answers_in_the_moderators_language_and_the_mod_log_in_the_servers(
    discord_fake: FakeDiscord, start_bot: Callable[..., Awaitable[BotEnv]]
) -> None:
    discord_fake.world.guild.locale = "fr"  # the server's language: the shared log channel's
    env = await start_bot()
    h = env.h
    world = h.fake.world
    log = next(c for c in world.guild.channels if c.name == "bot-log")

    def posts() -> list[Any]:
        return [m for m in h.api.messages.values() if m.channel_id == log.id]

    answer = await config(h, "log-channel", locale="de", channel=log)
    assert answer.content.startswith("✅ Aktualisiert:\n**Log-Kanal**: keine → <#")
    answer = await config(h, "cooldown", locale="de", seconds=30)
    assert answer.content == "✅ Aktualisiert:\n**Wartezeit**: aus → 30 s"
    answer = await config(h, "cooldown", locale="es-ES", seconds=30)
    assert answer.content == "No cambió nada.\n**Tiempo de espera**: 30 s."
    answer = await config(h, "lock", locale="pt-BR", option="aspect_ratio", locked=True)
    assert "⚠️ Este servidor não define proporção, então os membros recebem o padrão global." in answer.content
    refused = await config(h, "allowed", "remove", locale="de", model="a/b")
    assert "`a/b` steht nicht auf der Liste erlaubter Modelle." in refused.content

    shown = await config(h, "show", locale="de")
    fields = {field["name"]: field["value"] for field in shown.embeds[0]["fields"]}
    assert shown.embeds[0]["title"] == "Bildeinstellungen"
    assert fields["Wartezeit"] == "30 s"
    assert fields["Tageskontingent"] == "unbegrenzt"
    assert fields["Gesperrte Optionen"] == "`aspect_ratio`"

    # The log channel reads the server's language (French), whoever changed what.
    reports = await h.api.wait_until(lambda: posts()[2:], what="three log posts")
    assert reports[0].embeds[0]["title"] == "Réglages modifiés"
    fields = {field["name"]: field["value"] for report in posts() for field in report.embeds[0]["fields"]}
    assert {"Par", "Salon de journal", "Délai d'attente", "Options verrouillées"} <= set(fields)
    # old → new read as /config shows them, in French too (not as stored: `None → 30`)
    assert fields["Salon de journal"] == f"aucun → <#{log.id}>"
    assert fields["Délai d'attente"] == "désactivé → 30 s"
    assert fields["Options verrouillées"] == "rien → `aspect_ratio`"


async def test_a_rejected_settings_value_is_explained_in_the_moderators_language(bot_env: BotEnv) -> None:
    h = bot_env.h
    # Discord's client keeps the count within 1-10; a forged interaction past it meets the
    # settings rules, which name the field in the moderator's language.
    refused = await config(h, "count", "max", locale="de", count=11)
    assert refused.ephemeral
    assert "Höchstzahl an Bildern: Der Wert darf höchstens 10 sein." in refused.content
    assert "Fehler-ID" in refused.content
    assert "input should" not in refused.content
    english = await config(h, "count", "max", locale="en-US", count=11)
    assert "Maximum image count: input should be less than or equal to 10." in english.content
    ratio = await config(h, "aspect-ratio", locale="es-ES", ratio="7:1")
    assert "La relación de aspecto debe ser una de estas: 1:1, 2:3, 3:2," in ratio.content
    settings = await bot_env.bot.store.get_guild_settings(h.fake.world.guild.id)
    assert (settings.max_count, settings.aspect_ratio) == (4, None)  # nothing was written


async def test_reset_confirmation_speaks_the_moderators_language(bot_env: BotEnv) -> None:
    h = bot_env.h
    question = await config(h, "reset", locale="fr")
    assert question.content == "Ceci rétablit tous les réglages par défaut de ce serveur. Êtes-vous sûr ?"
    assert labels_in(question.components) == ["Tout réinitialiser", "Annuler"]


async def test_flag_reports_follow_the_servers_language(
    discord_fake: FakeDiscord, start_bot: Callable[..., Awaitable[BotEnv]]
) -> None:
    discord_fake.world.guild.locale = "es-ES"
    env = await start_bot()
    h = env.h
    world = h.fake.world
    log = next(c for c in world.guild.channels if c.name == "bot-log")
    await env.bot.store.update_guild_settings(
        world.guild.id, world.moderator.id, log_channel_id=log.id, flagged_terms=["castle"]
    )
    await imagine_result(env, "de", prompt="A CASTLE at dawn")  # the member reads German; the log does not
    report = await h.api.wait_until(
        lambda: next((m for m in h.api.messages.values() if m.channel_id == log.id), None), what="flag report"
    )
    embed = report.embeds[0]
    assert embed["title"] == "Prompt marcado"
    assert [f["name"] for f in embed["fields"]] == [
        "Usuario", "Canal", "Modelo", "Prompt", "Trabajo", "Resultado", "Coincidencias",
    ]  # fmt: skip
    assert "[ir al mensaje](https://discord.com/channels/" in embed["fields"][5]["value"]
