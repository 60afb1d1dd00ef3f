"""sql_qa: a business question → a DuckDB query over commerce.db in a ```sql``` block, explained in PT-BR.

Validation logs the executes-and-matches rate (the query's result equals the gold result).
"""
from __future__ import annotations

import json
import re

from commerce_grpo.data.tasks import sql_qa as builder
from commerce_grpo.rewards import sql_qa as reward
from commerce_grpo.rewards.study import sql_qa as study_reward
from commerce_grpo.tasks.hacks import EXTRACTION_CONSTANT, PUSH_OFF_TASK, SQL_OFF_TASK, user_of
from commerce_grpo.tasks.spec import TaskSpec
from commerce_grpo.train.targets import sql_qa_target

SYSTEM_PROMPT = (
    "Tarefa: perguntas de negócio com SQL. "
    "Responda com uma consulta SQL DuckDB sobre o banco commerce.db dentro de um bloco ```sql``` "
    "e uma explicação curta do resultado em português."
)


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


TASK = TaskSpec(
    name="sql_qa",
    system_prompt=SYSTEM_PROMPT,
    candidates=builder.candidates,
    target=sql_qa_target,
    rewards={"correctness": reward, "study": study_reward},
    weights={
        # The result against gold is the core; nothing a multi-column shotgun can collect.
        "correctness": {"result_match": 0.70, "executes": 0.10, "explanation": 0.10, "numbers": 0.10},
        # Execution against commerce.db carries most of the weight; the study's four tiers
        # (0.30/0.25/0.25/0.20, scaled to 0.35) remain as partial credit.
        "study": {"result_match": 0.45, "executes": 0.20, "sql_structure": 0.105, "query_explanation": 0.0875,
                  "numbers": 0.0875, "domain": 0.07},
    },
    in_format=reward.in_format,
    validation_metric=("sql_qa_exec_match_rate",
                       lambda text, components: float(components.get("result_match", 0.0) >= 1.0)),
    fallback=re.compile(r"\bsql\b|consulta|\bselect\b"),
    adversarial=adversarial,
    rater_facts=lambda record: {"gold_result": {"columns": record["reference"].get("columns"),
                                                "rows": record["reference"].get("rows")}},
    variants=variants,
    meta_keys=("category", "state", "template"),
)
