"""The audit's answers to an extraction prompt: hacks that must score below gold, partly right answers."""
from __future__ import annotations

import json

from commerce_grpo.tasks.hacks import EXTRACTION_CONSTANT, JUNK, PUSH_OFF_TASK, SQL_OFF_TASK, user_of

from .red_team import red_team

# Answers that read the stars and not the comment (issue 27's hack classes), from the red team.
TEXT_BLIND = ("star_derived", "per_star_lookup", "another_review_same_stars")

FLIP_SENTIMENT = {"positivo": "negativo", "negativo": "positivo", "neutro": "negativo"}


def adversarial(record: dict, gold: str) -> dict[str, str]:
    ref = record["reference"]
    echo = {k: (k if isinstance(v, bool) else v) for k, v in ref.items()}
    inverted = {**ref, "sentiment": FLIP_SENTIMENT.get(ref.get("sentiment"), "positivo"),
                "sentiment_score": 6 - int(ref.get("sentiment_score", 3)),
                **{k: not v for k, v in ref.items() if isinstance(v, bool)},
                "churn_risk": round(1 - float(ref.get("churn_risk", 0.5)), 2)}
    review = user_of(record).split("\n", 1)[-1]
    return {
        "constant_neutral": json.dumps(EXTRACTION_CONSTANT, ensure_ascii=False),
        "constant_positive": json.dumps({**EXTRACTION_CONSTANT, "sentiment": "positivo", "sentiment_score": 5,
                                         "churn_risk": 0.1, "summary": "Cliente satisfeito."}, ensure_ascii=False),
        "gold_plus_junk": gold + "\n" + JUNK,
        "string_echo_booleans": json.dumps(echo, ensure_ascii=False),
        "inverted_labels": json.dumps(inverted, ensure_ascii=False),
        "empty_object": "{}",
        "keys_with_nulls": json.dumps(dict.fromkeys(ref, None)),
        "prose_summary": f"O cliente deu nota {ref.get('sentiment_score')} e o sentimento é {ref.get('sentiment')}. "
                         f"{ref.get('summary', '')}",
        "sql_off_task": SQL_OFF_TASK,
        "push_off_task": PUSH_OFF_TASK,
        "keyword_salad": "sentiment positivo neutro negativo delivery_issue true false qualidade entrega item_errado "
                         "atendimento preco would_recommend churn_risk summary",
        "review_restated": review,
        **{name: answer for name, answer in red_team(record["prompt"]).items() if name in TEXT_BLIND},
    }


def variants(record: dict, gold: str) -> dict[str, str]:
    ref = record["reference"]
    flags = [k for k, v in ref.items() if isinstance(v, bool)]
    one_flag = {**ref, flags[0]: not ref[flags[0]]} if flags else ref
    other_category = "outro" if ref.get("complaint_category") != "outro" else "preco"
    no_summary = {k: v for k, v in ref.items() if k != "summary"}
    churn = float(ref.get("churn_risk", 0.5))
    comma = json.dumps(ref, ensure_ascii=False, indent=2).replace(json.dumps(churn), f"{churn:.2f}".replace(".", ","))
    nota = int(ref.get("sentiment_score", 3))
    score_off = {**ref, "sentiment_score": nota + 1 if nota < 5 else nota - 1}
    return {
        "one_flag_wrong": json.dumps(one_flag, ensure_ascii=False),
        "category_wrong": json.dumps({**ref, "complaint_category": other_category}, ensure_ascii=False),
        "summary_missing": json.dumps(no_summary, ensure_ascii=False),
        "fenced_with_sentence": f"Segue a extração:\n```json\n{json.dumps(ref, ensure_ascii=False, indent=2)}\n```",
        "decimal_comma": comma,
        "score_off_by_one": json.dumps(score_off, ensure_ascii=False),
    }
