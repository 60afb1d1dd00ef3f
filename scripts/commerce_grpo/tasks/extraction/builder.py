"""Extraction: a customer review → the 10-field JSON of docs/contracts.md.

Gold labels come from ``review_facts``: the generator's latent facts in synthetic mode, the
labeller's reading of score and message in Olist mode. The prompt shows the score and the message
and nothing else, and the labels rest on nothing else either: the review title is not shown and
not read (tested in both modes). Scores take turns in the stream, so the eval set holds every
score (the rare 2★ reviews included) rather than Olist's 58 % of 5★.
"""
from commerce_grpo.data.reviews import sentiment_of
from commerce_grpo.tasklib.candidates import Candidate, interleave
from commerce_grpo.tasklib.prompts import EXTRACTION_FIELDS

from .summary import PROBLEMS, compose

QUERY = """
SELECT r.review_id, r.order_id, r.review_score, r.review_comment_message AS text,
       f.delivery_issue, f.product_quality_issue, f.wrong_or_missing_item, f.seller_service_issue,
       f.price_issue, f.complaint_category, f.would_recommend, f.churn_risk,
       o.customer_id, o.customer_unique_id, o.customer_state, o.product_category
FROM order_reviews r
JOIN review_facts f USING (review_id, order_id)
JOIN orders_enriched o USING (order_id)
WHERE length(trim(COALESCE(r.review_comment_message, ''))) >= 3
ORDER BY r.review_id, r.order_id
"""


def candidates(con, rng):
    rows = con.execute(QUERY).df()
    strata = {}
    for score in (1, 2, 3, 4, 5):
        index = rows.index[rows["review_score"] == score].to_numpy()
        strata[score] = rng.permutation(index)
    return interleave(strata, lambda _, i: _candidate(rows.loc[i]))


def gold_reference(row) -> dict:
    """The 10 fields in EXTRACTION_FIELDS order, from the review's facts."""
    score = int(row["review_score"])
    sentiment = str(sentiment_of(score))
    gold = {
        "sentiment": sentiment,
        "sentiment_score": score,
        "delivery_issue": bool(row["delivery_issue"]),
        "product_quality_issue": bool(row["product_quality_issue"]),
        "wrong_or_missing_item": bool(row["wrong_or_missing_item"]),
        "seller_service_issue": bool(row["seller_service_issue"]),
        "complaint_category": str(row["complaint_category"]),
        "would_recommend": bool(row["would_recommend"]),
        "churn_risk": float(row["churn_risk"]),
        "summary": summary(sentiment, row),
    }
    return {name: gold[name] for name in EXTRACTION_FIELDS}


def summary(sentiment: str, row) -> str:
    """The gold summary: the labels in words and the review's most specific clause (``summary.compose``)."""
    return compose(sentiment, {flag: bool(row[flag]) for flag in PROBLEMS}, bool(row["would_recommend"]),
                   str(row["text"]))


def _candidate(row) -> Candidate:
    score = int(row["review_score"])
    return Candidate(
        user=f"Avaliação do pedido (nota {score}/5):\n{row['text'].strip()}",
        reference=gold_reference(row),
        source={"order_id": row["order_id"], "review_id": row["review_id"], "review_score": score},
        keys=tuple(str(row[k]) for k in ("order_id", "customer_id", "customer_unique_id") if isinstance(row[k], str)),
        meta={"score": score, "state": row["customer_state"], "category": row["product_category"]},
    )
