"""Answers the audit's adversarial suites share: junk, and answers in another task's format.

A policy that games one task often answers in another task's shape; every task's suite includes
the other tasks' typical answers, so they live here once.
"""
from __future__ import annotations

JUNK = ("lorem ipsum dolor sit amet " * 80).strip()
EXTRACTION_CONSTANT = {"sentiment": "neutro", "sentiment_score": 3, "delivery_issue": False,
                       "product_quality_issue": False, "wrong_or_missing_item": False,
                       "seller_service_issue": False, "complaint_category": "nenhuma", "would_recommend": True,
                       "churn_risk": 0.5, "summary": "Avaliação do cliente sobre o pedido."}
SQL_OFF_TASK = "```sql\nSELECT COUNT(*) AS pedidos FROM orders\n```\nTotal de pedidos da loja."
PUSH_OFF_TASK = "Oi! Tem novidade pra você no app, corre lá 😉"


def user_of(record: dict) -> str:
    """The first user message of a pair record's prompt."""
    return next((m["content"] for m in record["prompt"] if m["role"] == "user"), "")
