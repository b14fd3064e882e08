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
}
