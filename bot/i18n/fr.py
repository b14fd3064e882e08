"""Français (fr)."""
# ruff: noqa: E501  (sentences are kept one per line where they fit; translations are prose)

from __future__ import annotations

COMMANDS: dict[str, str] = {
    "imagine": "imaginer",
    "imagine.description": "Génère des images à partir d'un texte.",
    "imagine.prompt": "description",
    "imagine.prompt.description": "Ce qu'il faut dessiner.",
    "imagine.model": "modèle",
    "imagine.model.description": "Modèle d'image (par défaut : celui de ce serveur).",
    "imagine.count": "nombre",
    "imagine.count.description": "Combien d'images (par défaut : selon ce serveur).",
    "imagine.aspect_ratio": "format",
    "imagine.aspect_ratio.description": "Forme des images.",
    "imagine.private": "privé",
    "imagine.private.description": "Vous seul voyez le résultat.",
    "chatimage": "chatimage",
    "chatimage.description": "Discutez avec un modèle multimodal qui répond en texte et en images.",
    "chatimage.prompt": "description",
    "chatimage.prompt.description": "Quoi créer, ou comment modifier l'image.",
    "chatimage.model": "modèle",
    "chatimage.model.description": "Modèle de chat avec images (par défaut : celui de ce serveur).",
    "chatimage.image": "image",
    "chatimage.image.description": "Une image à modifier ou à utiliser comme référence.",
    "chatimage.private": "privé",
    "chatimage.private.description": "Vous seul voyez le résultat.",
    "chatimage.links": "liens",
    "chatimage.links.description": "Liens vers des messages de ce serveur dont utiliser les images, séparés par des espaces.",
    "blend.links": "liens",
    "blend.links.description": "Liens vers des messages de ce serveur dont utiliser les images, séparés par des espaces.",
    "Edit image": "Modifier l'image",
    "job": "tâche",
    "job.description": "Affiche une génération passée par son identifiant, avec ses boutons.",
    "job.job_id": "identifiant",
    "job.job_id.description": "L'identifiant affiché sous un résultat.",
    "usage": "utilisation",
    "usage.description": "Affiche votre quota d'images sur ce serveur et vos tâches récentes.",
    "forgetme": "oubliez-moi",
    "forgetme.description": "Supprime vos textes et identifiants des registres du bot (demande confirmation).",
    "help": "aide",
    "help.description": "Ce que fait ce bot, et vos limites ici aujourd'hui.",
    "about": "à-propos",
    "about.description": "Version, ce que le bot conserve sur vous et pendant combien de temps.",
}

