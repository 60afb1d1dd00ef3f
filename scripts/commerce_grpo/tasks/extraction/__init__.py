"""Extraction: a customer review → one JSON object with the review's labels (sentiment, issues, churn).

``builder`` makes the pairs from the reviews of commerce.db, ``target`` is the honest answer (the
gold JSON), ``reward`` and ``study_reward`` score an answer under each preset, ``audit`` gives the
audit its hacks and partly right answers. Validation logs the valid-JSON rate (plain
``json.loads``, not the reward's lenient parser).
"""
from __future__ import annotations

import json
import re

from commerce_grpo.tasks.spec import TaskSpec

from . import reward, study_reward
from .audit import adversarial, variants
from .builder import candidates
from .red_team import equivalents, red_team
from .target import target

SYSTEM_PROMPT = (
    "Tarefa: extração estruturada de avaliações de clientes. "
    "Leia a avaliação e responda somente com um objeto JSON com os campos: "
    "sentiment (positivo|neutro|negativo), sentiment_score (inteiro 1-5), delivery_issue (bool), "
    "product_quality_issue (bool), wrong_or_missing_item (bool), seller_service_issue (bool), "
    "complaint_category (entrega|qualidade|item_errado|atendimento|preco|outro|nenhuma), "
    "would_recommend (bool), churn_risk (número 0-1), summary (texto até 140 caracteres)."
)
_FENCE = re.compile(r"^```[a-zA-Z]*\s*\n?(.*?)\n?```\s*$", re.S)


def is_valid_json_object(text: str) -> bool:
    """Plain ``json.loads`` of the answer (one optional fence around it) gives an object."""
    match = _FENCE.match(text.strip())
    try:
        return isinstance(json.loads(match.group(1) if match else text), dict)
    except ValueError:
        return False


TASK = TaskSpec(
    name="extraction",
    system_prompt=SYSTEM_PROMPT,
    candidates=candidates,
    target=target,
    rewards={"correctness": reward, "study": study_reward},
    weights={
        # Field agreement with the review's gold labels, the comment's fields first (the star
        # fields are paid as far as those are right, every component as far as the summary is
        # this review's); ``format`` is format quality times accuracy. See reward.py.
        "correctness": {"sentiment": 0.10, "sentiment_score": 0.10, "issues": 0.25, "would_recommend": 0.10,
                        "complaint_category": 0.15, "churn_band": 0.10, "summary": 0.10, "format": 0.10},
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
    kind=lambda record: str(record["source"]["review_score"]),
    red_team=red_team,
    equivalents=equivalents,
)
