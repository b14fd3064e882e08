"""Português do Brasil (pt-BR)."""
# ruff: noqa: E501  (sentences are kept one per line where they fit; translations are prose)

from __future__ import annotations

COMMANDS: dict[str, str] = {
    "imagine": "imaginar",
    "imagine.description": "Gera imagens a partir de um texto.",
    "imagine.prompt": "descrição",
    "imagine.prompt.description": "O que desenhar.",
    "imagine.model": "modelo",
    "imagine.model.description": "Modelo de imagem (padrão: o deste servidor).",
    "imagine.count": "quantidade",
    "imagine.count.description": "Quantas imagens (padrão: o deste servidor).",
    "imagine.aspect_ratio": "proporção",
    "imagine.aspect_ratio.description": "Formato das imagens.",
    "imagine.private": "privado",
    "imagine.private.description": "Só você vê o resultado.",
    "chatimage": "chatimagem",
    "chatimage.description": "Converse com um modelo multimodal que responde com texto e imagens.",
    "chatimage.prompt": "descrição",
    "chatimage.prompt.description": "O que criar, ou como mudar a imagem.",
    "chatimage.model": "modelo",
    "chatimage.model.description": "Modelo de chat com imagens (padrão: o deste servidor).",
    "chatimage.image": "imagem",
    "chatimage.image.description": "Uma imagem para editar ou usar como referência.",
    "chatimage.private": "privado",
    "chatimage.private.description": "Só você vê o resultado.",
    "chatimage.links": "links",
    "chatimage.links.description": "Links de mensagens deste servidor cujas imagens usar, separados por espaços.",
    "blend.links": "links",
    "blend.links.description": "Links de mensagens deste servidor cujas imagens usar, separados por espaços.",
    "Edit image": "Editar imagem",
    "job": "tarefa",
    "job.description": "Mostra uma geração anterior pelo id da tarefa, com seus botões.",
    "job.job_id": "id_tarefa",
    "job.job_id.description": "O id mostrado abaixo de um resultado.",
    "usage": "uso",
    "usage.description": "Mostra sua cota de imagens neste servidor e suas tarefas recentes.",
    "forgetme": "apagar-dados",
    "forgetme.description": "Apaga seus textos e ids dos registros do bot (pede confirmação).",
    "help": "ajuda",
    "help.description": "O que este bot faz e seus limites aqui hoje.",
    "about": "sobre",
    "about.description": "Versão, o que o bot guarda sobre você e por quanto tempo.",
}

