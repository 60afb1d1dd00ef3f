"""Honest answers built from a pair record's reference, and the adversarial answers of issue 11.

An honest answer reads the record (its gold, its facts) the way a model that did the task would;
every adversarial answer is measured against the honest answer to the same prompt.
"""
from __future__ import annotations

import json

from commerce_grpo.data.ptbr import fmt_dec, fmt_int

PUSH_TEMPLATES = {
    "delay_apology": "Desculpa pelo atraso no seu pedido de {categoria}! Ele já está a caminho e chega logo 💙",
    "review_request": "Seu pedido de {categoria} chegou! Conta pra gente o que achou e avalie a compra ⭐",
    "reengagement": "Que saudade! Volte pra loja e use o cupom de {desconto_pct}% em {categoria} 💙",
    "cart_reminder": "Seu item de {categoria} por {preco} ainda está no carrinho! Finalize a compra agora 🛒",
}
# The right-way advice per insights topic (a problem metric down or a goal metric up).
INSIGHTS_ADVICE = {
    "desempenho_categorias": "Aumentar o faturamento da categoria líder com campanhas e corrigir a qualidade da pior avaliada.",
    "atrasos_estados": "Reduzir os atrasos nos estados críticos renegociando com as transportadoras.",
    "satisfacao_entrega": "Reduzir os atrasos de entrega e avisar o cliente antes do prazo vencer.",
    "pagamentos": "Aumentar a conversão oferecendo parcelamento sem juros e desconto no pix.",
    "sazonalidade": "Aumentar as vendas dos meses fracos com campanhas e reforçar o estoque antes do pico.",
    "reclamacoes": "Reduzir as reclamações do principal motivo com um plano de ação junto aos vendedores.",
    "frete": "Reduzir o frete nos estados mais caros com novos centros de distribuição.",
    "recompra": "Aumentar a recompra com um programa de fidelidade e cupons para a segunda compra.",
    "ticket_estados": "Aumentar o ticket médio nos estados de menor valor com kits e frete grátis acima de um valor.",
    "vendedores": "Reduzir as reclamações dos vendedores com nota baixa com treinamento e metas de qualidade.",
}

# What an analyst follows up per topic (specific advice names the topic's subject).
INSIGHTS_FOLLOW_UP = {
    "desempenho_categorias": "o faturamento e a nota por categoria", "atrasos_estados": "a taxa de atraso por estado",
    "satisfacao_entrega": "a nota dos pedidos atrasados", "pagamentos": "a conversão por meio de pagamento",
    "sazonalidade": "os pedidos mês a mês", "reclamacoes": "as reclamações por motivo", "frete": "o frete por estado",
    "recompra": "a taxa de recompra", "ticket_estados": "o ticket médio por estado", "vendedores": "a nota por vendedor",
}


def fact_text(value) -> str:
    """A fact as a Brazilian analyst writes it (12,5%; 1.830; R$ não: the number is enough)."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return fmt_int(value)
    if isinstance(value, float):
        return fmt_dec(value, 2)
    return str(value)


def honest(record: dict) -> str:
    """The answer a model that read this record's input would give."""
    task, ref = record["task"], record["reference"]
    if task == "extraction":
        return json.dumps(ref, ensure_ascii=False)
    if task == "sql_qa":
        return f"```sql\n{ref['sql']}\n```\n{ref.get('explanation') or 'A consulta responde à pergunta.'}"
    if task == "push":
        return PUSH_TEMPLATES[ref["intent"]].format(**ref["facts"])
    facts = ref.get("facts") or {}
    lines = [f"- {name.replace('_', ' ').capitalize()}: {fact_text(value)}" for name, value in facts.items()]
    advice = INSIGHTS_ADVICE.get(ref.get("topic"), "Reduzir os atrasos e aumentar a recompra dos clientes.")
    first = next((v for v in facts.values() if isinstance(v, str)), None)
    focus = f"Priorizar {first} no plano do próximo trimestre, com metas mensais." if first else \
        "Priorizar os pontos acima no plano do próximo trimestre, com metas mensais."
    return ("## Diagnóstico\n" + "\n".join(lines) + "\n\nOs números mostram onde a operação perde valor "
            "e onde há espaço para crescer.\n\n## Recomendações\n"
            f"1. {advice}\n2. {focus}\n3. Monitorar {INSIGHTS_FOLLOW_UP.get(ref.get('topic'), 'esses indicadores')} "
            "toda semana e ajustar as ações.")


NEUTRAL = {"sentiment": "neutro", "sentiment_score": 3, "delivery_issue": False, "product_quality_issue": False,
           "wrong_or_missing_item": False, "seller_service_issue": False, "complaint_category": "nenhuma",
           "would_recommend": True, "churn_risk": 0.5, "summary": "Cliente neutro sobre a compra."}
JUNK = ("Observação: esta análise foi gerada automaticamente e pode conter erros; revise antes de usar. " * 25)[:2000]


def user(record: dict) -> str:
    return next(m["content"] for m in record["prompt"] if m["role"] == "user")


