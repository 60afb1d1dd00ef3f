"""Extraction: a customer review → one JSON object with the review's labels (sentiment, issues, churn).

Validation logs the valid-JSON rate (plain ``json.loads``, not the reward's lenient parser).
"""
from __future__ import annotations

import json
import re

from commerce_grpo.data.tasks import extraction as builder
from commerce_grpo.rewards import extraction as reward
from commerce_grpo.rewards.study import extraction as study_reward
from commerce_grpo.tasks.hacks import EXTRACTION_CONSTANT, JUNK, PUSH_OFF_TASK, SQL_OFF_TASK, user_of
from commerce_grpo.tasks.spec import TaskSpec
from commerce_grpo.train.targets import extraction_target

SYSTEM_PROMPT = (
    "Tarefa: extração estruturada de avaliações de clientes. "
    "Leia a avaliação e responda somente com um objeto JSON com os campos: "
    "sentiment (positivo|neutro|negativo), sentiment_score (inteiro 1-5), delivery_issue (bool), "
    "product_quality_issue (bool), wrong_or_missing_item (bool), seller_service_issue (bool), "
    "complaint_category (entrega|qualidade|item_errado|atendimento|preco|outro|nenhuma), "
    "would_recommend (bool), churn_risk (número 0-1), summary (texto até 140 caracteres)."
)
_FENCE = re.compile(r"^```[a-zA-Z]*\s*\n?(.*?)\n?```\s*$", re.S)
FLIP_SENTIMENT = {"positivo": "negativo", "negativo": "positivo", "neutro": "negativo"}


def is_valid_json_object(text: str) -> bool:
    """Plain ``json.loads`` of the answer (one optional fence around it) gives an object."""
    match = _FENCE.match(text.strip())
    try:
        return isinstance(json.loads(match.group(1) if match else text), dict)
    except ValueError:
        return False


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


TASK = TaskSpec(
    name="extraction",
    system_prompt=SYSTEM_PROMPT,
    candidates=builder.candidates,
    target=extraction_target,
    rewards={"correctness": reward, "study": study_reward},
    weights={
        # Field agreement with the review's gold labels; ``format`` is format quality times
        # accuracy, so format never pays a wrong answer. See rewards/extraction.py.
        "correctness": {"sentiment": 0.15, "sentiment_score": 0.15, "issues": 0.25, "complaint_category": 0.15,
                        "would_recommend": 0.10, "churn_band": 0.10, "format": 0.10},
        # The study's reward plus a reference-match component (field agreement with gold).
        "study": {"json_valid": 0.25, "schema_complete": 0.25, "value_valid": 0.30, "reference_match": 0.20,
                  "sentiment_mismatch_penalty": 0.20},
    },
    in_format=reward.in_format,
    validation_metric=("extraction_json_valid_rate", lambda text, components: float(is_valid_json_object(text))),
    fallback=re.compile(r"\bjson\b|extra[cç][aã]o|avalia[cç][aã]o do pedido \(nota"),
    adversarial=adversarial,
    rater_facts=lambda record: {"review_score": record.get("source", {}).get("review_score")},
    variants=variants,
    meta_keys=("category", "state", "score"),
)
