"""Insights: a data summary of commerce.db → a structured analysis with concrete recommendations.

The audit's honest answer is an analyst's answer per topic (``audit_gold``): the SFT target lists
the facts back with generic advice, too weak to stand as the answer a hack is ranked against.
"""
from __future__ import annotations

import json
import re
from typing import Any

from commerce_grpo.data.tasks import insights as builder
from commerce_grpo.rewards import insights as reward
from commerce_grpo.rewards.study import insights as study_reward
from commerce_grpo.tasks.hacks import EXTRACTION_CONSTANT, JUNK, PUSH_OFF_TASK, SQL_OFF_TASK, user_of
from commerce_grpo.tasks.spec import TaskSpec
from commerce_grpo.train.targets import insights_target

SYSTEM_PROMPT = (
    "Tarefa: análise estratégica de dados de e-commerce. "
    "Com base no resumo de dados, escreva uma análise estruturada com tópicos e recomendações "
    "de ação concretas para o negócio."
)


# ---------------------------------------------------------------- number formatting (PT-BR)
def _num(value: Any) -> str:
    if isinstance(value, float):
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
        return text.replace(",", "_").replace(".", ",").replace("_", ".")
    return str(value)


def _money(value: Any) -> str:
    return "R$ " + f"{float(value):,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")



# An analyst's answer per insights topic: reads the facts, says what they mean, recommends in the
# direction the facts point.
INSIGHTS_GOLD = {
    "vendedores": (
        "## Diagnóstico\n- {vendedores_ativos} vendedores ativos, mas os 5 maiores concentram {pct_pedidos_top5}% dos "
        "pedidos: o marketplace depende de poucos parceiros.\n- Média de {pedidos_por_vendedor} pedidos por vendedor; "
        "{vendedores_nota_baixa} vendedores com volume relevante têm nota média abaixo de 3,5 e puxam a qualidade para baixo.\n\n"
        "## Recomendações\n1. Plano de melhoria com prazo para os {vendedores_nota_baixa} vendedores mal avaliados "
        "(atendimento, prazo de postagem); sem evolução, reduzir sua exposição.\n2. Diminuir a concentração: programa de "
        "aceleração para vendedores médios (treinamento, destaque na busca).\n3. Painel mensal de qualidade por vendedor "
        "(nota, atrasos, reclamações)."),
    "frete": (
        "## Diagnóstico\n- O frete pesa {pct_frete_geral}% do valor dos itens em média, um custo alto para o cliente.\n"
        "- {estado_frete_mais_caro} é o estado mais caro: {pct_frete_mais_caro}% do valor dos itens.\n\n"
        "## Recomendações\n1. Negociar tabelas regionais com transportadoras para {estado_frete_mais_caro}, ou usar um "
        "centro de distribuição mais próximo.\n2. Frete grátis acima de um valor mínimo, para diluir o custo em pedidos maiores.\n"
        "3. Acompanhar a razão frete/valor por estado todo mês."),
    "sazonalidade": (
        "## Diagnóstico\n- Pico em {mes_pico} ({pedidos_pico} pedidos) e vale em {mes_vale} ({pedidos_vale} pedidos).\n"
        "- A variação de {variacao_pct}% mostra demanda sazonal que precisa de planejamento.\n\n## Recomendações\n"
        "1. Reforçar estoque e logística antes de {mes_pico_curto}.\n2. Campanhas e cupons para estimular vendas em "
        "{mes_vale_curto}, o mês mais fraco.\n3. Planejar compras com base na curva de pedidos do ano anterior."),
    "desempenho_categorias": (
        "## Diagnóstico\n- {categoria_lider} lidera com faturamento de {faturamento_lider_rs} e nota média {nota_lider}.\n"
        "- {pior_nota_categoria} tem a pior nota ({pior_nota}): risco de avaliações negativas.\n\n## Recomendações\n"
        "1. Investigar as reclamações de {pior_nota_categoria} (qualidade, descrição, vendedores) e corrigir.\n"
        "2. Ampliar sortimento e mídia em {categoria_lider}, que já vende e é bem avaliada.\n"
        "3. Meta de nota mínima por categoria, revista todo mês."),
    "pagamentos": (
        "## Diagnóstico\n- {forma_principal} responde por {pct_forma_principal}% dos pedidos; ticket médio geral de "
        "{ticket_medio_geral_rs}.\n- Parcelamento médio de {parcelas_medias_cartao} vezes no cartão.\n\n## Recomendações\n"
        "1. Usar o parcelamento sem juros como alavanca para elevar o ticket médio.\n2. Oferecer Pix/boleto com desconto para "
        "diversificar os meios de pagamento.\n3. Acompanhar a conversão por meio de pagamento e reduzir recusas."),
    "recompra": (
        "## Diagnóstico\n- {clientes} clientes únicos, apenas {pct_recorrentes}% com 2 ou mais pedidos "
        "({pedidos_por_cliente} pedidos por cliente): a recompra é muito baixa.\n- Ticket médio de {ticket_medio_rs}.\n\n"
        "## Recomendações\n1. Cupom de segunda compra enviado poucos dias após a entrega.\n2. Programa de fidelidade "
        "com pontos ou cashback.\n3. Campanhas de reengajamento para quem não compra há meses; medir a taxa de recompra todo mês."),
    "reclamacoes": (
        "## Diagnóstico\n- Nota média {nota_media}; {pct_avaliacoes_negativas}% das avaliações com nota 1 ou 2.\n"
        "- A principal reclamação é {principal_reclamacao} ({pct_principal_reclamacao}% das reclamações).\n\n"
        "## Recomendações\n1. Atacar primeiro {principal_reclamacao}: é onde está a maior parte das reclamações.\n"
        "2. Contato proativo com clientes afetados antes da avaliação.\n3. Meta de redução das avaliações negativas, acompanhada mensalmente."),
    "ticket_estados": (
        "## Diagnóstico\n- Ticket médio geral de {ticket_medio_geral_rs}.\n- {estado_menor_ticket} tem o menor ticket "
        "({menor_ticket_rs}); {estado_maior_ticket} o maior ({maior_ticket_rs}).\n\n## Recomendações\n"
        "1. Em {estado_menor_ticket}, kits e frete grátis acima de um valor mínimo para elevar o ticket.\n"
        "2. Recomendar produtos complementares no carrinho.\n3. Replicar em outros estados o que funciona em {estado_maior_ticket}."),
    "atrasos_estados": (
        "## Diagnóstico\n- Taxa de atraso geral de {taxa_atraso_geral}% e prazo médio de {prazo_medio_dias} dias.\n"
        "- {pior_estado} é o ponto crítico: {taxa_atraso_pior}% das entregas com atraso.\n\n## Recomendações\n"
        "1. Prioridade para {pior_estado}: revisar transportadora e rotas, e renegociar prazos.\n"
        "2. Informar ao cliente prazos realistas no checkout.\n3. Monitorar atraso por estado toda semana."),
    "satisfacao_entrega": (
        "## Diagnóstico\n- {pct_pedidos_atrasados}% dos pedidos chegaram com atraso.\n- Nota média cai de {nota_no_prazo} "
        "(no prazo) para {nota_com_atraso} (com atraso); nota 1 sobe de {pct_nota1_no_prazo}% para {pct_nota1_atraso}%.\n\n"
        "## Recomendações\n1. Reduzir atrasos é a ação que mais protege a nota: revisar transportadoras e prazos.\n"
        "2. Avisar o cliente assim que um atraso for detectado e oferecer compensação.\n3. Acompanhar a nota dos pedidos atrasados toda semana."),
}


