"""The honest push answer (SFT demonstration, audit gold): one message per intent, within the limit.

The warm-up teaches output formats (L-sft-warmup), so the answer is a short message in the shape
the reward asks for, filled with the context's concrete content.
"""
from __future__ import annotations

from commerce_grpo.tasklib.prompts import PUSH_MAX_CHARS

# One message per intent, filled from the reference facts; the generic line when a fact is missing.
PUSH_TEMPLATES = {
    # The order was delivered late (the prompt says so): no promise that it is on its way.
    "delay_apology": "Foi mal pelo atraso na entrega do seu pedido de {categoria}! Qualquer coisa, fala com a gente 💜",
    "review_request": "Seu pedido de {categoria} chegou! Conta pra gente o que achou e deixe sua avaliação ⭐",
    "reengagement": "Sentimos sua falta! Volte e aproveite {desconto_pct}% off em {categoria} 💜",
    "cart_reminder": "Você deixou {categoria} no carrinho! Finalize agora e garanta o seu 🛒",
}
# When a template's fact is missing: still the intent, without the concrete content (a generic
# "news in the app" line would teach the wrong intent, which the correctness rewards score ~0).
PUSH_FALLBACKS = {
    "delay_apology": "Foi mal pelo atraso na entrega do seu pedido! Qualquer coisa, fala com a gente no app 💜",
    "review_request": "Seu pedido chegou! Conta pra gente o que achou e deixe sua avaliação ⭐",
    "reengagement": "Sentimos sua falta! Volte e confira as novidades que separamos pra você 💜",
    "cart_reminder": "Você deixou um item no carrinho! Finalize agora e garanta o seu 🛒",
}
PUSH_FALLBACK = "Temos novidades pra você! Confira no app 😉"


def target(record: dict) -> str:
    """The intent's message filled from the reference facts, within the limit; its fallback otherwise."""
    reference = record["reference"]
    limit = min(reference.get("max_chars", PUSH_MAX_CHARS), PUSH_MAX_CHARS)
    fallback = PUSH_FALLBACKS.get(reference.get("intent"), PUSH_FALLBACK)
    try:
        text = PUSH_TEMPLATES[reference["intent"]].format_map(reference["facts"])
    except KeyError:
        text = fallback
    return text if len(text) <= limit else fallback
