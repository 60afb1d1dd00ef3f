"""Extraction reward, study preset: the 10-field JSON of a customer review (docs/contracts.md).

Components: json_valid (an object parses: 1, or 0.5 when only json-repair could read it — a
truncated or Python-syntax object is not valid JSON), schema_complete (fields present / 10), value_valid
(type and range checks / 10), reference_match (field agreement with gold) and the penalty
sentiment_mismatch (the sentiment contradicts the review's nota). The type checks are the
specification the study's model learned from reward alone: booleans must be JSON booleans (not the
string echo ``"delivery_issue": "delivery_issue"``) and sentiment_score an int that is not a bool
(V4.2.1 hotfix).
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from commerce_grpo.tasklib.parsing import parse_json
from commerce_grpo.tasklib.prompts import COMPLAINT_CATEGORIES, EXTRACTION_FIELDS, SENTIMENTS
from commerce_grpo.tasklib.vocab import fold

from .reward import _is_int, valid as _valid  # one schema check for both presets

BOOL_FIELDS = ("delivery_issue", "product_quality_issue", "wrong_or_missing_item", "seller_service_issue",
               "would_recommend")
SUMMARY_MAX_CHARS = 140
REPAIRED_JSON_CREDIT = 0.5
_NOTA = re.compile(r"nota\s*(\d)\s*/\s*5")
_WORD = re.compile(r"\w{3,}")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _words(text: str) -> set[str]:
    return set(_WORD.findall(fold(text)))


def _agreement(field: str, v: Any, gold: Any) -> float:
    """How far one field agrees with gold, in [0, 1]; invalid values never agree."""
    if not _valid(field, v):
        return 0.0
    if field == "sentiment_score":
        return {0: 1.0, 1: 0.5}.get(abs(v - gold), 0.0) if _is_int(gold) else 0.0
    if field == "churn_risk":
        return max(0.0, 1.0 - abs(v - gold) / 0.5) if _is_number(gold) else 0.0
    if field == "summary":
        if not isinstance(gold, str):
            return 0.0
        a, b = _words(v), _words(gold)
        return min(1.0, 2 * len(a & b) / len(a | b)) if a | b else 0.0
    return 1.0 if v == gold else 0.0


def review_nota(record: Mapping[str, Any]) -> int | None:
    """The review's star rating: source.review_score, else "nota N/5" in the user message."""
    source = record.get("source") or {}
    nota = source.get("review_score") if isinstance(source, Mapping) else None
    if _is_int(nota) and 1 <= nota <= 5:
        return nota
    for message in record.get("prompt") or []:
        if isinstance(message, Mapping) and message.get("role") == "user":
            m = _NOTA.search(str(message.get("content", "")))
            if m and 1 <= int(m.group(1)) <= 5:
                return int(m.group(1))
    return None


def _mismatch(data: Mapping[str, Any], nota: int | None) -> float:
    if nota is None:
        return 0.0
    sentiment, score = data.get("sentiment"), data.get("sentiment_score")
    if (sentiment == "positivo" and nota <= 2) or (sentiment == "negativo" and nota >= 4):
        return 1.0
    if _is_int(score) and abs(score - nota) >= 2:
        return 1.0
    return 0.0


def components(record: Mapping[str, Any], text: str, **_) -> dict[str, float]:
    data, method = parse_json(text)
    if data is None:
        return {}
    gold = record.get("reference") or {}
    present = [f for f in EXTRACTION_FIELDS if f in data]
    return {
        "json_valid": REPAIRED_JSON_CREDIT if method == "repair" else 1.0,
        "schema_complete": len(present) / len(EXTRACTION_FIELDS),
        "value_valid": sum(_valid(f, data[f]) for f in present) / len(EXTRACTION_FIELDS),
        "reference_match": (
            sum(_agreement(f, data[f], gold.get(f)) for f in present) / len(EXTRACTION_FIELDS)
            if isinstance(gold, Mapping) else 0.0
        ),
        "sentiment_mismatch": _mismatch(data, review_nota(record)),
    }