# Right numbers, wrong direction: the advice contradicts what the facts say.
INSIGHTS_WRONG_WAY = {
    "vendedores": ("A concentração de {pct_pedidos_top5}% nos 5 maiores é ótima e deve aumentar. Os {vendedores_nota_baixa} "
                   "vendedores com nota baixa não precisam de acompanhamento: a recomendação é cortar o programa de qualidade."),
    "frete": ("Com frete de {pct_frete_geral}% do valor dos itens, o frete está barato. Recomendo aumentar o frete em "
              "{estado_frete_mais_caro} ({pct_frete_mais_caro}%) e acabar com o frete grátis."),
    "sazonalidade": ("{mes_vale} ({pedidos_vale} pedidos) é o melhor mês: concentrar estoque e campanhas nele e reduzir o "
                     "estoque para {mes_pico}, quando a demanda cai."),
    "desempenho_categorias": ("{pior_nota_categoria} tem a melhor nota ({pior_nota}) e deve receber todo o investimento; "
                              "{categoria_lider} deve ser descontinuada."),
    "pagamentos": ("{forma_principal} ({pct_forma_principal}%) é pouco usado; recomendo remover o parcelamento "
                   "({parcelas_medias_cartao} vezes) e aceitar só boleto."),
    "recompra": ("A recompra de {pct_recorrentes}% é excelente: os clientes já voltam sempre, então cortem cupons e "
                 "programas de fidelidade."),
    "reclamacoes": ("Com {pct_avaliacoes_negativas}% de avaliações negativas a loja vai muito bem; {principal_reclamacao} "
                    "não é problema e pode ser ignorado."),
    "ticket_estados": ("{estado_menor_ticket} tem o maior ticket ({menor_ticket_rs}); reduzir investimentos em "
                       "{estado_maior_ticket}, que vende pouco."),
    "atrasos_estados": ("{pior_estado} é o estado com menos atrasos ({taxa_atraso_pior}%): não há o que melhorar na "
                        "logística, reduzir o monitoramento."),
    "satisfacao_entrega": ("O atraso não afeta a nota (no prazo {nota_no_prazo}, com atraso {nota_com_atraso}); não vale "
                           "a pena investir em prazo de entrega."),
}


