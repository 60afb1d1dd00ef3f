"""Synthetic review text against real Olist reviews: the figures of the comparison table.

Prints each figure of ``text_stats`` for the synthetic comments of default-size builds (5,000
orders each, five seeds pooled: about 10,000 comments, so that a topic as rare as stock-outs, one
comment in 300, is counted on some thirty comments) next to the real figure of
``data/real_review_stats.json`` (real comments reweighted to the full Olist mix of delivery
outcome × score; see ``commerce_grpo.data.real_reviews``), their ratio and the raw real figure;
the share of duplicated comments is taken on the first two builds only, about as many comments
as the real set (duplicates grow with the number of comments). Then the figures per delivery
outcome and score band, where the process topics live, and the Olist-mode labeller's per-field
accuracy on the hand-labelled set in data/labeller/. Run from the repository root:

    python benchmarks/bench_text_stats.py [--quick] [--orders 5000] [--seeds 7 8 9 10 11]

Targets: every ``share_*`` figure, the share of duplicated comments and the mean, median and 95th
percentile length within 1.5x of real; at least 2,500 word types per 20,000 tokens. ``--quick``
measures one seed and does not fail on targets (what tests/test_benchmarks.py runs). Otherwise
exits non-zero when a target is missed, so a regression is loud.
"""
import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import numpy as np  # noqa: E402

from commerce_grpo.data import labelled_set, synthetic  # noqa: E402
from commerce_grpo.data.real_reviews import BAND_FIGURES, band, delivery_groups, strata  # noqa: E402
from commerce_grpo.data.text_stats import SHARES, comment_stats, real_stats  # noqa: E402

RATIO_TARGETS = ("chars_mean", "chars_median", "chars_p95", "share_le3_words", *SHARES, "share_duplicated")
MIN_TYPES_PER_20K, MAX_RATIO = 2500, 1.5
ROWS = ("n", "chars_mean", "chars_median", "chars_p95", "chars_max", "share_le3_words", "word_types", "tokens",
        "hapax", "types_per_20k_tokens", *SHARES, "share_all_caps", "share_all_lower", "share_duplicated",
        "share_duplicated_normalised")
BANDS_SHOWN = 150  # real comments a band needs to be shown in the per-band table


def within(synthetic: float, real: float) -> bool:
    return real > 0 and 1 / MAX_RATIO <= synthetic / real <= MAX_RATIO


def misses(stats: dict, real: dict) -> list[str]:
    """Targets ``stats`` misses against the real ``figures``, in words (empty when all are met)."""
    out = [f"{key} {stats[key]} vs real {real[key]}" for key in RATIO_TARGETS if not within(stats[key], real[key])]
    if stats["types_per_20k_tokens"] < MIN_TYPES_PER_20K or stats["types_per_20k_extrapolated"]:
        out.append(f"types_per_20k_tokens {stats['types_per_20k_tokens']} < {MIN_TYPES_PER_20K} "
                   f"(or fewer than 20k tokens)")
    return out


def synthetic_comments(orders: int, seeds) -> tuple[list[list], np.ndarray, float]:
    """(comments per build, the "group/score" stratum of every comment pooled, seconds)."""
    texts, stratum, seconds = [], [], 0.0
    for seed in seeds:
        start = time.perf_counter()
        tables = synthetic.generate(orders, seed)
        seconds += time.perf_counter() - start
        reviews = tables["order_reviews"]
        group = delivery_groups(tables["orders"]).reindex(reviews["order_id"]).to_numpy()
        texts.append(reviews["review_comment_message"].tolist())
        stratum += list(strata(group, reviews["review_score"]))
    return texts, np.array(stratum), seconds


def print_table(stats: dict, real: dict) -> None:
    print(f"{'figure':<30}{'synthetic':>11}{'real':>10}{'ratio':>7}{'real raw':>10}")
    for key in ROWS:
        ours, theirs, raw = stats[key], real["figures"].get(key), real["raw"].get(key)
        ratio = f"{ours / theirs:.2f}" if theirs else ""
        flag = "  <-- off" if key in RATIO_TARGETS and not within(ours, theirs) else ""
        print(f"{key:<30}{ours!s:>11}{theirs!s:>10}{ratio:>7}{raw!s:>10}{flag}")


def print_bands(texts, stratum, real: dict) -> None:
    """Topic shares per delivery outcome × score band, synthetic / real, for the bands with
    enough real comments."""
    shown = [name for name, figures in real["by_band"].items() if figures["n"] >= BANDS_SHOWN]
    print(f"\nper band (synthetic / real; bands with >= {BANDS_SHOWN} real comments)")
    print(f"{'figure':<22}" + "".join(f"{name:>18}" for name in shown))
    bands = np.array([band(s) for s in stratum])
    ours = {name: comment_stats([t for t, b in zip(texts, bands) if b == name]) for name in shown}
    print(f"{'n':<22}" + "".join(f"{ours[n]['n']:>9}/{real['by_band'][n]['n']:<8}" for n in shown))
    for key in BAND_FIGURES[1:]:
        print(f"{key[:22]:<22}" + "".join(f"{ours[n].get(key, 0):>9.3g}/{real['by_band'][n][key]:<8.3g}" for n in shown))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one seed, no failing on targets")
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 8, 9, 10, 11])
    args = parser.parse_args()
    seeds = args.seeds[:1] if args.quick else args.seeds
    real = real_stats()
    builds, stratum, seconds = synthetic_comments(args.orders, seeds)
    texts = [text for build in builds for text in build]
    stats = comment_stats(texts)
    first_two = comment_stats([text for build in builds[:2] for text in build])
    stats |= {key: first_two[key] for key in ("share_duplicated", "share_duplicated_normalised")}
    print(f"synthetic: {args.orders:,} orders x seeds {seeds} pooled (generated in {seconds:.1f} s); "
          f"real: {real['source']}, reweighted to Olist's mix")
    print_table(stats, real)
    print_bands(texts, stratum, real)
    missed = misses(stats, real["figures"])
    print("\ntargets: " + ("all met" if not missed else "MISSED: " + "; ".join(missed)))
    failed = bool(missed) and not args.quick
    result = labelled_set.evaluate()
    if result is None:
        print("\nlabeller: no hand-labelled set in data/labeller/")
    else:
        print(f"\nlabeller accuracy on {result['n']} hand-labelled reviews ({result['labels']}):")
        print(json.dumps(result["accuracy"], indent=1))
        low = {f: a for f, a in result["accuracy"].items() if a < 0.9}
        if low:
            print(f"MISSED: below 90 % for {low}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
