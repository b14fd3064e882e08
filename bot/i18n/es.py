"""Español (es-ES and es-419)."""
# ruff: noqa: E501  (sentences are kept one per line where they fit; translations are prose)

from __future__ import annotations

COMMANDS: dict[str, str] = {
    "imagine": "imaginar",
    "imagine.description": "Genera imágenes a partir de un texto.",
    "imagine.prompt": "descripción",
    "imagine.prompt.description": "Qué dibujar.",
    "imagine.model": "modelo",
    "imagine.model.description": "Modelo de imagen (por defecto: el de este servidor).",
    "imagine.count": "cantidad",
    "imagine.count.description": "Cuántas imágenes (por defecto: las de este servidor).",
    "imagine.aspect_ratio": "proporción",
    "imagine.aspect_ratio.description": "Forma de las imágenes.",
    "imagine.private": "privado",
    "imagine.private.description": "Solo tú ves el resultado.",
    "chatimage": "chatimagen",
    "chatimage.description": "Conversa con un modelo multimodal que responde con texto e imágenes.",
    "chatimage.prompt": "descripción",
    "chatimage.prompt.description": "Qué crear, o cómo cambiar la imagen.",
    "chatimage.model": "modelo",
    "chatimage.model.description": "Modelo de chat con imágenes (por defecto: el de este servidor).",
    "chatimage.image": "imagen",
    "chatimage.image.description": "Una imagen para editar o usar como referencia.",
    "chatimage.private": "privado",
    "chatimage.private.description": "Solo tú ves el resultado.",
    "chatimage.links": "enlaces",
    "chatimage.links.description": "Enlaces a mensajes de este servidor cuyas imágenes usar, separados por espacios.",
    "blend.links": "enlaces",
    "blend.links.description": "Enlaces a mensajes de este servidor cuyas imágenes usar, separados por espacios.",
    "Edit image": "Editar imagen",
    "job": "trabajo",
    "job.description": "Muestra una generación anterior por su id, con sus botones.",
    "job.job_id": "id_trabajo",
    "job.job_id.description": "El id que aparece bajo un resultado.",
    "usage": "uso",
    "usage.description": "Muestra tu cuota de imágenes en este servidor y tus trabajos recientes.",
    "forgetme": "olvídame",
    "forgetme.description": "Borra tus textos e ids de los registros del bot (pide confirmación).",
    "help": "ayuda",
    "help.description": "Qué hace este bot y tus límites de hoy aquí.",
    "about": "info",
    "about.description": "Versión, qué guarda el bot sobre ti y durante cuánto tiempo.",
}