def _insight_fields(facts: dict) -> dict:
    fields = {k: _num(v) for k, v in facts.items()}
    for k, v in facts.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            fields[f"{k}_rs"] = _money(v)
    for k in ("mes_pico", "mes_vale"):
        if k in facts:
            fields[f"{k}_curto"] = str(facts[k]).split(" de ")[0]
    return fields



def audit_gold(record: dict) -> str:
    """The analyst's answer for the record's topic; the SFT target when the topic has none."""
    reference = record["reference"]
    template = INSIGHTS_GOLD.get(reference.get("topic"))
    if template:
        try:
            return template.format_map(_insight_fields(reference["facts"]))
        except KeyError:
            pass
    return insights_target(record)


def adversarial(record: dict, gold: str) -> dict[str, str]:
    ref = record["reference"]
    user = user_of(record)
    bullets = "\n".join(line for line in user.splitlines() if line.startswith("- "))
    fields = _insight_fields(ref.get("facts", {}))
    try:
        wrong = INSIGHTS_WRONG_WAY[ref["topic"]].format_map(fields)
    except KeyError:
        wrong = "Os números estão ótimos; recomendo reduzir investimentos e não mudar nada."
    return {
        "bullets_copied_plus_verbs": f"{bullets}\n\nRecomendações: otimizar, priorizar, investir.",
        "action_word_salad": "Recomendações: otimizar priorizar investir monitorar ampliar reduzir melhorar aumentar "
                             "implementar estratégia ação plano meta crescimento.",
        "wrong_direction": f"## Análise\n{wrong}",
        "extraction_off_task": json.dumps(EXTRACTION_CONSTANT, ensure_ascii=False),
        "push_off_task": PUSH_OFF_TASK,
        "sql_off_task": SQL_OFF_TASK,
        "spanish": "## Análisis\nLos datos muestran oportunidades de mejora. Recomendamos invertir en marketing, "
                   "mejorar la logística y monitorear los indicadores cada mes.",
        "repeated_word": " ".join(["recomendação"] * 40),
        "generic_advice": "## Recomendações\n- Investir em marketing digital.\n- Melhorar a experiência do cliente.\n"
                          "- Acompanhar os indicadores.",
        "question_restated": user.splitlines()[-1] if user else "",
        "refusal": "Não sei responder.",
        "gold_plus_junk": gold + "\n\n" + JUNK,
    }


def variants(record: dict, gold: str) -> dict[str, str]:
    diagnosis, _, recommendations = gold.partition("## Recomendações")
    flat = " ".join(line.lstrip("-0123456789. ").strip() for line in gold.splitlines()
                    if line.strip() and not line.startswith("##"))
    return {
        "diagnosis_only": diagnosis.strip(),
        "recommendations_only": ("## Recomendações" + recommendations).strip(),
        "one_paragraph": flat,
        "short_summary": next((line.lstrip("- ") for line in gold.splitlines() if line.startswith("- ")), gold),
        "gold_plus_generic": gold + "\n4. Investir em marketing digital.\n5. Melhorar a experiência do cliente.",
        "recommendations_generic_numbers": diagnosis.strip() + "\n\n## Recomendações\n- Investir em marketing.\n"
                                           "- Melhorar o atendimento.",
    }


TASK = TaskSpec(
    name="insights",
    system_prompt=SYSTEM_PROMPT,
    candidates=builder.candidates,
    target=insights_target,
    rewards={"correctness": reward, "study": study_reward},
    weights={
        # The summary's facts, recommendations that act on them in the right direction.
        "correctness": {"facts": 0.35, "actions": 0.20, "grounded": 0.15, "direction": 0.15, "structure": 0.15},
        # The study's (action 0.40, length 0.30, structure 0.20, domain 0.10) with 0.20 moved to
        # using the facts of the data summary.
        "study": {"action_words": 0.30, "length": 0.20, "structure": 0.20, "domain": 0.10, "facts": 0.20},
    },
    in_format=reward.in_format,
    # No independent metric: whether an analysis is good is what the reward itself measures.
    validation_metric=None,
    fallback=re.compile(r"an[aá]lise|estrat[eé]gi|insight|recomenda[cç]"),
    gold=audit_gold,
    adversarial=adversarial,
    variants=variants,
    meta_keys=("category", "template"),
)
