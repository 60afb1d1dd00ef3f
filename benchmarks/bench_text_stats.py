"""Synthetic review text against real Olist reviews: the figures of the comparison table.

Prints, for the synthetic comments of a default-size build (5,000 orders, the default seed),
each figure next to the real Olist figure and their ratio, with the targets (within 1.5x of real
for mean/median/p95 length, share of reviews of at most 3 words and share with a line break;
at least 2,000 word types per 20,000 tokens; at most 2 % duplicated comments), and the Olist-mode
labeller's per-field accuracy on the hand-labelled set in data/labeller/. Run from the repository
root:

    python benchmarks/bench_text_stats.py [--quick] [--orders 5000] [--seeds 7 8 9]

``--quick`` measures one seed only (what tests/test_benchmarks.py runs). Exits non-zero when a
target is missed, so a regression is loud.
"""
import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from commerce_grpo.data import labelled_set, synthetic  # noqa: E402
from commerce_grpo.data.text_stats import REAL_OLIST, comment_stats  # noqa: E402

RATIO_TARGETS = ("chars_mean", "chars_median", "chars_p95", "share_le3_words", "share_line_break")
MIN_TYPES_PER_20K, MAX_DUPLICATED, MAX_RATIO = 2000, 0.02, 1.5
ROWS = ("n", "chars_mean", "chars_median", "chars_p95", "chars_max", "share_le3_words", "word_types", "tokens",
        "hapax", "types_per_20k_tokens", "share_line_break", "share_all_caps", "share_all_lower",
        "share_duplicated", "share_duplicated_normalised")


def misses(stats: dict) -> list[str]:
    """Targets ``stats`` misses, in words (empty when all are met)."""
    out = [f"{key} {stats[key]} vs real {REAL_OLIST[key]} (ratio beyond {MAX_RATIO}x)" for key in RATIO_TARGETS
           if not 1 / MAX_RATIO <= stats[key] / REAL_OLIST[key] <= MAX_RATIO]
    if stats["types_per_20k_tokens"] < MIN_TYPES_PER_20K or stats["types_per_20k_extrapolated"]:
        out.append(f"types_per_20k_tokens {stats['types_per_20k_tokens']} < {MIN_TYPES_PER_20K} "
                   f"(or fewer than 20k tokens)")
    if stats["share_duplicated"] > MAX_DUPLICATED:
        out.append(f"share_duplicated {stats['share_duplicated']} > {MAX_DUPLICATED}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one seed only")
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 8, 9])
    args = parser.parse_args()
    seeds = args.seeds[:1] if args.quick else args.seeds
    failed = False
    for seed in seeds:
        start = time.perf_counter()
        reviews = synthetic.generate(args.orders, seed)["order_reviews"]
        seconds = time.perf_counter() - start
        stats = comment_stats(reviews["review_comment_message"].tolist())
        print(f"\nsynthetic, {args.orders:,} orders, seed {seed} (generated in {seconds:.1f} s)")
        print(f"{'figure':<30}{'synthetic':>12}{'real Olist':>12}{'ratio':>8}")
        for key in ROWS:
            real = REAL_OLIST.get(key)
            ratio = f"{stats[key] / real:.2f}" if real else ""
            print(f"{key:<30}{stats[key]!s:>12}{'' if real is None else real!s:>12}{ratio:>8}")
        missed = misses(stats)
        print("targets: " + ("all met" if not missed else "MISSED: " + "; ".join(missed)))
        failed |= bool(missed)
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
