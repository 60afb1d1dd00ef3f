"""Measure real Olist review comments: the figures of ``data/real_review_stats.json``.

The Olist reviews are CC BY-NC-SA, so the repository keeps numbers only. Run from the repository
root with a folder holding Olist's reviews and orders files (the full set or a public subset):

    python -m commerce_grpo.data.real_reviews PATH/TO/OLIST_DIR

What a comment says and how long it is depend on the order's fate and the score: an undelivered
order's one-star comment is not a delivered order's five-star one. Public subsets need not keep
Olist's mix (the one this was first measured on holds every undelivered order of the full set, 36 %
of its orders against 3 %). So the comparison figures (``figures``) reweight each comment by its
stratum (delivery group × score) to the full data set's mix of commented reviews, built from the
same marginals the synthetic generator draws from (``reference_mix``); ``raw`` keeps the
unweighted figures of the files.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from . import marginals
from .reviews import GROUPS, score_distribution_on_time
from .schema import OLIST_TABLES
from .text_stats import REAL_STATS, SHARES, comment_stats, kept_comments


def reference_mix() -> dict[str, float]:
    """"group/score" → share of commented reviews in the full Olist data set (its marginals)."""
    undelivered = 1 - marginals.ORDER_STATUS["delivered"] / sum(marginals.ORDER_STATUS.values())
    states = sum(marginals.CUSTOMER_STATES.values())
    late = (1 - undelivered) * sum(share * marginals.LATE_RATE[state]
                                   for state, share in marginals.CUSTOMER_STATES.items()) / states
    scores = {"on_time": score_distribution_on_time(late, undelivered), "late": marginals.SCORES_WHEN_LATE,
              "undelivered": marginals.SCORES_WHEN_UNDELIVERED}
    share = {"on_time": 1 - late - undelivered, "late": late, "undelivered": undelivered}
    mass = {f"{g}/{s}": share[g] * scores[g][s] * marginals.COMMENT_RATE[s] for g in GROUPS for s in range(1, 6)}
    total = sum(mass.values())
    return {key: round(m / total, 5) for key, m in mass.items()}


def delivery_groups(orders: pd.DataFrame) -> pd.Series:
    """order_id → GROUPS value, as the generator defines them: undelivered without a delivery date
    or status "delivered", late when delivered after the estimated day."""
    delivered = pd.to_datetime(orders["order_delivered_customer_date"], errors="coerce").dt.floor("D")
    estimated = pd.to_datetime(orders["order_estimated_delivery_date"], errors="coerce").dt.floor("D")
    group = np.where((orders["order_status"] != "delivered") | delivered.isna(), "undelivered",
                     np.where(delivered > estimated, "late", "on_time"))
    return pd.Series(group, index=orders["order_id"])


BAND_FIGURES = ("n", "chars_mean", "chars_median", "share_le3_words", *SHARES)


def strata(group, scores) -> np.ndarray:
    """"group/score" of each review (the reweighting's unit)."""
    return np.array([f"{g}/{int(s)}" for g, s in zip(group, scores)])


def band(stratum: str) -> str:
    """"on_time/1" → "on_time/1-2": the per-stratum comparison pools one and two stars."""
    group, score = stratum.split("/")
    return f"{group}/1-2" if score in ("1", "2") else stratum


def shares_by_band(texts, stratum) -> dict[str, dict]:
    """band → {"n", the length figures, every ``share_*`` figure} over the comments of that band."""
    out = {}
    for name in sorted({band(s) for s in stratum}):
        rows = [t for t, s in zip(texts, stratum) if band(s) == name]
        figures = comment_stats(rows)
        if figures["n"]:
            out[name] = {key: figures[key] for key in BAND_FIGURES}
    return out


def measure(olist_dir) -> dict:
    """The figures of one Olist folder: {"source", "mix", "reference_mix", "strata_without_comments",
    "figures", "raw", "by_band"}. A stratum with no comment is left out of the reweighting."""
    olist_dir = Path(olist_dir)
    paths = {table: olist_dir / OLIST_TABLES[table][0] for table in ("order_reviews", "orders")}
    frames = {}
    for table, path in paths.items():
        if not path.is_file():
            raise FileNotFoundError(f"{path}: missing; pass a folder with Olist's {table} file")
        frames[table] = pd.read_csv(path, dtype=str, keep_default_na=False)
    reviews = frames["order_reviews"]
    group = delivery_groups(frames["orders"]).reindex(reviews["order_id"]).to_numpy()
    if pd.isna(group).any():
        raise ValueError(f"{paths['order_reviews']}: {int(pd.isna(group).sum())} reviews of orders missing "
                         f"from {paths['orders']}")
    texts = reviews["review_comment_message"].tolist()
    stratum = strata(group, reviews["review_score"])
    counted = stratum[kept_comments(texts)]
    target = reference_mix()
    mix = {key: float(np.mean(counted == key)) for key in target}
    empty = sorted(key for key, share in mix.items() if share == 0)
    if len(empty) == len(mix):
        raise ValueError(f"{paths['order_reviews']}: no comment of at least 3 characters to measure")
    weights = np.array([target[key] / mix[key] if mix.get(key) else 0.0 for key in stratum])
    return {
        "source": f"{paths['order_reviews'].name} with {paths['orders'].name}: comments of at least 3 characters",
        "mix": {key: round(share, 5) for key, share in mix.items()},
        "reference_mix": target,
        "strata_without_comments": empty,  # left out of the reweighting (the others renormalised)
        "figures": comment_stats(texts, weights=weights),
        "raw": comment_stats(texts),
        "by_band": shares_by_band(texts, stratum),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("olist_dir", help="folder with Olist's reviews and orders CSV files")
    parser.add_argument("--out", default=str(REAL_STATS), help="where to write the figures (default: %(default)s)")
    args = parser.parse_args(argv)
    figures = measure(args.olist_dir)
    Path(args.out).write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {figures['figures']['n']} comments")
    return 0


if __name__ == "__main__":
    sys.exit(main())
