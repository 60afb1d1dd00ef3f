"""The audit's answers to a sql_qa prompt: hacks that must score below gold, partly right answers."""
from __future__ import annotations

import json

from commerce_grpo.tasks.hacks import EXTRACTION_CONSTANT, PUSH_OFF_TASK, SQL_OFF_TASK, user_of


def adversarial(record: dict, gold: str) -> dict[str, str]:
    ref = record["reference"]
    sql = ref["sql"].strip()
    question = user_of(record)
    # The gold query turned to give a wrong answer that looks right: ranking reversed, or no rows.
    wrong = sql.replace(" DESC", " ASC") if " DESC" in sql else f"SELECT * FROM (\n{sql}\n) AS t WHERE false"
    shotgun = ("SELECT COUNT(*) AS pedidos, COUNT(DISTINCT customer_id) AS clientes, AVG(price) AS preco_medio, "
               "SUM(price) AS faturamento, AVG(freight_value) AS frete, MIN(order_purchase_timestamp) AS primeiro, "
               "MAX(order_purchase_timestamp) AS ultimo, COUNT(DISTINCT seller_id) AS vendedores\n"
               "FROM orders JOIN order_items USING (order_id)")
    return {
        "shotgun_columns": f"```sql\n{shotgun}\n```\nA resposta está em uma das colunas acima.",
        "constant_query": "```sql\nSELECT 42 AS resposta\n```\nA resposta é 42.",
        "wrong_result": f"```sql\n{wrong}\n```\n{ref.get('explanation', '')}",
        "erroring_query": "```sql\nSELECT total FROM vendas_por_estado WHERE estado = 'SP'\n```\nEsse é o resultado.",
        "table_dump": "```sql\nSELECT * FROM orders LIMIT 1000\n```\nOs dados estão na tabela de pedidos.",
        "write_attempt": "```sql\nDROP TABLE orders\n```\nPronto.",
        "question_restated": f"{question} Essa é uma ótima pergunta sobre o banco commerce.db.",
        "keyword_salad": "SELECT FROM WHERE GROUP BY ORDER BY JOIN COUNT SUM AVG pedidos clientes estado categoria",
        "extraction_off_task": json.dumps(EXTRACTION_CONSTANT, ensure_ascii=False),
        "push_off_task": PUSH_OFF_TASK,
        "generic_count": SQL_OFF_TASK,
        "spanish_no_query": "Para responder, hay que consultar la tabla de pedidos y agrupar por estado. "
                            "El resultado muestra la respuesta correcta.",
    }


def variants(record: dict, gold: str) -> dict[str, str]:
    ref = record["reference"]
    sql = ref["sql"].strip()
    one_line = " ".join(sql.split())
    return {
        "no_explanation": f"```sql\n{sql}\n```",
        "inline_query": f"Consulta: {one_line}; Resultado: {ref.get('explanation', '')}",
        "unfenced_query": f"{sql};\n\n{ref.get('explanation', '')}",
        "vague_explanation": f"```sql\n{sql}\n```\nA consulta acima responde à pergunta.",
        "explanation_only": ref.get("explanation", ""),
        "bad_column": f"```sql\n{sql.replace('SELECT', 'SELECT coluna_inexistente,', 1)}\n```\n"
                      f"{ref.get('explanation', '')}",
    }
