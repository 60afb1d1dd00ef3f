"""The audit's answers to an insights prompt: hacks that must score below the honest answer
(``target``, an analyst's answer per topic), and partly right answers."""
from __future__ import annotations

import json

from commerce_grpo.tasks.hacks import EXTRACTION_CONSTANT, JUNK, PUSH_OFF_TASK, SQL_OFF_TASK, user_of

from .target import insight_fields


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


def adversarial(record: dict, gold: str) -> dict[str, str]:
    ref = record["reference"]
    user = user_of(record)
    bullets = "\n".join(line for line in user.splitlines() if line.startswith("- "))
    fields = insight_fields(ref.get("facts", {}))
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