MESSAGES: dict[str, str] = {
    "help.title": "**Ce que je fais**",
    "help.intro": (
        "Je crée des images avec l'IA. `/imagine` dessine à partir d'un texte. `/chatimage` interroge "
        "un modèle qui répond en texte et en images, et peut modifier une image que vous joignez. "
        "*Modifier l'image* (dans le menu **Applications** d'un message) modifie une image publiée dans "
        "le salon. Sous chaque résultat : 🎲 relancer, 🖋️ modifier le texte, 🗑️ supprimer. `/job` "
        "affiche un résultat passé, `/usage` vos tâches récentes, `/about` ce qui est conservé et "
        "combien de temps."
    ),
    "help.limits_server": "**Vos limites sur ce serveur aujourd'hui**",
    "help.limits_outside": "**Vos limites ici aujourd'hui** (hors des serveurs, les règles de l'opérateur du bot s'appliquent)",
    "help.quota": "Images : {used} sur {quota} utilisées, il en reste {left}. Remise à zéro {reset}.",
    "help.quota_none": "Images : pas de limite quotidienne ici.",
    "help.operator_quota": "Sur tous les serveurs : {used} sur {cap} images utilisées aujourd'hui.",
    "help.cooldown": "Délai : {seconds} s entre deux générations. Vous pouvez générer maintenant.",
    "help.cooldown_wait": "Délai : {seconds} s entre deux générations. Vous pourrez générer de nouveau dans {remaining} s.",
    "help.cooldown_none": "Délai : aucun.",
    "help.budget_open": "Budget mensuel : {spent} sur {budget} utilisés. Ouvert.",
    "help.budget_spent": "Budget mensuel : épuisé ({spent} sur {budget}). Les générations reprennent {reset}.",
    "help.budget_none": "Budget mensuel : aucun.",
    "help.closed": (
        "Les commandes d'images ne sont pas disponibles ici : l'opérateur du bot ne les a pas ouvertes "
        "hors des serveurs."
    ),
    "about.title": "**imagebot {version}** : génération d'images par IA pour Discord, open source.",
    "about.stored": (
        "**Ce qui est conservé :** pour chaque génération, votre identifiant Discord, le serveur et le "
        "salon, le texte, les options et le modèle, le statut, le nombre d'images, le coût, les horaires "
        "et les identifiants des messages du résultat. Les images elles-mêmes ne vivent que dans les "
        "messages Discord. Les changements de réglages des modérateurs sont journalisés avec leur "
        "identifiant."
    ),
    "about.sent": (
        "**Qui d'autre voit votre texte :** le service d'IA choisi par l'opérateur du bot, qui le reçoit "
        "avec un identifiant haché au lieu de votre identifiant Discord."
    ),
    "about.retention": "**Combien de temps :** {days} jours, puis c'est supprimé.",
    "about.forgetme": (
        "**Supprimez vos données maintenant :** `/forgetme` retire vos textes et identifiants de toutes "
        "les tâches et de tous les changements de réglages immédiatement. Les tâches du jour gardent "
        "votre identifiant jusqu'à minuit UTC, pour que les limites du jour comptent encore ; ensuite il "
        "disparaît aussi. Les images déjà publiées restent sur Discord : supprimez-les avec 🗑️."
    ),
    "about.privacy_policy": "Politique de confidentialité : {url}",
    "about.terms": "Conditions d'utilisation : {url}",
    "about.no_links": "L'opérateur du bot n'a publié ni politique de confidentialité ni conditions d'utilisation.",
    "forget.confirm": (
        "Cela retire vos textes et identifiants de toutes vos tâches et de tous vos changements de "
        "réglages, sur tous les serveurs. C'est irréversible."
    ),
    "forget.button": "Supprimer mes données",
    "forget.done": "C'est fait : {rows} enregistrement(s) anonymisé(s). Vos textes et identifiants ne sont plus dans ma base de données.",
    "forget.held": (
        "Vos {held} tâche(s) d'aujourd'hui gardent seulement votre identifiant jusqu'à minuit UTC, pour "
        "que les limites du jour comptent encore ; ensuite il est retiré aussi."
    ),
    "error.generic": "Un problème est survenu de notre côté. Veuillez réessayer.",
    "error.cancelled": "Annulé avant la fin.",
    "error.interrupted": "Interrompu : le bot a redémarré pendant cette tâche.",
    "error.not_allowed": "Vous n'êtes pas autorisé à utiliser cette commande ici.",
    "error.missing_permission": (
        "Il me manque une permission dans ce salon (Envoyer des messages, Intégrer des liens ou Joindre "
        "des fichiers). Demandez à un administrateur du serveur de vérifier mon rôle."
    ),
    "error.paused": "L'opérateur du bot a mis la génération d'images en pause. Rien n'a été envoyé ni facturé.",
    "error.blocked": "L'opérateur du bot n'a pas activé la génération d'images pour vous ici.",
    "error.outside": (
        "Je ne crée des images que sur les serveurs. Utilisez-moi sur un serveur qui m'a ajouté "
        "(l'opérateur de ce bot n'a pas ouvert les messages privés ni les installations personnelles)."
    ),
    "error.operator_term": "Ce texte contient un terme que ce bot n'autorise pas.",
    "error.cooldown": "Doucement : vous pourrez générer de nouveau dans {seconds} s.",
    "error.unavailable": "Le bot est temporairement indisponible, réessayez sous peu.",
    "error.id": "identifiant d'erreur `{error_id}`",
    "gateway.GatewayError": "Le service d'images a échoué de façon inattendue. Réessayez plus tard.",
    "gateway.BadRequestError": "Le service d'images a refusé cette demande. Essayez un autre texte ou d'autres options.",
    "gateway.ContentPolicyError": (
        "Le fournisseur d'images a refusé ce texte au titre de sa politique de contenu. Reformulez-le et "
        "réessayez."
    ),
    "gateway.AuthenticationError": "La clé d'IA du bot n'est pas acceptée : un administrateur doit la corriger.",
    "gateway.InsufficientCreditsError": (
        "Le compte d'IA du bot n'a plus de crédits. Un administrateur doit le recharger."
    ),
    "gateway.PermissionDeniedError": (
        "La clé d'IA du bot n'est pas acceptée pour ce modèle : un administrateur doit la corriger."
    ),
    "gateway.NotFoundError": "Ce modèle n'est pas disponible sur le service d'images. Choisissez-en un autre.",
    "gateway.RateLimitError": "Le service d'images est occupé. Réessayez dans une minute.",
    "gateway.RateLimitError.wait": "Le service d'images est occupé. Réessayez dans {seconds} s.",
    "gateway.ServerError": (
        "Le service d'images rencontre des difficultés. Réessayez dans quelques minutes."
    ),
    "gateway.GatewayTimeoutError": "Le service d'images a mis trop de temps à répondre. Réessayez.",
    "gateway.GatewayConnectionError": "Impossible de joindre le service d'images. Réessayez sous peu.",
    "gateway.BadResponseError": "Le service d'images a envoyé une réponse illisible. Réessayez.",
    "gateway.StreamIncompleteError": "Le service d'images s'est arrêté en cours de réponse. Réessayez.",
    "gateway.InvalidImageError": "Le service d'images a renvoyé des données d'image illisibles.",
    "gateway.UnsafeURLError": (
        "Le service d'images a indiqué une adresse d'image que le bot ne télécharge pas, par sécurité."
    ),
    "gateway.ImageTooLargeError": "L'image est trop grande.",
    "gateway.JobTooLargeError": (
        "Le service d'images a envoyé plus de données d'image que le bot n'en accepte par demande. "
        "Demandez moins d'images ou une taille plus petite."
    ),
    # /usage and the end of /forgetme
    "usage.today": "**Aujourd'hui :** {used}/{quota} images utilisées, remise à zéro {reset}.",
    "usage.no_quota": "**Quota :** ce serveur ne fixe pas de limite quotidienne.",
    "usage.spend": "**Dépenses du serveur ce mois-ci :** {spent} sur {budget}.",
    "usage.spend_no_budget": "**Dépenses du serveur ce mois-ci :** {spent} (pas de budget mensuel).",
    "usage.in_flight": "{reserved} est réservé pour des tâches en cours.",
    "usage.cooldown": "**Délai :** {seconds} s entre deux générations.",
    "usage.recent": "**Tâches récentes** (utilise `/job <id>`) :",
    "forget.results": "{results} résultat(s) que je n'avais pas pu publier sont aussi effacés de la mémoire.",
    # results that could not all be posted (bot/discord/flows/posting.py, /job)
    "images.one": "L'image {n}",
    "images.range": "Les images {first} à {last}",
    "images.list": "Les images {items} et {last}",
    "result.not_taken": "Tes images sont prêtes, mais Discord ne les a pas acceptées.",
    "result.not_posted": "{images} sur {total} n'ont pas pu être publiées.",
    "result.folded": "{images} sur {total} n'ont pas tenu : Discord n'accorde à une app installée par l'utilisateur que 5 messages de suivi par commande.",
    "result.use_job": "Utilise `/job {job_id}` dans la journée pour les récupérer (elles sont perdues si le bot redémarre).",
    "result.too_large": "Elles étaient trop lourdes pour être gardées ; désolé.",
    "result.cannot_post_here": "Tes images sont prêtes, mais je ne peux pas publier ici. Utilise `/job` pour les voir.",
    "job.spooled": "{images} de la tâche `{job_id}`, qui n'avaient pas pu être publiées.",
    "job.not_found": "Aucune tâche avec cet id ici.",
    "job.not_yours": "Seul le membre qui a lancé cette tâche (ou un modérateur) peut la voir.",
    "chat.text_only": "Cette fois, le modèle n'a répondu que par du texte. Demande-lui explicitement une image et réessaie.",
    # refusals raised by the core (bot/bookkeeping.py, bot/policy, bot/generation.py) and the flows
    "refusal.pending": "Tu as déjà {count} générations en attente. Laisse-les se terminer d'abord.",
    "refusal.quota_partial_server": "Tu as demandé {count} images, mais il t'en reste {left} sur {limit} aujourd'hui sur ce serveur. Demande-en moins ou attends : le quota repart {reset}.",
    "refusal.quota_partial_outside": "Tu as demandé {count} images, mais il t'en reste {left} sur {limit} aujourd'hui hors des serveurs. Demande-en moins ou attends : le quota repart {reset}.",
    "refusal.quota_server": "Tu as utilisé tes {limit} images du jour sur ce serveur. Le quota repart {reset}.",
    "refusal.quota_outside": "Tu as utilisé tes {limit} images du jour hors des serveurs. Le quota repart {reset}.",
    "refusal.budget_server": "Ce serveur a épuisé son budget d'images du mois ({used} sur {limit}). Il repart {reset}.",
    "refusal.budget_outside": "La création d'images hors des serveurs a épuisé son budget du mois ({used} sur {limit}). Il repart {reset}.",
    "refusal.operator_images": "Tu as atteint la limite quotidienne du bot de {limit} images, tous serveurs confondus. Elle repart {reset}.",
    "refusal.operator_spend": "Le bot a atteint la limite de dépenses du mois fixée par son opérateur. Elle repart {reset}.",
    "error.job_interrupted": "Cette tâche a été interrompue et ne sera pas lancée. Réessaie.",
    "error.server_term": "Ce prompt contient un terme que ce serveur bloque.",
    "options.count_min": "Demande au moins 1 image.",
    "options.count_cap": "Ce serveur autorise au plus {cap} images par demande.",
    "options.count_cap_one": "Ce serveur autorise au plus 1 image par demande.",
    "options.unknown_ratio": "Format inconnu {ratio}. Choisis parmi : {choices}.",
    "options.model_not_allowed": "`{model}` n'est pas autorisé ici. Ce serveur autorise : {allowed}.",
    "operator.model_not_allowed": "`{model}` n'est pas autorisé sur ce bot. Il autorise : {allowed}.",
    # the Discord layer: inputs, buttons, modals, progress (bot/discord/flows, bot/discord/views)
    "input.gone": "L'image de départ de cette tâche n'est plus disponible sur Discord, donc impossible de la relancer. Relance la commande avec l'image.",
    "input.changed": "L'image de départ de cette tâche a changé depuis, donc impossible de la relancer. Relance la commande avec l'image.",
    "input.not_image": "L'option `image` attend une image PNG, JPEG, WebP ou GIF.",
    "input.too_large": "Cette image fait {size} Mo ; la limite est de {limit} Mo.",
    "input.larger_than": "Cette image dépasse {limit} Mo.",
    "input.download_failed": "Je n'ai pas pu télécharger cette image. Renvoie-la et réessaie.",
    "input.no_image_to_edit": "Ce message n'a pas d'image à modifier.",
    "input.no_image_to_describe": "Ce message n'a pas d'image à décrire.",
    "links.malformed": "`{link}` n'est pas un lien de message. Utilisez *Copier le lien du message* sur un message : il ressemble à https://discord.com/channels/…/…/…",
    "links.outside_server": "Les liens de messages ne fonctionnent que dans un serveur dont le bot est membre.",
    "links.direct_message": "Le lien {number} mène à un message privé. Seuls les messages de ce serveur peuvent être utilisés.",
    "links.other_server": "Le lien {number} mène à un message d'un autre serveur. Seuls les messages de ce serveur peuvent être utilisés.",
    "links.too_many": "Cela fait {count} images en entrée ; {limit} au plus peuvent être envoyées à la fois.",
    "links.unknown_channel": "Je ne trouve pas le salon du lien {number}.",
    "links.member_cannot_read": "Vous ne pouvez pas lire le salon du lien {number} : son message ne peut donc pas être utilisé.",
    "links.bot_cannot_read": "J'ai besoin des permissions Voir le salon et Voir les anciens messages dans <#{channel}> pour lire le lien {number}. Demandez-les à un administrateur du serveur.",
    "links.age_restricted": "Le lien {number} est dans un salon soumis à une limite d'âge : ses images ne peuvent servir que dans des salons soumis à une limite d'âge.",
    "links.unknown_message": "Je ne trouve pas le message du lien {number} : il a peut-être été supprimé.",
    "links.no_image": "Le message du lien {number} n'a pas d'image (PNG, JPEG, WebP ou GIF).",
    "links.no_content_access": "Je ne vois pas les images du lien {number} : Discord cache à ce bot les pièces jointes des autres membres (son intent de contenu des messages est désactivé). Les liens vers mes propres résultats fonctionnent ; sinon, envoyez l'image.",
    "blend.too_few": "Un mélange demande au moins {minimum} images : envoyez-les, ou donnez les liens de messages qui en ont.",
    "button.reroll": "Relancer",
    "button.edit": "Modifier le prompt",
    "button.delete": "Supprimer",
    "button.cancel": "Annuler",
    "button.imagine": "Imaginer {n}",
    "modal.edit_prompt": "Modifier le prompt",
    "modal.prompt": "Prompt",
    "modal.edit_image": "Modifier cette image",
    "modal.how_change": "Que faut-il changer ?",
    "job.cancel_started": "Cette tâche a déjà commencé, elle ne peut plus être annulée.",
    "job.cancel_not_yours": "Seul le membre qui l'a demandée (ou un modérateur) peut annuler cette tâche.",
    "job.cancelled": "Annulé : rien n'a été généré.",
    "job.result_gone": "Je n'ai plus ce résultat.",
    "job.buttons_not_yours": "Seul le membre qui a créé cette image peut utiliser ses boutons.",
    "job.was_describe": "C'était un `/describe` : relance-le, ou utilise un de ses boutons de suggestion.",
    "job.empty_prompt": "Le prompt ne peut pas être vide.",
    "job.restarting": "Le bot redémarre. Réessaie dans une minute.",
    "job.no_image": "Le modèle a répondu sans image. Essaie de reformuler le prompt.",
    "job.posted_below": "Ton résultat est publié ci-dessous.",
    "job.missing_permissions": "J'ai besoin de la permission {names} dans ce salon pour publier des images. Demande-la à un admin du serveur, ou utilise `private: True`.",
    "edit.say_how": "Dis comment l'image doit changer.",
    "edit.message_gone": "Ce message n'existe plus, son image ne peut donc pas être modifiée.",
    "edit.cannot_read": "Je ne peux plus lire ce message : utilise à nouveau Modifier l'image dessus.",
    "edit.image_gone": "Ce message n'a plus l'image.",
    "describe.suggestion_gone": "Je n'ai plus cette suggestion. Relance `/describe`.",
    "describe.none": "Le modèle n'a suggéré aucun prompt pour cette image. Réessaie.",
    "progress.queued": "En file d'attente : position {position}.",
    "progress.generating": "Génération avec `{model}`…",
    "describe.title": "**Suggestions de prompt** de `{model}` :",
    "describe.footer": "Tâche `{job_id}` · un bouton lance `/imagine` avec ce prompt.",
    # result cards (for bot/discord/views/render.py and cards.py: the server's language on public posts)
    "card.images": "{count} images",
    "card.image_one": "1 image",
    "card.part": "Partie {index}/{total} · tâche `{job_id}`",
    "card.job": "Tâche {job_id}",
    "card.requested_by": "Demandé par {mention}",
    "card.model": "Modèle",
    "card.options": "Options",
    "card.cost": "Coût",
    "card.time": "Durée",
    "card.notes": "Remarques",
    "card.error": "Erreur : {reason}",
    "card.reencoded": "{images} : réencodée(s) pour tenir dans la limite d'envoi de Discord.",
    # which model (bot/policy/options.py): image models for /imagine, chat image models for /chatimage
    "options.locked_unavailable_image": "Le modèle d'image imposé par ce serveur, `{model}`, n'est pas disponible pour le moment. Demande à un modérateur de vérifier /config.",
    "options.locked_unavailable_chat": "Le modèle d'image de chat imposé par ce serveur, `{model}`, n'est pas disponible pour le moment. Demande à un modérateur de vérifier /config.",
    "options.model_unknown_image": "`{model}` n'est pas un modèle d'image disponible.",
    "options.model_unknown_chat": "`{model}` n'est pas un modèle d'image de chat disponible.",
    "options.model_unknown_hint_image": "`{model}` n'est pas un modèle d'image disponible. Voulais-tu dire : {hints} ?",
    "options.model_unknown_hint_chat": "`{model}` n'est pas un modèle d'image de chat disponible. Voulais-tu dire : {hints} ?",
    "options.no_model_image": "Aucun modèle d'image n'est configuré : demande à un modérateur d'en choisir un avec /config.",
    "options.no_model_chat": "Aucun modèle d'image de chat n'est configuré : demande à un modérateur d'en choisir un avec /config.",
}
