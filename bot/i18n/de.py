"""Deutsch (de)."""
# ruff: noqa: E501  (sentences are kept one per line where they fit; translations are prose)

from __future__ import annotations

COMMANDS: dict[str, str] = {
    "imagine": "bild-erzeugen",
    "imagine.description": "Erzeugt Bilder aus einer Textbeschreibung.",
    "imagine.prompt": "beschreibung",
    "imagine.prompt.description": "Was gezeichnet werden soll.",
    "imagine.model": "modell",
    "imagine.model.description": "Bildmodell (Standard: das dieses Servers).",
    "imagine.count": "anzahl",
    "imagine.count.description": "Wie viele Bilder (Standard: die Vorgabe dieses Servers).",
    "imagine.aspect_ratio": "seitenverhältnis",
    "imagine.aspect_ratio.description": "Form der Bilder.",
    "imagine.private": "privat",
    "imagine.private.description": "Nur du siehst das Ergebnis.",
    "chatimage": "chatbild",
    "chatimage.description": "Chatte mit einem multimodalen Modell, das mit Text und Bildern antwortet.",
    "chatimage.prompt": "beschreibung",
    "chatimage.prompt.description": "Was entstehen soll oder wie das Bild geändert werden soll.",
    "chatimage.model": "modell",
    "chatimage.model.description": "Chat-Bildmodell (Standard: das dieses Servers).",
    "chatimage.image": "bild",
    "chatimage.image.description": "Ein Bild zum Bearbeiten oder als Vorlage.",
    "chatimage.private": "privat",
    "chatimage.private.description": "Nur du siehst das Ergebnis.",
    "chatimage.links": "links",
    "chatimage.links.description": "Links zu Nachrichten dieses Servers, deren Bilder genutzt werden, durch Leerzeichen getrennt.",
    "blend.links": "links",
    "blend.links.description": "Links zu Nachrichten dieses Servers, deren Bilder genutzt werden, durch Leerzeichen getrennt.",
    "Edit image": "Bild bearbeiten",
    "job": "auftrag",
    "job.description": "Zeigt eine frühere Generierung anhand ihrer Auftrags-ID, mit ihren Buttons.",
    "job.job_id": "auftrags_id",
    "job.job_id.description": "Die ID, die unter einem Ergebnis steht.",
    "usage": "nutzung",
    "usage.description": "Zeigt dein Bildkontingent auf diesem Server und deine letzten Aufträge.",
    "forgetme": "vergiss-mich",
    "forgetme.description": "Löscht deine Prompts und IDs aus den Aufzeichnungen des Bots (mit Rückfrage).",
    "help": "hilfe",
    "help.description": "Was dieser Bot kann und deine Limits hier heute.",
    "about": "info",
    "about.description": "Version, was der Bot über dich speichert und wie lange.",
}