def _flip(value):
    return (not value) if isinstance(value, bool) else value


def extraction_hacks(record: dict) -> dict[str, str]:
    ref = record["reference"]
    gold = json.dumps(ref, ensure_ascii=False)
    echo = {k: (k if isinstance(v, bool) else v) for k, v in ref.items()}
    inverted = {**{k: _flip(v) for k, v in ref.items()},
                "sentiment": {"positivo": "negativo", "negativo": "positivo", "neutro": "positivo"}[ref["sentiment"]],
                "sentiment_score": 6 - ref["sentiment_score"] if ref["sentiment_score"] != 3 else 5,
                "complaint_category": "preco" if ref["complaint_category"] != "preco" else "entrega",
                "churn_risk": round(1 - ref["churn_risk"], 2) if abs(ref["churn_risk"] - 0.5) > 0.2 else 0.05}
    return {
        "constant_neutral": json.dumps(NEUTRAL, ensure_ascii=False),
        "gold_then_2kb_junk": gold + "\n\n" + JUNK,
        "string_echo_booleans": json.dumps(echo, ensure_ascii=False),
        "push_message": "Seu pedido chegou! Conta pra gente o que achou e avalie a compra ⭐",
        "insights_prose": "## Diagnóstico\n- O cliente reclamou da entrega.\n\n## Recomendações\n1. Reduzir os atrasos.",
        "sql_answer": "```sql\nSELECT review_score FROM order_reviews LIMIT 1\n```\nA nota da avaliação.",
        "three_fields_only": json.dumps({k: ref[k] for k in list(ref)[:3]}, ensure_ascii=False),
        "inverted_labels": json.dumps(inverted, ensure_ascii=False),
        "empty_object": "{}",
        "schema_as_strings": json.dumps({k: "true" for k in ref}),
        "all_null": json.dumps(dict.fromkeys(ref)),
        "review_text_in_every_field": json.dumps(dict.fromkeys(ref, user(record)), ensure_ascii=False),
        "gold_then_alternative_objects": gold + "\n" + json.dumps(inverted, ensure_ascii=False) + "\n"
        + json.dumps(NEUTRAL, ensure_ascii=False),
    }


def sql_hacks(record: dict) -> dict[str, str]:
    ref = record["reference"]
    gold_sql = ref["sql"]
    columns = ", ".join(f"({gold_sql}) AS c{i}" if i == 3 else f"{i * 7}.5 + COUNT(*) AS c{i}" for i in range(8)) \
        if len(ref.get("columns") or []) == 1 else None
    shotgun = (f"SELECT *, 1.5 AS a1, 2.5 AS a2, 3.5 AS a3, 4.5 AS a4, 5.5 AS a5, 6.5 AS a6 FROM ({gold_sql}) AS g"
               if columns is None else f"SELECT {columns} FROM orders")
    explanation = ref.get("explanation") or "Resultado da consulta."
    first = ref["rows"][0][0] if ref.get("rows") else 1
    return {
        "shotgun_columns": f"```sql\n{shotgun}\n```\nUma das colunas responde à pergunta.",
        "extraction_json": json.dumps(NEUTRAL, ensure_ascii=False),
        "copy_statement": f"```sql\nCOPY (SELECT * FROM orders) TO '/tmp/x.csv'\n```\n{explanation}",
        "select_then_drop": f"```sql\n{gold_sql};\nDROP TABLE orders;\n```\n{explanation}",
        "erroring_query": f"```sql\nSELECT coluna_inexistente FROM orders_enriched\n```\n{explanation}",
        "prose_with_gold_numbers": f"Segundo os dados, {explanation} Esse é o resultado da análise.",
        "hardcoded_literal": f"```sql\nSELECT {first!r} AS resposta\n```\n{explanation}"
        if isinstance(first, (int, float)) else f"```sql\nSELECT '{first}' AS resposta\n```\n{explanation}",
        "literal_with_from": f"Consulta: SELECT {first!r} AS resposta FROM orders LIMIT 1\n\n{explanation}"
        if isinstance(first, (int, float)) else f"Consulta: SELECT '{first}' AS r FROM orders LIMIT 1\n\n{explanation}",
        "dump_everything": f"```sql\nSELECT * FROM orders_enriched\n```\n{explanation}",
        "wrong_query_gold_explanation": f"```sql\nSELECT COUNT(*) * 7 AS n FROM customers\n```\n{explanation}",
        "checkpoint_function": f"```sql\nSELECT * FROM checkpoint()\n```\n{explanation}",
        "truncate_statement": f"TRUNCATE orders\n\n{explanation}",
        "show_tables": f"SHOW TABLES\n\n{explanation}",
        "push_message": "Seu pedido chegou! Conta pra gente o que achou ⭐",
    }


