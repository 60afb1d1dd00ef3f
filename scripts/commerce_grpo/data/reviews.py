"""Synthetic reviews: score, latent facts and an informal Portuguese comment, vectorised.

Order of causation: delivery outcome → score → complaint (latent facts) → text. Scores follow
Olist's marginals overall while late or undelivered orders draw mostly low scores. The latent
facts are what the comment says (``review_text`` composes it from them), so they are the
extraction gold labels, exact by construction (L-reward-spec: the reward is the product spec, so
its references must be right).
"""
import numpy as np
import pandas as pd

from . import marginals, review_bank as bank, review_text
from .labeller import FLAGS, PRIORITY, churn_risk
from .ids import hex_ids

GROUPS = ("on_time", "late", "undelivered")
# Complaint topics → the category (and so the flag) each one sets. Topics are finer than
# categories so that the process complaints of real reviews (stock-out cancellations, refunds,
# split deliveries, post-office pickups...) come in their own proportions; ``review_text`` states
# each with a clause from ``review_bank.TOPIC_CLAUSES[topic]``.
TOPICS = {
    "late": "entrega", "undelivered": "entrega", "pickup": "entrega",
    "wrong_item": "item_errado", "missing_part": "item_errado", "split_delivery": "item_errado",
    "defect": "qualidade", "not_as_pictured": "qualidade",
    "no_answer": "atendimento", "exchange_refused": "atendimento", "rude": "atendimento",
    "charged_twice": "atendimento", "refund_pending": "atendimento", "stockout_cancel": "atendimento",
    "cancel_no_refund": "atendimento",
    "price": "preco", "other": "outro",
}
# Primary topic per (delivery group, score band): topic → probability ("none": no complaint).
# Set so that the topic figures per band land near real Olist's (bench_text_stats.py).
_PRIMARY = {
    ("late", "low"): {"late": 0.78, "defect": 0.04, "wrong_item": 0.02, "split_delivery": 0.04, "no_answer": 0.04,
                      "refund_pending": 0.02, "cancel_no_refund": 0.04, "other": 0.02},
    ("late", 3): {"late": 0.6, "defect": 0.1, "price": 0.1, "none": 0.2},
    ("late", 4): {"late": 0.4, "none": 0.6},
    ("late", 5): {"late": 0.2, "none": 0.8},
    ("undelivered", "low"): {"undelivered": 0.685, "stockout_cancel": 0.065, "cancel_no_refund": 0.08,
                             "no_answer": 0.1, "charged_twice": 0.02, "other": 0.05},
    ("undelivered", 3): {"undelivered": 0.6, "stockout_cancel": 0.08, "cancel_no_refund": 0.08, "no_answer": 0.09,
                         "other": 0.05, "none": 0.1},
    ("undelivered", 4): {"undelivered": 0.3, "none": 0.7},
    ("undelivered", 5): {"undelivered": 0.3, "none": 0.7},
    ("on_time", "low"): {"defect": 0.26, "not_as_pictured": 0.06, "wrong_item": 0.12, "missing_part": 0.07,
                         "split_delivery": 0.08, "undelivered": 0.04, "pickup": 0.06, "no_answer": 0.07,
                         "exchange_refused": 0.06, "rude": 0.02, "charged_twice": 0.02, "refund_pending": 0.02,
                         "cancel_no_refund": 0.035, "price": 0.035, "other": 0.05},
    ("on_time", 3): {"defect": 0.17, "not_as_pictured": 0.06, "price": 0.18, "wrong_item": 0.06, "missing_part": 0.04,
                     "split_delivery": 0.06, "pickup": 0.08, "no_answer": 0.04, "other": 0.04, "none": 0.27},
    ("on_time", 4): {"none": 0.84, "price": 0.05, "pickup": 0.03, "defect": 0.03, "split_delivery": 0.02,
                     "missing_part": 0.01, "other": 0.02},
    ("on_time", 5): {"none": 0.965, "pickup": 0.01, "price": 0.01, "split_delivery": 0.005, "other": 0.01},
}
# Low scores sometimes add a second complaint, one that follows from the first (a defect and then
# a seller who will not exchange it; an order that never came and a refund that never comes).
SECOND_COMPLAINT_RATE = 0.25
_SECOND = {
    "entrega": {"no_answer": 0.5, "cancel_no_refund": 0.3, "defect": 0.2},
    "item_errado": {"no_answer": 0.5, "exchange_refused": 0.5},
    "qualidade": {"exchange_refused": 0.5, "no_answer": 0.3, "price": 0.2},
    "atendimento": {"defect": 1.0},
    "preco": {"defect": 1.0},
}
# Recommendation: a 5★ customer recommends; a 4★ one does unless a complaint says why not (a mild
# or solved problem keeps most recommending). 1–2★ customers recommend only after a late delivery
# of a good product.
RECOMMEND_RATE = {5: 1.0, 4: 0.85, 3: 0.15, 2: 0.0, 1: 0.0}  # with a complaint
RECOMMEND_RATE_CONTENT = {5: 1.0, 4: 1.0, 3: 0.6, 2: 0.0, 1: 0.0}  # without one
RECOMMEND_AFTER_LATE = {2: 0.06, 1: 0.02}