MESSAGES: dict[str, str] = {
    "help.title": "**O que eu faço**",
    "help.intro": (
        "Crio imagens com IA. `/imagine` desenha a partir de um texto. `/chatimage` consulta um modelo "
        "que responde com texto e imagens, e pode mudar uma imagem que você anexar. *Editar imagem* "
        "(no menu **Apps** de uma mensagem) edita uma imagem postada no canal. Abaixo de cada "
        "resultado: 🎲 refazer, 🖋️ editar o texto, 🗑️ apagar. `/job` mostra um resultado anterior, "
        "`/usage` suas tarefas recentes, `/about` o que é guardado e por quanto tempo."
    ),
    "help.limits_server": "**Seus limites neste servidor hoje**",
    "help.limits_outside": "**Seus limites aqui hoje** (fora dos servidores valem as regras do operador do bot)",
    "help.quota": "Imagens: {used} de {quota} usadas, restam {left}. Renova {reset}.",
    "help.quota_none": "Imagens: sem limite diário aqui.",
    "help.operator_quota": "Em todos os servidores: {used} de {cap} imagens usadas hoje.",
    "help.cooldown": "Intervalo: {seconds} s entre gerações. Você já pode gerar.",
    "help.cooldown_wait": "Intervalo: {seconds} s entre gerações. Você pode gerar de novo em {remaining} s.",
    "help.cooldown_none": "Intervalo: nenhum.",
    "help.budget_open": "Orçamento mensal: {spent} de {budget} usado. Disponível.",
    "help.budget_spent": "Orçamento mensal: esgotado ({spent} de {budget}). As gerações voltam {reset}.",
    "help.budget_none": "Orçamento mensal: nenhum definido.",
    "help.closed": (
        "Os comandos de imagem não estão disponíveis aqui: o operador do bot não os liberou fora dos "
        "servidores."
    ),
    "about.title": "**imagebot {version}**: geração de imagens com IA para o Discord, de código aberto.",
    "about.stored": (
        "**O que é guardado:** para cada geração, seu id de usuário do Discord, o servidor e o canal, o "
        "texto, as opções e o modelo, o status, o número de imagens, o custo, os horários e os ids das "
        "mensagens do resultado. As imagens ficam só nas mensagens do Discord. As mudanças de "
        "configuração dos moderadores são registradas com o id de usuário deles."
    ),
    "about.sent": (
        "**Quem mais vê seu texto:** o serviço de IA escolhido pelo operador do bot, que o recebe com "
        "um id embaralhado no lugar do seu id do Discord."
    ),
    "about.retention": "**Por quanto tempo:** {days} dias; depois é apagado.",
    "about.forgetme": (
        "**Apague o que é seu agora:** `/forgetme` remove seus textos e ids de todas as tarefas e "
        "mudanças de configuração na hora. As tarefas de hoje mantêm seu id até a meia-noite UTC, para "
        "que os limites de hoje continuem valendo; depois ele também sai. As imagens já postadas "
        "continuam no Discord: apague-as com 🗑️."
    ),
    "about.privacy_policy": "Política de privacidade: {url}",
    "about.terms": "Termos de serviço: {url}",
    "about.no_links": "O operador do bot não publicou uma política de privacidade nem termos de serviço.",
    "forget.confirm": (
        "Isto remove seus textos e ids de todas as suas tarefas e mudanças de configuração em todos os "
        "servidores. Não pode ser desfeito."
    ),
    "forget.button": "Apagar meus dados",
    "forget.done": "Pronto: {rows} registro(s) anonimizado(s). Seus textos e ids não estão mais no meu banco de dados.",
    "forget.held": (
        "Suas {held} tarefa(s) de hoje mantêm só o seu id até a meia-noite UTC, para que os limites de "
        "hoje continuem valendo; depois ele também é removido."
    ),
    "error.generic": "Algo deu errado do nosso lado. Tente de novo.",
    "error.cancelled": "Cancelado antes de terminar.",
    "error.interrupted": "Interrompido: o bot reiniciou enquanto esta tarefa estava em andamento.",
    "error.not_allowed": "Você não pode usar este comando aqui.",
    "error.missing_permission": (
        "Está me faltando uma permissão neste canal (Enviar mensagens, Inserir links ou Anexar "
        "arquivos). Peça a um administrador do servidor para verificar meu cargo."
    ),
    "error.paused": "O operador do bot pausou a geração de imagens agora. Nada foi enviado nem cobrado.",
    "error.blocked": "O operador do bot não liberou a geração de imagens para você aqui.",
    "error.outside": (
        "Só crio imagens em servidores. Use-me em um servidor que me adicionou (o operador deste bot "
        "não liberou mensagens diretas nem instalações pessoais)."
    ),
    "error.operator_term": "Este texto contém um termo que este bot não permite.",
    "error.cooldown": "Calma: você pode gerar de novo em {seconds} s.",
    "error.unavailable": "O bot está temporariamente indisponível; tente de novo em instantes.",
    "error.id": "id do erro `{error_id}`",
    "gateway.GatewayError": "O serviço de imagens falhou inesperadamente. Tente novamente mais tarde.",
    "gateway.BadRequestError": "O serviço de imagens recusou este pedido. Tente outro texto ou outras opções.",
    "gateway.ContentPolicyError": (
        "O provedor de imagens recusou este texto pela política de conteúdo dele. Reescreva e tente de novo."
    ),
    "gateway.AuthenticationError": "A chave de IA do bot não é aceita: um administrador precisa corrigir.",
    "gateway.InsufficientCreditsError": (
        "A conta de IA do bot está sem créditos. Um administrador precisa recarregá-la."
    ),
    "gateway.PermissionDeniedError": (
        "A chave de IA do bot não é aceita para este modelo: um administrador precisa corrigir."
    ),
    "gateway.NotFoundError": "Esse modelo não está disponível no serviço de imagens. Escolha outro.",
    "gateway.RateLimitError": "O serviço de imagens está ocupado. Tente de novo em um minuto.",
    "gateway.RateLimitError.wait": "O serviço de imagens está ocupado. Tente de novo em {seconds} s.",
    "gateway.ServerError": (
        "O serviço de imagens está com problemas agora. Tente de novo em alguns minutos."
    ),
    "gateway.GatewayTimeoutError": "O serviço de imagens demorou demais para responder. Tente de novo.",
    "gateway.GatewayConnectionError": "Não foi possível acessar o serviço de imagens. Tente de novo em instantes.",
    "gateway.BadResponseError": "O serviço de imagens enviou uma resposta ilegível. Tente de novo.",
    "gateway.StreamIncompleteError": "O serviço de imagens parou de responder no meio. Tente de novo.",
    "gateway.InvalidImageError": "O serviço de imagens devolveu dados de imagem que não puderam ser lidos.",
    "gateway.UnsafeURLError": (
        "O serviço de imagens indicou um endereço de imagem que o bot não baixa, por segurança."
    ),
    "gateway.ImageTooLargeError": "A imagem é grande demais.",
    "gateway.JobTooLargeError": (
        "O serviço de imagens enviou mais dados de imagem do que o bot aceita por pedido. Peça menos "
        "imagens ou um tamanho menor."
    ),
    # /usage and the end of /forgetme
    "usage.today": "**Hoje:** {used}/{quota} imagens usadas, reinicia {reset}.",
    "usage.no_quota": "**Cota:** este servidor não define limite diário.",
    "usage.spend": "**Gasto do servidor este mês:** {spent} de {budget}.",
    "usage.spend_no_budget": "**Gasto do servidor este mês:** {spent} (sem orçamento mensal).",
    "usage.in_flight": "{reserved} está reservado para trabalhos em andamento.",
    "usage.cooldown": "**Intervalo:** {seconds} s entre gerações.",
    "usage.recent": "**Trabalhos recentes** (use `/job <id>`):",
    "forget.results": "{results} resultado(s) que não consegui postar também foram apagados da memória.",
    # results that could not all be posted (bot/discord/flows/posting.py, /job)
    "images.one": "A imagem {n}",
    "images.range": "As imagens {first}-{last}",
    "images.list": "As imagens {items} e {last}",
    "result.not_taken": "Suas imagens estão prontas, mas o Discord não as aceitou.",
    "result.not_posted": "{images} de {total} não puderam ser postadas.",
    "result.folded": "{images} de {total} não couberam: o Discord permite a um app instalado pelo usuário só 5 mensagens de acompanhamento por comando.",
    "result.use_job": "Use `/job {job_id}` em até um dia para recebê-las (elas se perdem se o bot reiniciar).",
    "result.too_large": "Eram grandes demais para guardar; desculpe.",
    "result.cannot_post_here": "Suas imagens estão prontas, mas não consigo postar aqui. Use `/job` para vê-las.",
    "job.spooled": "{images} do trabalho `{job_id}`, que não puderam ser postadas antes.",
    "job.not_found": "Não há nenhum trabalho com esse id aqui.",
    "job.not_yours": "Só quem criou este trabalho (ou um moderador) pode vê-lo.",
    "chat.text_only": "Desta vez o modelo respondeu só com texto. Peça uma imagem explicitamente e tente de novo.",
    # refusals raised by the core (bot/bookkeeping.py, bot/policy, bot/generation.py) and the flows
    "refusal.pending": "Você já tem {count} gerações na fila. Espere que terminem primeiro.",
    "refusal.quota_partial_server": "Você pediu {count} imagens, mas hoje restam {left} de {limit} neste servidor. Peça menos ou espere: a cota reinicia {reset}.",
    "refusal.quota_partial_outside": "Você pediu {count} imagens, mas hoje restam {left} de {limit} fora de servidores. Peça menos ou espere: a cota reinicia {reset}.",
    "refusal.quota_server": "Você já usou suas {limit} imagens de hoje neste servidor. A cota reinicia {reset}.",
    "refusal.quota_outside": "Você já usou suas {limit} imagens de hoje fora de servidores. A cota reinicia {reset}.",
    "refusal.budget_server": "Este servidor já gastou o orçamento de imagens do mês ({used} de {limit}). Ele reinicia {reset}.",
    "refusal.budget_outside": "A criação de imagens fora de servidores já gastou o orçamento do mês ({used} de {limit}). Ele reinicia {reset}.",
    "refusal.operator_images": "Você atingiu o limite diário do bot de {limit} imagens em todos os servidores. Ele reinicia {reset}.",
    "refusal.operator_spend": "O bot atingiu o limite de gastos do mês definido pelo operador. Ele reinicia {reset}.",
    "error.job_interrupted": "Este trabalho foi interrompido e não será executado. Tente de novo.",
    "error.server_term": "Este prompt contém um termo que este servidor bloqueia.",
    "options.count_min": "Peça pelo menos 1 imagem.",
    "options.count_cap": "Este servidor permite no máximo {cap} imagens por pedido.",
    "options.count_cap_one": "Este servidor permite no máximo 1 imagem por pedido.",
    "options.unknown_ratio": "Proporção desconhecida {ratio}. Escolha uma de: {choices}.",
    "options.model_not_allowed": "`{model}` não é permitido aqui. Este servidor permite: {allowed}.",
    "operator.model_not_allowed": "`{model}` não é permitido neste bot. Ele permite: {allowed}.",
    # the Discord layer: inputs, buttons, modals, progress (bot/discord/flows, bot/discord/views)
    "input.gone": "A imagem de onde este trabalho partiu não está mais no Discord, então não dá para refazê-lo. Use o comando de novo com a imagem.",
    "input.changed": "A imagem de onde este trabalho partiu mudou desde então, então não dá para refazê-lo. Use o comando de novo com a imagem.",
    "input.not_image": "A opção `image` precisa de uma imagem PNG, JPEG, WebP ou GIF.",
    "input.too_large": "Essa imagem tem {size} MB; o limite é {limit} MB.",
    "input.larger_than": "Essa imagem passa de {limit} MB.",
    "input.download_failed": "Não consegui baixar essa imagem. Envie de novo e tente outra vez.",
    "input.no_image_to_edit": "Essa mensagem não tem imagem para editar.",
    "input.no_image_to_describe": "Essa mensagem não tem imagem para descrever.",
    "links.malformed": "`{link}` não é um link de mensagem. Use *Copiar link da mensagem* em uma mensagem: ele se parece com https://discord.com/channels/…/…/…",
    "links.outside_server": "Links de mensagens só funcionam em um servidor do qual o bot é membro.",
    "links.direct_message": "O link {number} aponta para uma mensagem direta. Só mensagens deste servidor podem ser usadas.",
    "links.other_server": "O link {number} aponta para uma mensagem de outro servidor. Só mensagens deste servidor podem ser usadas.",
    "links.too_many": "Isso dá {count} imagens de entrada; no máximo {limit} podem ser enviadas de uma vez.",
    "links.unknown_channel": "Não encontro o canal do link {number}.",
    "links.member_cannot_read": "Você não pode ler o canal do link {number}, então a mensagem dele não pode ser usada.",
    "links.bot_cannot_read": "Preciso das permissões Ver canal e Ver histórico de mensagens em <#{channel}> para ler o link {number}. Peça a um administrador do servidor para concedê-las.",
    "links.age_restricted": "O link {number} está em um canal com restrição de idade: as imagens dele só podem ser usadas em canais com restrição de idade.",
    "links.unknown_message": "Não encontro a mensagem do link {number}: ela pode ter sido apagada.",
    "links.no_image": "A mensagem do link {number} não tem imagem (PNG, JPEG, WebP ou GIF).",
    "links.no_content_access": "Não consigo ver as imagens do link {number}: o Discord esconde deste bot os anexos de outros membros (o intent de conteúdo de mensagens dele está desligado). Links para os meus próprios resultados funcionam; ou envie a imagem.",
    "blend.too_few": "Para misturar são precisas pelo menos {minimum} imagens: envie-as ou coloque links de mensagens que as tenham.",
    "button.reroll": "Refazer",
    "button.edit": "Editar prompt",
    "button.delete": "Apagar",
    "button.cancel": "Cancelar",
    "button.imagine": "Imaginar {n}",
    "modal.edit_prompt": "Editar o prompt",
    "modal.prompt": "Prompt",
    "modal.edit_image": "Editar esta imagem",
    "modal.how_change": "Como ela deve mudar?",
    "job.cancel_started": "Esse trabalho já começou, então não pode mais ser cancelado.",
    "job.cancel_not_yours": "Só quem pediu (ou um moderador) pode cancelar este trabalho.",
    "job.cancelled": "Cancelado: nada foi gerado.",
    "job.result_gone": "Não tenho mais esse resultado.",
    "job.buttons_not_yours": "Só quem criou esta imagem pode usar os botões dela.",
    "job.was_describe": "Isso foi um `/describe`: use de novo ou um dos botões de sugestão.",
    "job.empty_prompt": "O prompt não pode ficar vazio.",
    "job.restarting": "O bot está reiniciando. Tente de novo em um minuto.",
    "job.no_image": "O modelo respondeu sem imagem. Tente reformular o prompt.",
    "job.posted_below": "Seu resultado está postado abaixo.",
    "job.missing_permissions": "Preciso da permissão {names} neste canal para postar imagens. Peça a um admin do servidor para concedê-la, ou use `private: True`.",
    "edit.say_how": "Diga como a imagem deve mudar.",
    "edit.message_gone": "Essa mensagem sumiu, então a imagem dela não pode ser editada.",
    "edit.cannot_read": "Não consigo mais ler essa mensagem: use Editar imagem nela de novo.",
    "edit.image_gone": "Essa mensagem não tem mais a imagem.",
    "describe.suggestion_gone": "Não tenho mais essa sugestão. Use `/describe` de novo.",
    "describe.none": "O modelo não sugeriu nenhum prompt para essa imagem. Tente de novo.",
    "progress.queued": "Na fila: posição {position}.",
    "progress.generating": "Gerando com `{model}`…",
    "describe.title": "**Sugestões de prompt** de `{model}`:",
    "describe.footer": "Trabalho `{job_id}` · cada botão roda `/imagine` com esse prompt.",
    # result cards (for bot/discord/views/render.py and cards.py: the server's language on public posts)
    "card.images": "{count} imagens",
    "card.image_one": "1 imagem",
    "card.part": "Parte {index}/{total} · trabalho `{job_id}`",
    "card.job": "Trabalho {job_id}",
    "card.requested_by": "Pedido por {mention}",
    "card.model": "Modelo",
    "card.options": "Opções",
    "card.cost": "Custo",
    "card.time": "Tempo",
    "card.notes": "Notas",
    "card.error": "Erro: {reason}",
    "card.reencoded": "{images}: recodificada(s) para caber no limite de upload do Discord.",
    # which model (bot/policy/options.py): image models for /imagine, chat image models for /chatimage
    "options.locked_unavailable_image": "O modelo de imagem fixado por este servidor, `{model}`, não está disponível agora. Peça a um moderador para verificar /config.",
    "options.locked_unavailable_chat": "O modelo de imagem de chat fixado por este servidor, `{model}`, não está disponível agora. Peça a um moderador para verificar /config.",
    "options.model_unknown_image": "`{model}` não é um modelo de imagem disponível.",
    "options.model_unknown_chat": "`{model}` não é um modelo de imagem de chat disponível.",
    "options.model_unknown_hint_image": "`{model}` não é um modelo de imagem disponível. Você quis dizer: {hints}?",
    "options.model_unknown_hint_chat": "`{model}` não é um modelo de imagem de chat disponível. Você quis dizer: {hints}?",
    "options.no_model_image": "Nenhum modelo de imagem está configurado: peça a um moderador para definir um com /config.",
    "options.no_model_chat": "Nenhum modelo de imagem de chat está configurado: peça a um moderador para definir um com /config.",
}