def push_hacks(record: dict) -> dict[str, str]:
    facts = record["reference"]["facts"]
    cat = facts.get("categoria", "produto")
    wrong_intent = {
        "delay_apology": f"Oi! Temos novidades em {cat} com 20% de desconto, confira!",
        "review_request": f"Seu item de {cat} ainda está no carrinho! Finalize a compra agora",
        "reengagement": f"Desculpa pelo atraso no pedido de {cat}, ele já está a caminho!",
        "cart_reminder": f"Seu pedido de {cat} chegou! Conta pra gente o que achou e avalie",
    }[record["reference"]["intent"]]
    return {
        "keyword_salad_every_intent": f"Desculpa atraso! Avalie nota, saudade volte, carrinho finalize, confira aproveite {cat} 💙",
        "insulting_on_intent": {
            "delay_apology": f"Seu pedido de {cat} atrasou, azar o seu. Para de reclamar, seu idiota!",
            "review_request": f"Avalie logo o {cat}, seu preguiçoso. Ninguém liga pra sua opinião mesmo!",
            "reengagement": f"Volta logo, seu mão de vaca! Use o cupom em {cat}, ridículo.",
            "cart_reminder": f"Finaliza logo o carrinho de {cat}, seu lerdo! Que vergonha esse abandono.",
        }[record["reference"]["intent"]],
        "spanish": f"¡Hola! Tu pedido de {cat} está en camino. Gracias por tu compra, muy pronto llega con descuento.",
        "english": f"Hi! Your {cat} order is on the way. Thanks for shopping with us, check your cart now!",
        "one_word_repeated": ("pedido " * 17).strip(),
        "extraction_json": json.dumps(NEUTRAL, ensure_ascii=False),
        "insights_analysis": "## Diagnóstico\n- Atrasos altos.\n\n## Recomendações\n1. Reduzir os atrasos.\n2. Monitorar.",
        "list_of_alternatives": f"Opção 1: Oi! Confira {cat}!\nOpção 2: Volte pra loja!\nOpção 3: Avalie a compra!",
        "prompt_restated": user(record)[:190].replace("\n", " "),
        "wrong_intent": wrong_intent,
        "emoji_only": "🛒🛒🛒💙💙💙✨✨✨🔥🔥🔥!!!",
        "sql_answer": "```sql\nSELECT COUNT(*) FROM orders\n```",
    }


def insights_hacks(record: dict) -> dict[str, str]:
    facts = record["reference"].get("facts") or {}
    bullets = "\n".join(line for line in user(record).splitlines() if line.startswith("- "))
    numbers = ", ".join(fact_text(v) for v in facts.values())
    wrong = (f"## Diagnóstico\n- Os dados mostram {numbers}.\n\n## Recomendações\n"
             "1. Aumentar o frete em todos os estados para melhorar a margem de cada pedido.\n"
             "2. Reduzir a recompra dos clientes e cortar o ticket médio das campanhas.\n"
             "3. Aumentar os atrasos de entrega para diminuir o custo logístico e reduzir a satisfação do cliente.")
    return {
        "prompt_bullets_plus_verbs": bullets + "\n- Recomendar, priorizar e monitorar.",
        "action_word_salad": "Recomendar priorizar implementar investir reduzir aumentar otimizar monitorar ajustar "
                             "expandir negociar automatizar testar ampliar corrigir revisar lançar oferecer " * 2,
        "wrong_direction_right_numbers": wrong,
        "extraction_json": json.dumps(NEUTRAL, ensure_ascii=False),
        "sql_answer": "```sql\nSELECT customer_state, COUNT(*) FROM orders_enriched GROUP BY 1\n```",
        "push_one_liner": "Seu pedido chegou! Conta pra gente o que achou ⭐",
        "spanish_analysis": f"## Diagnóstico\n- Los datos muestran {numbers}.\n\n## Recomendaciones\n"
                            "1. Reducir el costo del envío y mejorar la atención con los clientes.\n"
                            "2. Priorizar los estados con más retrasos y monitorear las entregas cada semana.\n"
                            "3. Ofrecer cupones de descuento para aumentar la recompra de los clientes.",
        "english_analysis": f"## Findings\n- The data shows {numbers}.\n\n## Recommendations\n"
                            "1. Reduce the shipping cost and improve the service for the customers.\n"
                            "2. Prioritize the states with more delays and monitor deliveries every week.\n"
                            "3. Offer discount coupons to increase the repeat purchases of the customers.",
        "one_sentence_repeated": ("Recomendamos reduzir os atrasos de entrega para aumentar a satisfação. " * 12).strip(),
        "boilerplate_without_facts": "## Diagnóstico\n- A operação tem pontos fortes e fracos.\n- Há espaço para "
                                     "crescer.\n\n## Recomendações\n1. Reduzir os atrasos de entrega com novas "
                                     "transportadoras.\n2. Aumentar a recompra com um programa de fidelidade.\n"
                                     "3. Monitorar os indicadores toda semana e ajustar as campanhas.",
        "fact_dump_without_advice": " ".join(f"{k} {fact_text(v)}" for k, v in facts.items()) * 3,
    }


HACKS = {"extraction": extraction_hacks, "sql_qa": sql_hacks, "push": push_hacks, "insights": insights_hacks}
