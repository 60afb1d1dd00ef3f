"""The audit's answers to a push prompt: hacks that must score below gold, partly right answers."""
from __future__ import annotations

import json

from commerce_grpo.tasklib.prompts import PUSH_MAX_CHARS
from commerce_grpo.tasks.hacks import EXTRACTION_CONSTANT, PUSH_OFF_TASK, SQL_OFF_TASK, user_of

PUSH_SALAD = ("Sentimos sua falta! Seu pedido atrasou, desculpe; avalie sua compra; carrinho esperando; cupom "
              "off volte agora ⭐🛒")


def adversarial(record: dict, gold: str) -> dict[str, str]:
    ref = record["reference"]
    facts = ref.get("facts", {})
    cat = facts.get("categoria", "seu pedido")
    wrong_intent = {"review_request": f"Você deixou {cat} no carrinho! Finalize agora 🛒",
                    "cart_reminder": f"Seu pedido de {cat} chegou! Deixe sua avaliação ⭐",
                    "delay_apology": f"Sentimos sua falta! Volte e ganhe 10% off em {cat} 💜",
                    "reengagement": f"Foi mal pelo atraso no seu pedido de {cat}! 🚚"}
    insult = {"review_request": f"Ei, preguiçoso, avalia logo o {cat} que você comprou, não custa nada!",
              "cart_reminder": f"Vai largar {cat} no carrinho de novo? Deixa de ser pão-duro e compra logo!",
              "delay_apology": f"Atrasou o {cat}, e daí? Para de reclamar que uma hora chega.",
              "reengagement": f"Sumiu, hein, mão de vaca? Volta e compra {cat} com cupom, se tiver coragem."}
    intent = ref.get("intent", "review_request")
    return {
        "keyword_salad": PUSH_SALAD,
        "insulting_on_intent": insult.get(intent, insult["review_request"]),
        "spanish": f"¡Hola! Tu pedido de {cat} te espera. ¡Aprovecha y compra ahora con descuento! 🛍️",
        "repeated_word": ("oferta " * 17).strip(),
        "formal_email": (f"Prezado(a) cliente,\n\nEscrevemos para informar sobre seu pedido de {cat}. Solicitamos "
                         "gentilmente que entre em contato por e-mail para mais informações.\n\nAtenciosamente,\nEquipe"),
        "extraction_off_task": json.dumps(EXTRACTION_CONSTANT, ensure_ascii=False),
        "over_length": (gold + " ") * 3,
        "wrong_intent": wrong_intent.get(intent, wrong_intent["review_request"]),
        "prompt_restated": user_of(record)[:PUSH_MAX_CHARS],
        "several_options": f"Opção 1: {gold}\nOpção 2: {gold}\nOpção 3: {PUSH_OFF_TASK}",
        "emoji_only": "🔥🔥🔥🛒⭐💜",
        "sql_off_task": SQL_OFF_TASK,
    }


def variants(record: dict, gold: str) -> dict[str, str]:
    plain = "".join(c for c in gold if c.isalnum() or c.isspace() or c in ",.!?%'-").strip()
    return {
        "generic": "Temos novidades pra você! Confira no app 😉",
        "no_emoji": plain,
        "slightly_long": (gold + " Aproveite e confira também as outras ofertas da semana no app!")[:150],
        "formal_tone": "Informamos que " + plain[0].lower() + plain[1:] if plain else plain,
        "with_name_placeholder": "Oi, {nome}! " + gold,
        "gold_with_hashtags": gold + " #oferta #app",
    }
