"""The insights honest answer (SFT demonstration, audit gold): an analyst's answer per topic.

It reads the facts, says what they mean and recommends in the direction they point, naming the
summary's own entities (L-sft-warmup: the warm-up teaches the format the reward asks for). A topic
without an analyst's template gets the facts listed back under a recommendations header.
"""
from __future__ import annotations

from typing import Any


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


def insight_fields(facts: dict) -> dict:
    fields = {k: _num(v) for k, v in facts.items()}
    for k, v in facts.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            fields[f"{k}_rs"] = _money(v)
    for k in ("mes_pico", "mes_vale"):
        if k in facts:
            fields[f"{k}_curto"] = str(facts[k]).split(" de ")[0]
    return fields


FALLBACK_RECOMMENDATIONS = (
    "- Priorizar o ponto mais fraco apontado pelos dados e definir uma meta mensal.",
    "- Monitorar estes números a cada mês e ajustar as ações conforme o resultado.",
    "- Investir nos segmentos de melhor desempenho para aumentar a receita.",
)


def target(record: dict) -> str:
    """The analyst's answer for the record's topic; the facts listed back when the topic has none."""
    reference = record["reference"]
    template = INSIGHTS_GOLD.get(reference.get("topic"))
    if template:
        try:
            return template.format_map(insight_fields(reference["facts"]))
        except KeyError:
            pass
    facts = "\n".join(f"- {name.replace('_', ' ')}: {_num(value)}" for name, value in reference["facts"].items())
    return (f"## Análise: {str(reference.get('topic', '')).replace('_', ' ')}\n{facts}\n\n## Recomendações\n"
            + "\n".join(FALLBACK_RECOMMENDATIONS))
