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
from .labeller import PRIORITY
from .ids import hex_ids

GROUPS = ("on_time", "late", "undelivered")
# Primary complaint per (delivery group, score band): category → probability.
_PRIMARY = {
    ("late", "low"): {"entrega": 0.85, "qualidade": 0.05, "item_errado": 0.03, "atendimento": 0.05,
                      "outro": 0.02},
    ("late", 3): {"entrega": 0.6, "qualidade": 0.1, "preco": 0.1, "nenhuma": 0.2},
    ("late", 4): {"entrega": 0.4, "nenhuma": 0.6},
    ("late", 5): {"entrega": 0.2, "nenhuma": 0.8},
    ("undelivered", "low"): {"entrega": 0.9, "atendimento": 0.1},
    ("undelivered", 3): {"entrega": 0.8, "atendimento": 0.1, "outro": 0.1},
    ("undelivered", 4): {"entrega": 0.3, "nenhuma": 0.7},
    ("undelivered", 5): {"entrega": 0.3, "nenhuma": 0.7},
    ("on_time", "low"): {"qualidade": 0.36, "item_errado": 0.24, "atendimento": 0.14,
                         "entrega": 0.08, "preco": 0.06, "outro": 0.12},
    ("on_time", 3): {"qualidade": 0.28, "preco": 0.2, "item_errado": 0.1, "atendimento": 0.08,
                     "entrega": 0.05, "outro": 0.04, "nenhuma": 0.25},
    ("on_time", 4): {"nenhuma": 0.86, "preco": 0.06, "entrega": 0.03, "qualidade": 0.05},
    ("on_time", 5): {"nenhuma": 0.97, "entrega": 0.015, "preco": 0.015},
}
# Low scores sometimes add a second complaint (the first one's seller ignored the customer...).
SECOND_COMPLAINT_RATE = 0.25
RECOMMEND_RATE = {5: 0.97, 4: 0.9, 3: 0.6, 2: 0.08, 1: 0.03}  # 3★: 0.15 with a complaint
CHURN_BASE = {5: 0.08, 4: 0.2, 3: 0.45, 2: 0.7, 1: 0.85}


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

    ``orders`` needs: order_id, group (GROUPS), days_late, days_early, category, delivered,
    estimated (datetime64).
    """
    n = len(orders)
    group = orders["group"].to_numpy()
    score = _draw_scores(rng, group)
    primary = _draw_primary(rng, group, score)
    secondary = _draw_secondary(rng, score, primary)
    flags = {
        "delivery_issue": (primary == "entrega") | (secondary == "entrega"),
        "product_quality_issue": (primary == "qualidade") | (secondary == "qualidade"),
        "wrong_or_missing_item": (primary == "item_errado") | (secondary == "item_errado"),
        "seller_service_issue": (primary == "atendimento") | (secondary == "atendimento"),
        "price_issue": (primary == "preco") | (secondary == "preco"),
    }
    # A 3★ customer with a complaint rarely recommends the shop; one without often does.
    rate = np.where((score == 3) & (primary != "nenhuma"), 0.15, by_score(RECOMMEND_RATE, score))
    recommend = rng.random(n) < rate
    issues = sum(flags[k].astype(int) for k in flags)
    churn = np.clip(by_score(CHURN_BASE, score) + 0.1 * ~recommend + 0.05 * issues,
                    0.02, 0.98).round(2)

    has_comment = rng.random(n) < by_score(marginals.COMMENT_RATE, score)
    message = np.full(n, None, dtype=object)
    idx = np.flatnonzero(has_comment)
    message[idx] = review_text.compose(
        rng,
        score=score[idx], group=group[idx], primary=primary[idx], secondary=secondary[idx],
        recommend=recommend[idx], category=orders["category"].to_numpy()[idx],
        days_late=orders["days_late"].to_numpy()[idx], days_early=orders["days_early"].to_numpy()[idx],
    )
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
        "complaint_category": complaint_category(flags, primary),
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
    primary = np.full(group.size, "nenhuma", dtype=object)
    for (name, band), dist in _PRIMARY.items():
        in_band = score <= 2 if band == "low" else score == band
        rows = np.flatnonzero((group == name) & in_band)
        primary[rows] = _choice(rng, dist, rows.size)
    return primary.astype(str)


def _draw_secondary(rng, score, primary) -> np.ndarray:
    second = np.where(primary == "atendimento", "qualidade", "atendimento")
    second = np.where((primary == "qualidade") & (rng.random(score.size) < 0.3), "preco", second)
    add = (score <= 2) & (primary != "outro") & (rng.random(score.size) < SECOND_COMPLAINT_RATE)
    return np.where(add, second, "nenhuma")


def _choice(rng, dist: dict, size: int) -> np.ndarray:
    keys = np.array(list(dist))
    p = np.array(list(dist.values()), dtype=float)
    return keys[rng.choice(len(keys), size=size, p=p / p.sum())]
