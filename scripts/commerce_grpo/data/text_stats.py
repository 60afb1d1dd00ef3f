"""Figures that say whether review comments read like real customers' (length, case, vocabulary).

The same figures are computed for any commerce.db (synthetic or Olist) and published in
``results/pairs/stats.json``; ``benchmarks/bench_text_stats.py`` prints them next to the real
Olist figures below. Only comments of at least 3 characters count (as in the extraction prompts).
"""
from __future__ import annotations

import re

import numpy as np

MIN_CHARS = 3
WINDOW_TOKENS = 20_000
_WORD = re.compile(r"[^\W\d_]+")  # letters only: "10x" and "R$" are not words

# The real Olist comments (4,091 comments of at least 3 characters in a consistent public
# 8,135-order subset of the nine files), as measured when this comparison was set up; what the
# synthetic generator is compared against. Word counts there were case-folded words; the exact
# tokenisation may differ a little from ``words``, so compare shares and lengths first. Word types
# and tokens grow with corpus size: compare types per 20k tokens, not the raw counts.
REAL_OLIST = {
    "n": 4091, "chars_mean": 84, "chars_median": 69, "chars_p95": 198, "chars_max": 204,
    "share_le3_words": 0.127, "word_types": 4692, "tokens": 58_500, "hapax": 2555,
    "share_line_break": 0.106, "share_all_caps": 0.033, "share_all_lower": 0.139,
}


def words(text: str) -> list[str]:
    """Lower-cased letter runs of ``text``: the token definition of every figure here."""
    return _WORD.findall(text.lower())


def comment_stats(texts, *, seed: int = 0) -> dict:
    """The comparison table's figures for ``texts`` (None and comments under 3 characters skipped).

    ``types_per_20k_tokens`` counts the word types in 20,000-token windows of the comments in a
    seeded random order and averages over the full windows (vocabulary grows with corpus size,
    so a fixed window is what compares two corpora of different sizes); with fewer tokens it is
    the count over all of them, scaled by Heaps' law (exponent 0.6) and flagged.
    """
    kept = [t for t in texts if isinstance(t, str) and len(t.strip()) >= MIN_CHARS]
    if not kept:
        return {"n": 0}
    lengths = np.array([len(t) for t in kept])
    tokens_per = [words(t) for t in kept]
    tokens = [w for ws in tokens_per for w in ws]
    counts: dict[str, int] = {}
    for w in tokens:
        counts[w] = counts.get(w, 0) + 1
    lettered = [t for t in kept if any(ch.isalpha() for ch in t)]
    order = np.random.default_rng(seed).permutation(len(kept))
    shuffled = [w for i in order for w in tokens_per[i]]
    windows = [len(set(shuffled[s:s + WINDOW_TOKENS]))
               for s in range(0, len(shuffled) - WINDOW_TOKENS + 1, WINDOW_TOKENS)]
    if windows:
        per_window, extrapolated = float(np.mean(windows)), False
    else:
        per_window = len(counts) * (WINDOW_TOKENS / max(len(tokens), 1)) ** 0.6
        extrapolated = True
    normalised = [" ".join(words(t)) for t in kept]
    return {
        "n": len(kept),
        "chars_mean": round(float(lengths.mean()), 1),
        "chars_median": round(float(np.median(lengths)), 1),
        "chars_p95": round(float(np.percentile(lengths, 95)), 1),
        "chars_max": int(lengths.max()),
        "share_le3_words": round(float(np.mean([len(ws) <= 3 for ws in tokens_per])), 4),
        "word_types": len(counts),
        "tokens": len(tokens),
        "hapax": sum(1 for c in counts.values() if c == 1),
        "types_per_20k_tokens": round(per_window, 1),
        "types_per_20k_extrapolated": extrapolated,
        "share_line_break": round(float(np.mean(["\n" in t for t in kept])), 4),
        "share_all_caps": round(float(np.mean([t == t.upper() for t in lettered])) if lettered else 0.0, 4),
        "share_all_lower": round(float(np.mean([t == t.lower() for t in lettered])) if lettered else 0.0, 4),
        "share_duplicated": round(1 - len(set(t.strip() for t in kept)) / len(kept), 4),
        "share_duplicated_normalised": round(1 - len(set(normalised)) / len(normalised), 4),
    }