MESSAGES: dict[str, str] = {
    "help.title": "**Qué hago**",
    "help.intro": (
        "Creo imágenes con IA. `/imagine` dibuja a partir de un texto. `/chatimage` consulta un modelo "
        "que responde con texto e imágenes, y puede cambiar una imagen que adjuntes. *Editar imagen* "
        "(en el menú **Apps** de un mensaje) edita una imagen publicada en el canal. Bajo cada "
        "resultado: 🎲 repetir, 🖋️ editar el texto, 🗑️ borrar. `/job` muestra un resultado anterior, "
        "`/usage` tus trabajos recientes, `/about` qué se guarda y durante cuánto tiempo."
    ),
    "help.limits_server": "**Tus límites en este servidor hoy**",
    "help.limits_outside": "**Tus límites aquí hoy** (fuera de los servidores rigen las reglas del operador del bot)",
    "help.quota": "Imágenes: {used} de {quota} usadas, te quedan {left}. Se reinicia {reset}.",
    "help.quota_none": "Imágenes: aquí no hay límite diario.",
    "help.operator_quota": "En todos los servidores: {used} de {cap} imágenes usadas hoy.",
    "help.cooldown": "Espera: {seconds} s entre generaciones. Ya puedes generar.",
    "help.cooldown_wait": "Espera: {seconds} s entre generaciones. Podrás generar de nuevo en {remaining} s.",
    "help.cooldown_none": "Espera: ninguna.",
    "help.budget_open": "Presupuesto mensual: {spent} de {budget} usado. Disponible.",
    "help.budget_spent": "Presupuesto mensual: agotado ({spent} de {budget}). Se podrá generar de nuevo {reset}.",
    "help.budget_none": "Presupuesto mensual: no hay ninguno.",
    "help.closed": (
        "Los comandos de imágenes no están disponibles aquí: el operador del bot no los ha abierto "
        "fuera de los servidores."
    ),
    "about.title": "**imagebot {version}**: generación de imágenes con IA para Discord, de código abierto.",
    "about.stored": (
        "**Qué se guarda:** por cada generación, tu id de usuario de Discord, el servidor y el canal, "
        "el texto, las opciones y el modelo, el estado, el número de imágenes, el coste, los tiempos y "
        "los ids de los mensajes del resultado. Las imágenes solo viven en los mensajes de Discord. "
        "Los cambios de ajustes de los moderadores se registran con su id de usuario."
    ),
    "about.sent": (
        "**Quién más ve tu texto:** el servicio de IA elegido por el operador del bot, que lo recibe "
        "con un id cifrado en lugar de tu id de Discord."
    ),
    "about.retention": "**Durante cuánto tiempo:** {days} días; después se borra.",
    "about.forgetme": (
        "**Borra lo tuyo ahora:** `/forgetme` quita tus textos e ids de todos los trabajos y cambios de "
        "ajustes al momento. Los trabajos de hoy conservan tu id hasta la medianoche UTC, para que los "
        "límites de hoy sigan contando; después también se quita. Las imágenes ya publicadas siguen en "
        "Discord: bórralas con 🗑️."
    ),
    "about.privacy_policy": "Política de privacidad: {url}",
    "about.terms": "Condiciones del servicio: {url}",
    "about.no_links": "El operador del bot no ha publicado una política de privacidad ni condiciones del servicio.",
    "forget.confirm": (
        "Esto quita tus textos e ids de todos tus trabajos y cambios de ajustes en todos los "
        "servidores. No se puede deshacer."
    ),
    "forget.button": "Borrar mis datos",
    "forget.done": "Hecho: {rows} registro(s) anonimizado(s). Tus textos e ids ya no están en mi base de datos.",
    "forget.held": (
        "Tus {held} trabajo(s) de hoy conservan solo tu id hasta la medianoche UTC, para que los límites "
        "de hoy sigan contando; después también se quita."
    ),
    "error.generic": "Algo ha fallado por nuestra parte. Inténtalo de nuevo.",
    "error.cancelled": "Cancelado antes de terminar.",
    "error.interrupted": "Interrumpido: el bot se reinició mientras este trabajo estaba en marcha.",
    "error.not_allowed": "No puedes usar este comando aquí.",
    "error.missing_permission": (
        "Me falta un permiso en este canal (Enviar mensajes, Insertar enlaces o Adjuntar archivos). "
        "Pide a un administrador del servidor que revise mi rol."
    ),
    "error.paused": "El operador del bot ha pausado la generación de imágenes. No se ha enviado ni cobrado nada.",
    "error.blocked": "El operador del bot no ha habilitado la generación de imágenes para ti aquí.",
    "error.outside": (
        "Solo creo imágenes en servidores. Úsame en un servidor que me haya añadido (el operador de "
        "este bot no ha abierto los mensajes directos ni las instalaciones personales)."
    ),
    "error.operator_term": "Este texto contiene un término que este bot no permite.",
    "error.cooldown": "Más despacio: podrás generar de nuevo en {seconds} s.",
    "error.unavailable": "El bot no está disponible temporalmente; inténtalo de nuevo en breve.",
    "error.id": "id del error `{error_id}`",
    "gateway.GatewayError": "El servicio de imágenes ha fallado de forma inesperada. Inténtalo más tarde.",
    "gateway.BadRequestError": "El servicio de imágenes ha rechazado esta petición. Prueba otro texto u otras opciones.",
    "gateway.ContentPolicyError": (
        "El proveedor de imágenes ha rechazado este texto según su política de contenido. Reformúlalo e "
        "inténtalo de nuevo."
    ),
    "gateway.AuthenticationError": "La clave de IA del bot no es válida: un administrador debe arreglarlo.",
    "gateway.InsufficientCreditsError": (
        "La cuenta de IA del bot se ha quedado sin crédito. Un administrador tiene que recargarla."
    ),
    "gateway.PermissionDeniedError": (
        "La clave de IA del bot no es válida para este modelo: un administrador debe arreglarlo."
    ),
    "gateway.NotFoundError": "Ese modelo no está disponible en el servicio de imágenes. Elige otro.",
    "gateway.RateLimitError": "El servicio de imágenes está ocupado. Inténtalo dentro de un minuto.",
    "gateway.RateLimitError.wait": "El servicio de imágenes está ocupado. Inténtalo dentro de {seconds} s.",
    "gateway.ServerError": (
        "El servicio de imágenes tiene problemas ahora mismo. Inténtalo dentro de unos minutos."
    ),
    "gateway.GatewayTimeoutError": "El servicio de imágenes ha tardado demasiado en responder. Inténtalo de nuevo.",
    "gateway.GatewayConnectionError": "No se pudo contactar con el servicio de imágenes. Inténtalo en breve.",
    "gateway.BadResponseError": "El servicio de imágenes envió una respuesta ilegible. Inténtalo de nuevo.",
    "gateway.StreamIncompleteError": "El servicio de imágenes dejó de responder a medias. Inténtalo de nuevo.",
    "gateway.InvalidImageError": "El servicio de imágenes devolvió datos de imagen que no se pudieron leer.",
    "gateway.UnsafeURLError": (
        "El servicio de imágenes indicó una dirección de imagen que el bot no descarga, por seguridad."
    ),
    "gateway.ImageTooLargeError": "La imagen es demasiado grande.",
    "gateway.JobTooLargeError": (
        "El servicio de imágenes envió más datos de imagen de los que el bot acepta por petición. Pide "
        "menos imágenes o un tamaño menor."
    ),
    # /usage and the end of /forgetme
    "usage.today": "**Hoy:** {used}/{quota} imágenes usadas, se reinicia {reset}.",
    "usage.no_quota": "**Cuota:** este servidor no fija un límite diario.",
    "usage.spend": "**Gasto del servidor este mes:** {spent} de {budget}.",
    "usage.spend_no_budget": "**Gasto del servidor este mes:** {spent} (sin presupuesto mensual).",
    "usage.in_flight": "{reserved} está reservado para trabajos en curso.",
    "usage.cooldown": "**Espera:** {seconds} s entre generaciones.",
    "usage.recent": "**Trabajos recientes** (usa `/job <id>`):",
    "forget.results": "También se borraron de la memoria {results} resultado(s) que no pude publicar.",
    # results that could not all be posted (bot/discord/flows/posting.py, /job)
    "images.one": "La imagen {n}",
    "images.range": "Las imágenes {first}-{last}",
    "images.list": "Las imágenes {items} y {last}",
    "result.not_taken": "Tus imágenes están listas, pero Discord no las aceptó.",
    "result.not_posted": "{images} de {total} no se pudieron publicar.",
    "result.folded": "{images} de {total} no cupieron: Discord solo permite 5 mensajes de seguimiento por comando a una app instalada por el usuario.",
    "result.use_job": "Usa `/job {job_id}` antes de un día para obtenerlas (se pierden si el bot se reinicia).",
    "result.too_large": "Eran demasiado grandes para guardarlas; lo siento.",
    "result.cannot_post_here": "Tus imágenes están listas, pero no puedo publicar aquí. Usa `/job` para verlas.",
    "job.spooled": "{images} del trabajo `{job_id}`, que no se pudieron publicar antes.",
    "job.not_found": "No hay ningún trabajo con ese id aquí.",
    "job.not_yours": "Solo quien creó este trabajo (o un moderador) puede verlo.",
    "chat.text_only": "Esta vez el modelo respondió solo con texto. Pídele una imagen de forma explícita y vuelve a intentarlo.",
    # refusals raised by the core (bot/bookkeeping.py, bot/policy, bot/generation.py) and the flows
    "refusal.pending": "Ya tienes {count} generaciones en espera. Deja que terminen primero.",
    "refusal.quota_partial_server": "Pediste {count} imágenes, pero hoy te quedan {left} de {limit} en este servidor. Pide menos o espera: la cuota se reinicia {reset}.",
    "refusal.quota_partial_outside": "Pediste {count} imágenes, pero hoy te quedan {left} de {limit} fuera de servidores. Pide menos o espera: la cuota se reinicia {reset}.",
    "refusal.quota_server": "Ya usaste tus {limit} imágenes de hoy en este servidor. La cuota se reinicia {reset}.",
    "refusal.quota_outside": "Ya usaste tus {limit} imágenes de hoy fuera de servidores. La cuota se reinicia {reset}.",
    "refusal.budget_server": "Este servidor ya gastó su presupuesto de imágenes del mes ({used} de {limit}). Se reinicia {reset}.",
    "refusal.budget_outside": "La creación de imágenes fuera de servidores ya gastó su presupuesto del mes ({used} de {limit}). Se reinicia {reset}.",
    "refusal.operator_images": "Alcanzaste el límite diario del bot de {limit} imágenes en todos los servidores. Se reinicia {reset}.",
    "refusal.operator_spend": "El bot alcanzó el límite de gasto mensual fijado por su operador. Se reinicia {reset}.",
    "error.job_interrupted": "Este trabajo se interrumpió y no se ejecutará. Inténtalo de nuevo.",
    "error.server_term": "Este texto contiene un término que este servidor bloquea.",
    "options.count_min": "Pide al menos 1 imagen.",
    "options.count_cap": "Este servidor permite como máximo {cap} imágenes por petición.",
    "options.count_cap_one": "Este servidor permite como máximo 1 imagen por petición.",
    "options.unknown_ratio": "Proporción desconocida {ratio}. Elige una de: {choices}.",
    "options.model_not_allowed": "`{model}` no está permitido aquí. Este servidor permite: {allowed}.",
    "operator.model_not_allowed": "`{model}` no está permitido en este bot. Permite: {allowed}.",
    # the Discord layer: inputs, buttons, modals, progress (bot/discord/flows, bot/discord/views)
    "input.gone": "La imagen de la que partió este trabajo ya no está en Discord, así que no se puede repetir. Vuelve a usar el comando con la imagen.",
    "input.changed": "La imagen de la que partió este trabajo cambió desde entonces, así que no se puede repetir. Vuelve a usar el comando con la imagen.",
    "input.not_image": "La opción `image` necesita una imagen PNG, JPEG, WebP o GIF.",
    "input.too_large": "Esa imagen pesa {size} MB; el límite es {limit} MB.",
    "input.larger_than": "Esa imagen supera los {limit} MB.",
    "input.download_failed": "No pude descargar esa imagen. Súbela de nuevo y vuelve a intentarlo.",
    "input.no_image_to_edit": "Ese mensaje no tiene ninguna imagen que editar.",
    "input.no_image_to_describe": "Ese mensaje no tiene ninguna imagen que describir.",
    "links.malformed": "`{link}` no es un enlace a un mensaje. Usa *Copiar enlace del mensaje* en un mensaje: se parece a https://discord.com/channels/…/…/…",
    "links.outside_server": "Los enlaces a mensajes solo funcionan en un servidor del que el bot es miembro.",
    "links.direct_message": "El enlace {number} apunta a un mensaje directo. Solo se pueden usar mensajes de este servidor.",
    "links.other_server": "El enlace {number} apunta a un mensaje de otro servidor. Solo se pueden usar mensajes de este servidor.",
    "links.too_many": "Eso suma {count} imágenes de entrada; se pueden enviar {limit} como máximo a la vez.",
    "links.unknown_channel": "No encuentro el canal del enlace {number}.",
    "links.member_cannot_read": "No puedes leer el canal del enlace {number}, así que su mensaje no se puede usar.",
    "links.bot_cannot_read": "Necesito los permisos Ver canal y Leer el historial de mensajes en <#{channel}> para leer el enlace {number}. Pide a un administrador del servidor que me los dé.",
    "links.age_restricted": "El enlace {number} está en un canal con restricción de edad: sus imágenes solo se pueden usar en canales con restricción de edad.",
    "links.unknown_message": "No encuentro el mensaje del enlace {number}: puede que se haya borrado.",
    "links.no_image": "El mensaje del enlace {number} no tiene ninguna imagen (PNG, JPEG, WebP o GIF).",
    "links.no_content_access": "No puedo ver las imágenes del enlace {number}: Discord oculta a este bot los archivos de otros miembros (su intent de contenido de mensajes está desactivado). Los enlaces a mis propios resultados funcionan; o sube la imagen.",
    "blend.too_few": "Para mezclar hacen falta al menos {minimum} imágenes: súbelas o enlaza mensajes que las tengan.",
    "button.reroll": "Repetir",
    "button.edit": "Editar texto",
    "button.delete": "Borrar",
    "button.cancel": "Cancelar",
    "button.imagine": "Imaginar {n}",
    "modal.edit_prompt": "Editar el texto",
    "modal.prompt": "Texto",
    "modal.edit_image": "Editar esta imagen",
    "modal.how_change": "¿Cómo debe cambiar?",
    "job.cancel_started": "Ese trabajo ya empezó, así que ya no se puede cancelar.",
    "job.cancel_not_yours": "Solo quien lo pidió (o un moderador) puede cancelar este trabajo.",
    "job.cancelled": "Cancelado: no se generó nada.",
    "job.result_gone": "Ya no tengo ese resultado.",
    "job.buttons_not_yours": "Solo quien creó esta imagen puede usar sus botones.",
    "job.was_describe": "Eso fue un `/describe`: vuelve a usarlo o pulsa uno de sus botones de sugerencia.",
    "job.empty_prompt": "El texto no puede estar vacío.",
    "job.restarting": "El bot se está reiniciando. Inténtalo de nuevo en un minuto.",
    "job.no_image": "El modelo respondió sin imagen. Prueba a reformular el texto.",
    "job.posted_below": "Tu resultado está publicado abajo.",
    "job.missing_permissions": "Necesito el permiso {names} en este canal para publicar imágenes. Pide a un administrador que lo conceda, o usa `private: True`.",
    "edit.say_how": "Di cómo debe cambiar la imagen.",
    "edit.message_gone": "Ese mensaje ya no existe, así que su imagen no se puede editar.",
    "edit.cannot_read": "Ya no puedo leer ese mensaje: vuelve a usar Editar imagen en él.",
    "edit.image_gone": "Ese mensaje ya no tiene la imagen.",
    "describe.suggestion_gone": "Ya no tengo esa sugerencia. Vuelve a usar `/describe`.",
    "describe.none": "El modelo no sugirió ningún texto para esa imagen. Inténtalo de nuevo.",
    "progress.queued": "En cola: posición {position}.",
    "progress.generating": "Generando con `{model}`…",
    "describe.title": "**Sugerencias de texto** de `{model}`:",
    "describe.footer": "Trabajo `{job_id}` · cada botón usa `/imagine` con ese texto.",
    # result cards (for bot/discord/views/render.py and cards.py: the server's language on public posts)
    "card.images": "{count} imágenes",
    "card.image_one": "1 imagen",
    "card.part": "Parte {index}/{total} · trabajo `{job_id}`",
    "card.job": "Trabajo {job_id}",
    "card.requested_by": "Pedido por {mention}",
    "card.model": "Modelo",
    "card.options": "Opciones",
    "card.cost": "Coste",
    "card.time": "Tiempo",
    "card.notes": "Notas",
    "card.error": "Error: {reason}",
    "card.reencoded": "{images}: recodificada(s) para caber en el límite de subida de Discord.",
    # which model (bot/policy/options.py): image models for /imagine, chat image models for /chatimage
    "options.locked_unavailable_image": "El modelo de imagen fijado por este servidor, `{model}`, no está disponible ahora. Pide a un moderador que revise /config.",
    "options.locked_unavailable_chat": "El modelo de imagen para chat fijado por este servidor, `{model}`, no está disponible ahora. Pide a un moderador que revise /config.",
    "options.model_unknown_image": "`{model}` no es un modelo de imagen disponible.",
    "options.model_unknown_chat": "`{model}` no es un modelo de imagen para chat disponible.",
    "options.model_unknown_hint_image": "`{model}` no es un modelo de imagen disponible. ¿Quisiste decir: {hints}?",
    "options.model_unknown_hint_chat": "`{model}` no es un modelo de imagen para chat disponible. ¿Quisiste decir: {hints}?",
    "options.no_model_image": "No hay ningún modelo de imagen configurado: pide a un moderador que elija uno con /config.",
    "options.no_model_chat": "No hay ningún modelo de imagen para chat configurado: pide a un moderador que elija uno con /config.",
}
