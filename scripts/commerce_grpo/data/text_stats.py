"""Figures that say whether review comments read like real customers' (form, vocabulary, topics).

The same figures are computed for any commerce.db (synthetic or Olist) and published in
``results/pairs/stats.json``; ``benchmarks/bench_text_stats.py`` prints them next to the real
Olist figures of ``data/real_review_stats.json`` (numbers only, written by
``python -m commerce_grpo.data.real_reviews``). Only comments of at least 3 characters count (as
in the extraction prompts). Every ``share_*`` figure is the share of comments that show a feature,
defined once here by a predicate, so real and synthetic comments are measured the same way.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

MIN_CHARS = 3
WINDOW_TOKENS = 20_000
WINDOW_DRAWS = 10  # weighted corpora: independent 20k-token samples averaged
REAL_STATS = Path(__file__).resolve().parents[3] / "data" / "real_review_stats.json"
_WORD = re.compile(r"[^\W\d_]+")  # letters only: "10x" and "R$" are not words
_ACCENTED = re.compile(r"[áàâãéêíóôõúüç]", re.I)


def _has(pattern: str):
    compiled = re.compile(pattern, re.I)
    return lambda text: compiled.search(text) is not None


# How a comment is written.
FORM = {
    "share_line_break": _has(r"\n"),
    "share_crlf": _has(r"\r\n"),
    "share_trailing_space": _has(r" $"),
    "share_exclaim3": _has(r"!!!"),
    "share_ellipsis": _has(r"\.\.\."),
    "share_question": _has(r"\?"),
    # "chegou.Gostei", "rapido,bom": a sentence run into the next without a space
    "share_no_space_after_stop": _has(r"[^\W\d_]{2}[.,!?][^\W\d_]"),
    # five words or more and not one accent: written without them (or with none needed)
    "share_no_accents": lambda text: len(text.split()) >= 5 and not _ACCENTED.search(text),
    # twenty words or more with no sentence punctuation at all
    "share_run_on": lambda text: len(text.split()) >= 20 and not re.search(r"[.,;!?]", text),
}
# What a comment talks about. Olist replaced shop and partner names by the great houses of Game
# of Thrones (its data set's documentation); the synthetic comments anonymise theirs the same way.
SHOP_NAMES = ("lannister", "stark", "targaryen", "baratheon")
TOPIC = {
    "share_shop_name": _has(r"\b(" + "|".join(SHOP_NAMES) + r")\b"),
    "share_cancel": _has(r"cancel"),
    "share_stock": _has(r"estoque|esgotad"),
    "share_refund": _has(r"estorn|reembols|ressarc|devolu\w+ (do|o) (dinheiro|valor)|dinheiro de volta"
                         r"|vale[- ]?(presente|compra)|voucher|cupom"),
    "share_carrier": _has(r"correio|transportadora|entregador|carteiro"),
    "share_order_status": _has(r"status|rastre|consta|sistema"),
    "share_split_delivery": _has(r"entregas|\b(duas|2|tr[eê]s|3) (caixas|volumes|pacotes|partes)\b|separad"
                                 r"|outro pacote|uma parte|faltou|faltando|\bs[oó] (veio|recebi|chegou)"),
    "share_date": _has(r"\b\d{1,2}/\d{1,2}(/\d{2,4})?\b|\bdia \d{1,2}\b"
                       r"|\b\d{1,2} de (jan|fev|mar|abr|mai|jun|jul|ago|set|out|nov|dez)"),
    "share_day_count": _has(r"\b\d+ ?dias?\b"),
    "share_threat": _has(r"procon|reclame ?aqui|justi[cç]a|processo|processar|advogad|juizado|pequenas causas"
                         r"|consumidor\.gov"),
}
SHARES = {**FORM, **TOPIC}


def words(text: str) -> list[str]:
    """Lower-cased letter runs of ``text``: the token definition of every figure here."""
    return _WORD.findall(text.lower())


def kept_comments(texts) -> list[int]:
    """Indices of the comments the figures count (strings of at least ``MIN_CHARS`` non-blank)."""
    return [i for i, t in enumerate(texts) if isinstance(t, str) and len(t.strip()) >= MIN_CHARS]


def comment_stats(texts, *, weights=None, seed: int = 0) -> dict:
    """The comparison table's figures for ``texts`` (None and comments under 3 characters skipped).

    ``weights`` (one per text) reweights the comments, e.g. to another score mix: shares, means
    and quantiles become weighted ones, and word types are counted on weighted samples drawn
    without replacement. ``types_per_20k_tokens`` counts the word types in 20,000-token windows
    (vocabulary grows with corpus size, so a fixed window is what compares two corpora of
    different sizes); with fewer tokens it is the count over all of them, scaled by Heaps' law
    (exponent 0.6) and flagged.
    """
    index = kept_comments(texts)
    if not index:
        return {"n": 0}
    kept = [texts[i] for i in index]
    w = np.ones(len(kept)) if weights is None else np.asarray(weights, dtype=float)[index]
    w = w / w.sum()
    lengths = np.array([len(t) for t in kept])
    tokens_per = [words(t) for t in kept]
    counts: dict[str, int] = {}
    for ws in tokens_per:
        for word in ws:
            counts[word] = counts.get(word, 0) + 1
    per_window, extrapolated = _types_per_window(tokens_per, counts, w, weighted=weights is not None, seed=seed)
    lettered = np.array([any(ch.isalpha() for ch in t) for t in kept])
    normalised = [" ".join(ws) for ws in tokens_per]

    def share(flags) -> float:
        return round(float(np.dot(w, np.asarray(flags, dtype=float))), 4)

    def lettered_share(flags) -> float:
        mass = w[lettered].sum()
        return round(float(np.dot(w[lettered], np.asarray(flags, dtype=float)[lettered]) / mass), 4) if mass else 0.0

    return {
        "n": len(kept),
        "chars_mean": round(float(np.dot(w, lengths)), 1),
        "chars_median": _quantile(lengths, w, 0.5),
        "chars_p95": _quantile(lengths, w, 0.95),
        "chars_max": int(lengths.max()),
        "share_le3_words": share([len(ws) <= 3 for ws in tokens_per]),
        "word_types": len(counts),
        "tokens": sum(counts.values()),
        "hapax": sum(1 for c in counts.values() if c == 1),
        "types_per_20k_tokens": round(per_window, 1),
        "types_per_20k_extrapolated": extrapolated,
        **{name: share([test(t) for t in kept]) for name, test in SHARES.items()},
        "share_all_caps": lettered_share([t == t.upper() for t in kept]),
        "share_all_lower": lettered_share([t == t.lower() for t in kept]),
        "share_duplicated": round(1 - len(set(t.strip() for t in kept)) / len(kept), 4),
        "share_duplicated_normalised": round(1 - len(set(normalised)) / len(normalised), 4),
    }


def _quantile(values: np.ndarray, w: np.ndarray, q: float) -> float:
    """The weighted ``q`` quantile (with equal weights, numpy's "inverted_cdf" one)."""
    order = np.argsort(values, kind="stable")
    at = np.searchsorted(np.cumsum(w[order]), q - 1e-12)
    return round(float(values[order][min(at, values.size - 1)]), 1)


def _types_per_window(tokens_per, counts, w, *, weighted: bool, seed: int) -> tuple[float, bool]:
    rng = np.random.default_rng(seed)
    total = sum(counts.values())
    if total < WINDOW_TOKENS:
        return len(counts) * (WINDOW_TOKENS / max(total, 1)) ** 0.6, True
    if not weighted:  # the comments in one seeded order, cut into consecutive windows
        stream = [word for i in rng.permutation(len(tokens_per)) for word in tokens_per[i]]
        windows = [len(set(stream[s:s + WINDOW_TOKENS])) for s in range(0, total - WINDOW_TOKENS + 1, WINDOW_TOKENS)]
        return float(np.mean(windows)), False
    windows = []
    for _ in range(WINDOW_DRAWS):  # weighted sampling without replacement (Efraimidis–Spirakis keys)
        order = np.argsort(np.log(rng.random(w.size)) / -w)
        stream = [word for i in order for word in tokens_per[i]][:WINDOW_TOKENS]
        windows.append(len(set(stream)))
    return float(np.mean(windows)), False


def real_stats(path=REAL_STATS) -> dict:
    """The real Olist figures (``data/real_review_stats.json``): {"figures", "raw", ...}; a missing
    or malformed file is an error naming it and the command that writes it."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: cannot read the real review figures ({error}); write them with "
                         f"python -m commerce_grpo.data.real_reviews OLIST_REVIEWS_CSV") from error
    missing = [key for key in ("figures", "raw") if key not in data]
    if missing:
        raise ValueError(f"{path}: lacks key(s) {missing}; rewrite it with python -m commerce_grpo.data.real_reviews")
    return data
