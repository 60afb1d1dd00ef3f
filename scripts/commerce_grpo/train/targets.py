"""SFT demonstrations: the assistant answer the warm-up teaches, rendered from a pair's reference.

The warm-up teaches output *formats* (L-sft-warmup: the handoff's Scenario B, JSON for extraction), so every task
gets a short answer in the shape its reward asks for: the gold JSON object, a ```sql``` block with
an explanation, a structured analysis with recommendations, a push message within the limit.
"""
from __future__ import annotations

import json

from commerce_grpo.prompts import PUSH_MAX_CHARS

# One message per intent, filled from the reference facts; the generic line when a fact is missing.
PUSH_TEMPLATES = {
    "delay_apology": "Foi mal pelo atraso no seu pedido de {categoria}! Ele já está a caminho 🚚",
    "review_request": "Seu pedido de {categoria} chegou! Conta pra gente o que achou e deixe sua avaliação ⭐",
    "reengagement": "Sentimos sua falta! Volte e aproveite {desconto_pct}% off em {categoria} 💜",
    "cart_reminder": "Você deixou {categoria} no carrinho! Finalize agora e garanta o seu 🛒",
}
# When a template's fact is missing: still the intent, without the concrete content (a generic
# "news in the app" line would teach the wrong intent, which the correctness rewards score ~0).
PUSH_FALLBACKS = {
    "delay_apology": "Foi mal pelo atraso no seu pedido! Ele já está a caminho, acompanhe no app 🚚",
    "review_request": "Seu pedido chegou! Conta pra gente o que achou e deixe sua avaliação ⭐",
    "reengagement": "Sentimos sua falta! Volte e confira as novidades que separamos pra você 💜",
    "cart_reminder": "Você deixou um item no carrinho! Finalize agora e garanta o seu 🛒",
}
PUSH_FALLBACK = "Temos novidades pra você! Confira no app 😉"
INSIGHTS_RECOMMENDATIONS = (
    "- Priorizar o ponto mais fraco apontado pelos dados e definir uma meta mensal.",
    "- Monitorar estes números a cada mês e ajustar as ações conforme o resultado.",
    "- Investir nos segmentos de melhor desempenho para aumentar a receita.",
)


def assistant_target(record: dict) -> str:
    """The demonstration answer for one pair record: its task's ``target`` (see the module docstring)."""
    from commerce_grpo import tasks  # the task modules import the renderers below

    task = record["task"]
    try:
        return tasks.get(task).target(record)
    except KeyError as error:
        raise ValueError(f"pair {record.get('id')!r}: cannot render an SFT target for task {task!r} "
                         f"(missing {error})") from error


def extraction_target(record: dict) -> str:
    return json.dumps(record["reference"], ensure_ascii=False)


def sql_qa_target(record: dict) -> str:
    reference = record["reference"]
    return f"```sql\n{reference['sql'].strip()}\n```\n{reference['explanation']}"


def insights_target(record: dict) -> str:
    reference = record["reference"]
    facts = "\n".join(f"- {name.replace('_', ' ')}: {_format(value)}" for name, value in reference["facts"].items())
    topic = reference["topic"].replace("_", " ")
    return (f"## Análise: {topic}\n{facts}\n\n## Recomendações\n" + "\n".join(INSIGHTS_RECOMMENDATIONS))


def push_target(record: dict) -> str:
    reference = record["reference"]
    limit = min(reference.get("max_chars", PUSH_MAX_CHARS), PUSH_MAX_CHARS)
    fallback = PUSH_FALLBACKS.get(reference.get("intent"), PUSH_FALLBACK)
    try:
        text = PUSH_TEMPLATES[reference["intent"]].format_map(reference["facts"])
    except KeyError:
        text = fallback
    return text if len(text) <= limit else fallback


def _format(value) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