def score_distribution_on_time(late_share: float, undelivered_share: float) -> dict[int, float]:
    """The on-time score distribution that makes the overall mix hit Olist's marginals."""
    on_time_share = 1.0 - late_share - undelivered_share
    probs = {
        s: max(0.005, (marginals.REVIEW_SCORES[s] - late_share * marginals.SCORES_WHEN_LATE[s]
                       - undelivered_share * marginals.SCORES_WHEN_UNDELIVERED[s]) / on_time_share)
        for s in marginals.REVIEW_SCORES
    }
    total = sum(probs.values())
    return {s: p / total for s, p in probs.items()}


def generate_reviews(rng, orders: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One review per order → (order_reviews rows, review_facts rows).

    ``orders`` needs: order_id, group (GROUPS), days_late, days_early, category, purchased,
    delivered, estimated (datetime64).
    """
    n = len(orders)
    group = orders["group"].to_numpy()
    score = _draw_scores(rng, group)
    primary = _draw_primary(rng, group, score)
    secondary = _draw_secondary(rng, score, primary)
    categories = [pd.Series(topic).map(TOPICS).fillna("nenhuma").to_numpy() for topic in (primary, secondary)]
    flags = {flag: (categories[0] == name) | (categories[1] == name) for flag, name in
             sorted(PRIORITY, key=lambda pair: FLAGS.index(pair[0]))}
    recommend = rng.random(n) < np.where(
        primary != "none", by_score(RECOMMEND_RATE, score), by_score(RECOMMEND_RATE_CONTENT, score))
    recommend |= (primary == "late") & (secondary == "none") & (rng.random(n) < by_score(RECOMMEND_AFTER_LATE, score))
    category = complaint_category(flags, np.where(primary == "other", "outro", "nenhuma"))
    churn = churn_risk(score, {**flags, "would_recommend": recommend})

    has_comment = rng.random(n) < by_score(marginals.COMMENT_RATE, score)
    message = np.full(n, None, dtype=object)
    idx = np.flatnonzero(has_comment)
    labels = {**flags, "complaint_category": category, "would_recommend": recommend}
    message[idx] = review_text.compose(rng, _plans(rng, orders, idx, score, group, primary, secondary, labels),
                                       TOPICS)
    title = np.full(n, None, dtype=object)
    has_title = rng.random(n) < marginals.TITLE_RATE
    sentiment = sentiment_of(score)
    for label, titles in bank.TITLES.items():
        rows = np.flatnonzero(has_title & (sentiment == label))
        title[rows] = np.asarray(titles, dtype=object)[rng.integers(0, len(titles), rows.size)]

    base_date = np.where(group == "undelivered", orders["estimated"].to_numpy(),
                         orders["delivered"].to_numpy()).astype("datetime64[D]")
    created = base_date + rng.integers(0, 4, n).astype("timedelta64[D]")
    answered = created.astype("datetime64[s]") + rng.exponential(2 * 86400, n).astype("timedelta64[s]")
    review_ids = hex_ids(rng, n)
    reviews = pd.DataFrame({
        "review_id": review_ids,
        "order_id": orders["order_id"].to_numpy(),
        "review_score": score,
        "review_comment_title": title,
        "review_comment_message": message,
        "review_creation_date": created.astype("datetime64[s]"),
        "review_answer_timestamp": answered,
    })
    facts = pd.DataFrame({
        "review_id": review_ids,
        "order_id": orders["order_id"].to_numpy(),
        **flags,
        "complaint_category": category,
        "would_recommend": recommend,
        "churn_risk": churn,
        "origin": "synthetic",
    })
    return reviews, facts


def complaint_category(flags: dict, primary: np.ndarray) -> np.ndarray:
    """The labelling guide's rule: the first flag in ``PRIORITY`` order names the category (so a
    review whose drawn primary complaint is the seller but which also reports a defect is
    "qualidade", as a reader following the guide would label it); without flags, the drawn
    "outro" or "nenhuma"."""
    category = primary.astype(object).copy()
    for flag, name in reversed(PRIORITY):
        category = np.where(flags[flag], name, category)
    return category.astype(str)


def by_score(table: dict[int, float], score: np.ndarray) -> np.ndarray:
    """Look a per-score value up for every review."""
    lookup = np.zeros(6)
    lookup[list(table)] = list(table.values())
    return lookup[score]


def sentiment_of(score: np.ndarray) -> np.ndarray:
    """The sentiment a score implies (docs/contracts.md: sentiment agrees with the stars)."""
    return np.select([score >= 4, score == 3], ["positivo", "neutro"], "negativo")


def _draw_scores(rng, group: np.ndarray) -> np.ndarray:
    n = group.size
    dists = {
        "late": marginals.SCORES_WHEN_LATE,
        "undelivered": marginals.SCORES_WHEN_UNDELIVERED,
        "on_time": score_distribution_on_time(np.mean(group == "late"), np.mean(group == "undelivered")),
    }
    score = np.zeros(n, dtype=np.int64)
    for name, dist in dists.items():
        rows = np.flatnonzero(group == name)
        score[rows] = _choice(rng, dist, rows.size)
    return score


def _draw_primary(rng, group, score) -> np.ndarray:
    primary = np.full(group.size, "none", dtype=object)
    for (name, band), dist in _PRIMARY.items():
        in_band = score <= 2 if band == "low" else score == band
        rows = np.flatnonzero((group == name) & in_band)
        primary[rows] = _choice(rng, dist, rows.size)
    return primary.astype(str)


def _draw_secondary(rng, score, primary) -> np.ndarray:
    """A second topic for some low-score reviews: one of another category that follows from the first."""
    second = np.full(score.size, "none", dtype=object)
    add = (score <= 2) & (rng.random(score.size) < SECOND_COMPLAINT_RATE)
    for category, dist in _SECOND.items():
        rows = np.flatnonzero(add & np.isin(primary, [t for t, c in TOPICS.items() if c == category]))
        second[rows] = _choice(rng, dist, rows.size)
    # a refund after a cancellation follows an order that never came, a defect one that came;
    # after a cancellation the seller's silence, not a defect
    second[(second == "cancel_no_refund") & (primary != "undelivered")] = "no_answer"
    second[(second == "defect") & np.isin(primary, ["undelivered", "stockout_cancel", "cancel_no_refund"])] = "no_answer"
    second[(second == "no_answer") & (primary == "no_answer")] = "none"
    return second.astype(str)


def _plans(rng, orders: pd.DataFrame, idx, score, group, primary, secondary, labels: dict) -> list:
    """What each commented review's text must say (its topics, and the labels a reader must read
    off it), with the order details it may quote."""
    rnd = np.random.default_rng(rng.integers(0, 2**63))
    category = orders["category"].to_numpy()[idx]
    choices = {c: bank.PRODUCT_NOUNS.get(c, bank.GENERIC_NOUNS) for c in set(map(str, category))}
    pick = rnd.random(idx.size)
    columns = {name: orders[name].to_numpy()[idx] for name in ("days_late", "days_early", "purchased", "estimated",
                                                                  "delivered")}
    plans = []
    for j, i in enumerate(idx):
        nouns = choices[str(category[j])]
        noun, gender, kind = nouns[int(pick[j] * len(nouns))]
        plans.append(review_text.Review(
            score=int(score[i]), group=str(group[i]), topics=tuple(t for t in (primary[i], secondary[i]) if t != "none"),
            recommend=bool(labels["would_recommend"][i]), labels={f: labels[f][i].item() for f in labels},
            noun=noun, gender=gender, kind=kind,
            days_late=int(columns["days_late"][j]), days_early=int(columns["days_early"][j]),
            purchased=columns["purchased"][j], estimated=columns["estimated"][j], delivered=columns["delivered"][j]))
    return plans


def _choice(rng, dist: dict, size: int) -> np.ndarray:
    keys = np.array(list(dist))
    p = np.array(list(dist.values()), dtype=float)
    return keys[rng.choice(len(keys), size=size, p=p / p.sum())]