MESSAGES: dict[str, str] = {
    "help.title": "**Was ich mache**",
    "help.intro": (
        "Ich erstelle Bilder mit KI. `/imagine` zeichnet nach einer Textbeschreibung. `/chatimage` "
        "fragt ein Modell, das mit Text und Bildern antwortet und ein angehängtes Bild verändern kann. "
        "*Bild bearbeiten* (im **Apps**-Menü einer Nachricht) bearbeitet ein im Kanal gepostetes Bild. "
        "Unter jedem Ergebnis: 🎲 neu würfeln, 🖋️ Prompt bearbeiten, 🗑️ löschen. `/job` zeigt ein "
        "früheres Ergebnis, `/usage` deine letzten Aufträge, `/about` was gespeichert wird und wie lange."
    ),
    "help.limits_server": "**Deine Limits auf diesem Server heute**",
    "help.limits_outside": "**Deine Limits hier heute** (außerhalb von Servern gelten die Regeln des Bot-Betreibers)",
    "help.quota": "Bilder: {used} von {quota} verbraucht, {left} übrig. Zurückgesetzt {reset}.",
    "help.quota_none": "Bilder: hier gibt es kein Tageslimit.",
    "help.operator_quota": "Über alle Server: {used} von {cap} Bildern heute verbraucht.",
    "help.cooldown": "Wartezeit: {seconds} s zwischen zwei Generierungen. Du kannst jetzt generieren.",
    "help.cooldown_wait": "Wartezeit: {seconds} s zwischen zwei Generierungen. Du kannst in {remaining} s wieder generieren.",
    "help.cooldown_none": "Wartezeit: keine.",
    "help.budget_open": "Monatsbudget: {spent} von {budget} verbraucht. Offen.",
    "help.budget_spent": "Monatsbudget: aufgebraucht ({spent} von {budget}). Es geht weiter {reset}.",
    "help.budget_none": "Monatsbudget: keines festgelegt.",
    "help.closed": (
        "Bildbefehle sind hier nicht verfügbar: Der Betreiber des Bots hat sie außerhalb von Servern "
        "nicht freigegeben."
    ),
    "about.title": "**imagebot {version}**: Open-Source-KI-Bilderzeugung für Discord.",
    "about.stored": (
        "**Was gespeichert wird:** zu jeder Generierung deine Discord-Benutzer-ID, Server und Kanal, der "
        "Prompt, Optionen und Modell, der Status, die Anzahl der Bilder, die Kosten, die Zeiten und die "
        "IDs der Ergebnisnachrichten. Die Bilder selbst liegen nur in den Discord-Nachrichten. "
        "Einstellungsänderungen von Moderatoren werden mit ihrer Benutzer-ID protokolliert."
    ),
    "about.sent": (
        "**Wer deinen Prompt noch sieht:** der vom Bot-Betreiber gewählte KI-Dienst; er erhält ihn mit "
        "einer gehashten ID statt deiner Discord-ID."
    ),
    "about.retention": "**Wie lange:** {days} Tage, danach wird es gelöscht.",
    "about.forgetme": (
        "**Jetzt löschen:** `/forgetme` entfernt deine Prompts und IDs sofort aus allen Aufträgen und "
        "Einstellungsänderungen. Die heutigen Aufträge behalten deine ID bis Mitternacht UTC, damit die "
        "heutigen Limits weiter zählen; danach wird auch sie entfernt. Bereits gepostete Bilder bleiben "
        "in Discord: lösche sie mit 🗑️."
    ),
    "about.privacy_policy": "Datenschutzerklärung: {url}",
    "about.terms": "Nutzungsbedingungen: {url}",
    "about.no_links": "Der Betreiber des Bots hat keine Datenschutzerklärung und keine Nutzungsbedingungen veröffentlicht.",
    "forget.confirm": (
        "Das entfernt deine Prompts und IDs aus allen deinen Aufträgen und Einstellungsänderungen auf "
        "allen Servern. Das kann nicht rückgängig gemacht werden."
    ),
    "forget.button": "Meine Daten löschen",
    "forget.done": "Erledigt: {rows} Eintrag/Einträge anonymisiert. Deine Prompts und IDs sind aus meiner Datenbank entfernt.",
    "forget.held": (
        "Deine {held} Auftrag/Aufträge von heute behalten nur deine ID bis Mitternacht UTC, damit die "
        "heutigen Limits weiter zählen; danach wird auch sie entfernt."
    ),
    "error.generic": "Bei uns ist etwas schiefgelaufen. Bitte versuche es erneut.",
    "error.cancelled": "Abgebrochen, bevor es fertig war.",
    "error.interrupted": "Unterbrochen: Der Bot wurde neu gestartet, während dieser Auftrag lief.",
    "error.not_allowed": "Du darfst diesen Befehl hier nicht verwenden.",
    "error.missing_permission": (
        "Mir fehlt eine Berechtigung in diesem Kanal (Nachrichten senden, Links einbetten oder Dateien "
        "anhängen). Bitte einen Server-Admin, meine Rolle zu prüfen."
    ),
    "error.paused": "Der Betreiber des Bots hat die Bilderzeugung gerade pausiert. Nichts wurde gesendet oder berechnet.",
    "error.blocked": "Der Betreiber des Bots hat die Bilderzeugung für dich hier nicht freigegeben.",
    "error.outside": (
        "Ich erstelle Bilder nur auf Servern. Nutze mich auf einem Server, der mich hinzugefügt hat (der "
        "Betreiber dieses Bots hat Direktnachrichten und persönliche Installationen nicht freigegeben)."
    ),
    "error.operator_term": "Dieser Prompt enthält einen Begriff, den dieser Bot nicht erlaubt.",
    "error.cooldown": "Langsam: Du kannst in {seconds} s wieder generieren.",
    "error.unavailable": "Der Bot ist vorübergehend nicht verfügbar, bitte versuche es gleich noch einmal.",
    "error.id": "Fehler-ID `{error_id}`",
    "gateway.GatewayError": "Der Bilddienst ist unerwartet fehlgeschlagen. Bitte versuche es später erneut.",
    "gateway.BadRequestError": "Der Bilddienst hat diese Anfrage abgelehnt. Versuche einen anderen Prompt oder andere Optionen.",
    "gateway.ContentPolicyError": (
        "Der Bildanbieter hat diesen Prompt wegen seiner Inhaltsrichtlinie abgelehnt. Formuliere ihn um "
        "und versuche es erneut."
    ),
    "gateway.AuthenticationError": "Der KI-Schlüssel des Bots wird nicht akzeptiert – ein Server-Admin muss das beheben.",
    "gateway.InsufficientCreditsError": (
        "Das KI-Konto des Bots hat kein Guthaben mehr. Ein Server-Admin muss es aufladen."
    ),
    "gateway.PermissionDeniedError": (
        "Der KI-Schlüssel des Bots wird für dieses Modell nicht akzeptiert – ein Server-Admin muss das beheben."
    ),
    "gateway.NotFoundError": "Dieses Modell ist beim Bilddienst nicht verfügbar. Wähle ein anderes.",
    "gateway.RateLimitError": "Der Bilddienst ist ausgelastet. Versuche es in einer Minute erneut.",
    "gateway.RateLimitError.wait": "Der Bilddienst ist ausgelastet. Versuche es in {seconds} s erneut.",
    "gateway.ServerError": (
        "Der Bilddienst hat gerade Probleme. Bitte versuche es in ein paar Minuten erneut."
    ),
    "gateway.GatewayTimeoutError": "Der Bilddienst hat zu lange gebraucht. Bitte versuche es erneut.",
    "gateway.GatewayConnectionError": "Der Bilddienst ist nicht erreichbar. Bitte versuche es gleich noch einmal.",
    "gateway.BadResponseError": "Der Bilddienst hat eine unlesbare Antwort geschickt. Bitte versuche es erneut.",
    "gateway.StreamIncompleteError": "Der Bilddienst hat mitten in der Antwort aufgehört. Bitte versuche es erneut.",
    "gateway.InvalidImageError": "Der Bilddienst hat Bilddaten geliefert, die nicht gelesen werden konnten.",
    "gateway.UnsafeURLError": (
        "Der Bilddienst hat auf eine Bildadresse verwiesen, die der Bot aus Sicherheitsgründen nicht abruft."
    ),
    "gateway.ImageTooLargeError": "Das Bild ist zu groß.",
    "gateway.JobTooLargeError": (
        "Der Bilddienst hat mehr Bilddaten geschickt, als der Bot pro Anfrage annimmt. Fordere weniger "
        "Bilder oder eine kleinere Größe an."
    ),
    # /usage and the end of /forgetme
    "usage.today": "**Heute:** {used}/{quota} Bilder genutzt, wird {reset} zurückgesetzt.",
    "usage.no_quota": "**Kontingent:** dieser Server setzt kein Tageslimit.",
    "usage.spend": "**Ausgaben des Servers diesen Monat:** {spent} von {budget}.",
    "usage.spend_no_budget": "**Ausgaben des Servers diesen Monat:** {spent} (kein Monatsbudget).",
    "usage.in_flight": "{reserved} davon ist für laufende Aufträge reserviert.",
    "usage.cooldown": "**Wartezeit:** {seconds} s zwischen Generierungen.",
    "usage.recent": "**Letzte Aufträge** (mit `/job <id>`):",
    "forget.results": "{results} Ergebnis(se), die ich nicht posten konnte, sind auch aus dem Speicher gelöscht.",
    # results that could not all be posted (bot/discord/flows/posting.py, /job)
    "images.one": "Bild {n}",
    "images.range": "Bilder {first}-{last}",
    "images.list": "Bilder {items} und {last}",
    "result.not_taken": "Deine Bilder sind fertig, aber Discord hat sie nicht angenommen.",
    "result.not_posted": "{images} von {total} konnten nicht gepostet werden.",
    "result.folded": "{images} von {total} passten nicht mehr: Discord erlaubt einer selbst installierten App nur 5 Folgenachrichten pro Befehl.",
    "result.use_job": "Hol sie dir innerhalb eines Tages mit `/job {job_id}` (bei einem Neustart des Bots gehen sie verloren).",
    "result.too_large": "Sie waren zu groß, um sie aufzubewahren; tut mir leid.",
    "result.cannot_post_here": "Deine Bilder sind fertig, aber ich kann hier nicht posten. Sieh sie dir mit `/job` an.",
    "job.spooled": "{images} aus Auftrag `{job_id}`, die vorhin nicht gepostet werden konnten.",
    "job.not_found": "Hier gibt es keinen Auftrag mit dieser ID.",
    "job.not_yours": "Nur wer diesen Auftrag gestartet hat (oder ein Moderator) kann ihn sehen.",
    "chat.text_only": "Das Modell hat diesmal nur mit Text geantwortet. Bitte ausdrücklich um ein Bild und versuch es erneut.",
    # refusals raised by the core (bot/bookkeeping.py, bot/policy, bot/generation.py) and the flows
    "refusal.pending": "Du hast schon {count} wartende Generierungen. Lass sie erst fertig werden.",
    "refusal.quota_partial_server": "Du hast {count} Bilder angefragt, hast heute auf diesem Server aber nur noch {left} von {limit}. Frag nach weniger oder warte: das Kontingent wird {reset} zurückgesetzt.",
    "refusal.quota_partial_outside": "Du hast {count} Bilder angefragt, hast heute außerhalb von Servern aber nur noch {left} von {limit}. Frag nach weniger oder warte: das Kontingent wird {reset} zurückgesetzt.",
    "refusal.quota_server": "Du hast deine {limit} Bilder für heute auf diesem Server verbraucht. Das Kontingent wird {reset} zurückgesetzt.",
    "refusal.quota_outside": "Du hast deine {limit} Bilder für heute außerhalb von Servern verbraucht. Das Kontingent wird {reset} zurückgesetzt.",
    "refusal.budget_server": "Dieser Server hat sein Bildbudget für den Monat aufgebraucht ({used} von {limit}). Es wird {reset} zurückgesetzt.",
    "refusal.budget_outside": "Die Bilderstellung außerhalb von Servern hat ihr Budget für den Monat aufgebraucht ({used} von {limit}). Es wird {reset} zurückgesetzt.",
    "refusal.operator_images": "Du hast das Tageslimit des Bots von {limit} Bildern über alle Server erreicht. Es wird {reset} zurückgesetzt.",
    "refusal.operator_spend": "Der Bot hat das Ausgabenlimit seines Betreibers für den Monat erreicht. Es wird {reset} zurückgesetzt.",
    "error.job_interrupted": "Dieser Auftrag wurde unterbrochen und wird nicht ausgeführt. Versuch es erneut.",
    "error.server_term": "Dieser Prompt enthält einen Begriff, den dieser Server sperrt.",
    "options.count_min": "Frag nach mindestens 1 Bild.",
    "options.count_cap": "Dieser Server erlaubt höchstens {cap} Bilder pro Anfrage.",
    "options.count_cap_one": "Dieser Server erlaubt höchstens 1 Bild pro Anfrage.",
    "options.unknown_ratio": "Unbekanntes Seitenverhältnis {ratio}. Wähle eines von: {choices}.",
    "options.model_not_allowed": "`{model}` ist hier nicht erlaubt. Dieser Server erlaubt: {allowed}.",
    "operator.model_not_allowed": "`{model}` ist bei diesem Bot nicht erlaubt. Erlaubt sind: {allowed}.",
    # the Discord layer: inputs, buttons, modals, progress (bot/discord/flows, bot/discord/views)
    "input.gone": "Das Ausgangsbild dieses Auftrags ist auf Discord nicht mehr verfügbar, daher kann er nicht neu gewürfelt werden. Führe den Befehl mit dem Bild erneut aus.",
    "input.changed": "Das Ausgangsbild dieses Auftrags hat sich seitdem geändert, daher kann er nicht neu gewürfelt werden. Führe den Befehl mit dem Bild erneut aus.",
    "input.not_image": "Die Option `image` braucht ein PNG-, JPEG-, WebP- oder GIF-Bild.",
    "input.too_large": "Das Bild hat {size} MB; die Grenze liegt bei {limit} MB.",
    "input.larger_than": "Das Bild ist größer als {limit} MB.",
    "input.download_failed": "Ich konnte das Bild nicht herunterladen. Lade es erneut hoch und versuch es noch einmal.",
    "input.no_image_to_edit": "Diese Nachricht hat kein Bild zum Bearbeiten.",
    "input.no_image_to_describe": "Diese Nachricht hat kein Bild zum Beschreiben.",
    "links.malformed": "`{link}` ist kein Nachrichtenlink. Nutze *Nachrichtenlink kopieren* an einer Nachricht: Er sieht aus wie https://discord.com/channels/…/…/…",
    "links.outside_server": "Nachrichtenlinks funktionieren nur auf einem Server, auf dem der Bot Mitglied ist.",
    "links.direct_message": "Link {number} führt zu einer Direktnachricht. Nur Nachrichten dieses Servers können verwendet werden.",
    "links.other_server": "Link {number} führt zu einer Nachricht auf einem anderen Server. Nur Nachrichten dieses Servers können verwendet werden.",
    "links.too_many": "Das sind {count} Eingabebilder; höchstens {limit} können auf einmal gesendet werden.",
    "links.unknown_channel": "Ich finde den Kanal von Link {number} nicht.",
    "links.member_cannot_read": "Du kannst den Kanal von Link {number} nicht lesen, daher kann seine Nachricht nicht verwendet werden.",
    "links.bot_cannot_read": "Ich brauche die Berechtigungen „Kanal ansehen“ und „Nachrichtenverlauf anzeigen“ in <#{channel}>, um Link {number} zu lesen. Bitte eine Server-Admin darum.",
    "links.age_restricted": "Link {number} ist in einem altersbeschränkten Kanal: Seine Bilder können nur in altersbeschränkten Kanälen verwendet werden.",
    "links.unknown_message": "Ich finde die Nachricht von Link {number} nicht: Sie wurde vielleicht gelöscht.",
    "links.no_image": "Die Nachricht von Link {number} hat kein Bild (PNG, JPEG, WebP oder GIF).",
    "links.no_content_access": "Ich kann die Bilder von Link {number} nicht sehen: Discord verbirgt die Anhänge anderer Mitglieder vor diesem Bot (sein Message-Content-Intent ist aus). Links zu meinen eigenen Ergebnissen funktionieren; oder lade das Bild hoch.",
    "blend.too_few": "Zum Mischen braucht es mindestens {minimum} Bilder: Lade sie hoch oder verlinke Nachrichten, die welche haben.",
    "button.reroll": "Neu würfeln",
    "button.edit": "Prompt ändern",
    "button.delete": "Löschen",
    "button.cancel": "Abbrechen",
    "button.imagine": "Vorschlag {n} zeichnen",
    "modal.edit_prompt": "Prompt ändern",
    "modal.prompt": "Prompt",
    "modal.edit_image": "Dieses Bild bearbeiten",
    "modal.how_change": "Was soll sich ändern?",
    "job.cancel_started": "Dieser Auftrag läuft schon und kann nicht mehr abgebrochen werden.",
    "job.cancel_not_yours": "Nur wer ihn angefragt hat (oder ein Moderator) kann diesen Auftrag abbrechen.",
    "job.cancelled": "Abgebrochen – es wurde nichts generiert.",
    "job.result_gone": "Dieses Ergebnis habe ich nicht mehr.",
    "job.buttons_not_yours": "Nur wer dieses Bild erstellt hat, kann seine Schaltflächen nutzen.",
    "job.was_describe": "Das war ein `/describe`: führe es erneut aus oder nutze eine seiner Vorschlagsschaltflächen.",
    "job.empty_prompt": "Der Prompt darf nicht leer sein.",
    "job.restarting": "Der Bot startet neu. Versuch es in einer Minute erneut.",
    "job.no_image": "Das Modell hat ohne Bild geantwortet. Formuliere den Prompt anders.",
    "job.posted_below": "Dein Ergebnis steht unten.",
    "job.missing_permissions": "Ich brauche in diesem Kanal die Berechtigung {names}, um Bilder zu posten. Bitte einen Server-Admin darum oder nutze `private: True`.",
    "edit.say_how": "Sag, wie sich das Bild ändern soll.",
    "edit.message_gone": "Diese Nachricht gibt es nicht mehr, ihr Bild kann also nicht bearbeitet werden.",
    "edit.cannot_read": "Ich kann diese Nachricht nicht mehr lesen: nutze „Bild bearbeiten“ erneut darauf.",
    "edit.image_gone": "Diese Nachricht hat das Bild nicht mehr.",
    "describe.suggestion_gone": "Diesen Vorschlag habe ich nicht mehr. Führe `/describe` erneut aus.",
    "describe.none": "Das Modell hat für dieses Bild keine Prompts vorgeschlagen. Versuch es erneut.",
    "progress.queued": "In der Warteschlange – Position {position}.",
    "progress.generating": "Wird mit `{model}` generiert …",
    "describe.title": "**Prompt-Vorschläge** von `{model}`:",
    "describe.footer": "Auftrag `{job_id}` · eine Schaltfläche startet `/imagine` mit diesem Prompt.",
    # result cards (for bot/discord/views/render.py and cards.py: the server's language on public posts)
    "card.images": "{count} Bilder",
    "card.image_one": "1 Bild",
    "card.part": "Teil {index}/{total} · Auftrag `{job_id}`",
    "card.job": "Auftrag {job_id}",
    "card.requested_by": "Angefragt von {mention}",
    "card.model": "Modell",
    "card.options": "Optionen",
    "card.cost": "Kosten",
    "card.time": "Dauer",
    "card.notes": "Hinweise",
    "card.error": "Fehler: {reason}",
    "card.reencoded": "{images}: neu kodiert, damit sie in Discords Upload-Grenze passen.",
    # which model (bot/policy/options.py): image models for /imagine, chat image models for /chatimage
    "options.locked_unavailable_image": "Das von diesem Server festgelegte Bildmodell `{model}` ist gerade nicht verfügbar. Bitte einen Moderator, /config zu prüfen.",
    "options.locked_unavailable_chat": "Das von diesem Server festgelegte Chat-Bildmodell `{model}` ist gerade nicht verfügbar. Bitte einen Moderator, /config zu prüfen.",
    "options.model_unknown_image": "`{model}` ist kein verfügbares Bildmodell.",
    "options.model_unknown_chat": "`{model}` ist kein verfügbares Chat-Bildmodell.",
    "options.model_unknown_hint_image": "`{model}` ist kein verfügbares Bildmodell. Meintest du: {hints}?",
    "options.model_unknown_hint_chat": "`{model}` ist kein verfügbares Chat-Bildmodell. Meintest du: {hints}?",
    "options.no_model_image": "Es ist kein Bildmodell eingestellt – bitte einen Moderator, eins mit /config festzulegen.",
    "options.no_model_chat": "Es ist kein Chat-Bildmodell eingestellt – bitte einen Moderator, eins mit /config festzulegen.",
}
