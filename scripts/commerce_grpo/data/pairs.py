"""Rule pairs: commerce.db → train/validation/eval pairs for the run's tasks, and their stats.

Each task's builder (``TaskSpec.candidates``) yields candidates in a stratified, interleaved
order (scores, templates, topics or intents take turns), so the first candidates make a
stratified eval set. Eval is
drawn first for every task; training candidates that share an id (order, customer) or a
normalised prompt text with any eval pair are skipped, and validation is carved from the
training pool. Same seed → byte-identical files. A task's stream is seeded with its registry
index, so enabling another task never changes its pairs.
"""
import json
import logging
from collections import Counter
from pathlib import Path

import duckdb
import numpy as np

from .. import tasks as registry
from ..files import write_atomic, write_jsonl
from ..tasklib.candidates import Candidate
from .db import attach_read_only, reading_commerce_db
from .pair_files import SPLITS, check_pair_file, read_pairs, read_stats  # noqa: F401 (re-exported)
from . import labelled_set
from .ptbr import normalize_text
from .text_stats import comment_stats

log = logging.getLogger(__name__)
COVERAGE_KEYS = ("category", "state", "intent", "template", "score")  # stats.json key order


def build_pairs(db, *, outputs: dict, seed: int, scale: float, tasks: dict,
                labelled_dir=labelled_set.SET_DIR) -> dict[str, list[dict]]:
    """Write those of outputs["train"|"validation"|"eval"] (jsonl) and outputs["stats"] (json) that
    are given: every split is drawn each time (eval first), so each file is the same whichever
    rule writes it.

    ``tasks`` is the config's ``tasks`` section (the enabled tasks and their counts; ``scale``
    multiplies the train counts). ``labelled_dir`` is the folder of the hand-labelled reviews; the
    Olist-mode labeller's per-field accuracy on it goes into the stats (``labeller``: null when
    the folder is absent).
    """
    wanted = {task: {"train": round(n["train"] * scale), "validation": n["validation"], "eval": n["eval"]}
              for task, n in registry.counts(tasks).items()}
    con = in_memory_copy(db)
    try:
        streams = {task: registry.get(task).candidates(con, np.random.default_rng([seed, registry.index(task)]))
                   for task in wanted}
        chosen = _split(streams, wanted)
        database = database_summary(con)
        texts = [r[0] for r in con.execute(
            "SELECT review_comment_message FROM order_reviews ORDER BY review_id, order_id").fetchall()]
    finally:
        con.close()

    records = {split: [] for split in SPLITS}
    for task in wanted:
        number = 0
        for split in ("eval", "train", "validation"):
            for cand in chosen[task][split]:
                records[split].append(_record(f"{task}-{number:06d}", task, split, cand))
                number += 1
    for index, split in enumerate(SPLITS):
        order = np.random.default_rng([seed, 100 + index]).permutation(len(records[split]))
        records[split] = [records[split][i] for i in order]
        if split in outputs:
            _write_checked(outputs[split], records[split], split)
    if "stats" in outputs:
        stats = {"source": source_of(database)} | pair_stats(records, chosen) | {
            "database": database, "text": comment_stats(texts), "labeller": labeller_summary(labelled_dir)}
        write_atomic(outputs["stats"], json.dumps(stats, ensure_ascii=False, indent=2) + "\n")
        read_stats(outputs["stats"])
    log.info("pairs: %s", {s: len(r) for s, r in records.items()})
    return records


def in_memory_copy(db) -> duckdb.DuckDBPyConnection:
    """commerce.db copied into memory, with ``orders_enriched`` materialised as a table.

    The builders run a thousand or more queries; recomputing the view's aggregations each time
    made the 100k-order build ten times slower. The content is identical, so every stored gold
    result is also what the query returns on commerce.db itself (tested).
    """
    con = duckdb.connect()
    attach_read_only(con, db, "source")  # a truncated/corrupt db: an error naming the file and the fix
    with reading_commerce_db(db):
        con.execute("COPY FROM DATABASE source TO memory")
        con.execute("DROP VIEW orders_enriched")
        con.execute("CREATE TABLE orders_enriched AS SELECT * FROM source.orders_enriched")
    con.execute("DETACH source")
    return con


def database_summary(con) -> dict:
    """What the pairs were drawn from: size, and the categories and states there were to cover."""
    orders, categories, states, start, end = con.execute(
        "SELECT COUNT(*), COUNT(DISTINCT product_category), COUNT(DISTINCT customer_state), "
        "CAST(MIN(purchase_date) AS VARCHAR), CAST(MAX(purchase_date) AS VARCHAR) FROM orders_enriched").fetchone()
    origin = [r[0] for r in con.execute("SELECT DISTINCT origin FROM review_facts ORDER BY 1").fetchall()]
    return {"orders": orders, "categories": categories, "states": states, "first_purchase": start,
            "last_purchase": end, "review_facts_origin": origin}


def _write_checked(path, records: list[dict], split: str) -> None:
    """Write a split and read it back with the readers' own checks; a file that fails is removed,
    so a bad line cannot leave the rule for a later job to find."""
    write_jsonl(path, records)
    try:
        check_pair_file(path, split=split, expected=len(records))
    except ValueError:
        Path(path).unlink(missing_ok=True)
        raise


def labeller_summary(set_dir) -> dict | None:
    """Accuracy per field of the Olist-mode labeller on the hand-labelled set, the ids it misses, and
    the agreement of the set's two blind labelling passes (the ceiling the accuracy is read against)."""
    summary = labelled_set.evaluate(set_dir) if set_dir else None
    if summary is not None:
        summary["pass_agreement"] = labelled_set.agreement(set_dir)["agreement"]
    return summary


def source_of(database: dict) -> str:
    """"synthetic" when every review's facts are the generator's, "olist" when they were derived."""
    return "synthetic" if database["review_facts_origin"] == ["synthetic"] else "olist"


def _split(streams: dict, wanted: dict) -> dict[str, dict[str, list[Candidate]]]:
    """Eval for every task first (its ids and texts are then excluded everywhere), then train."""
    chosen = {task: {split: [] for split in SPLITS} for task in streams}
    eval_keys: set[str] = set()
    seen_texts: set[str] = set()
    for task, stream in streams.items():
        for cand in _take(stream, wanted[task]["eval"], seen_texts, set(), task, "eval"):
            chosen[task]["eval"].append(cand)
            eval_keys.update(cand.keys)
    for task, stream in streams.items():
        size = wanted[task]["train"] + wanted[task]["validation"]
        pool = _take(stream, size, seen_texts, eval_keys, task, "train+validation")
        # The stream is stratified, so the pool's head is a stratified validation set.
        n_val = wanted[task]["validation"]
        chosen[task]["validation"], chosen[task]["train"] = pool[:n_val], pool[n_val:]
    return chosen


def _take(stream, count: int, seen_texts: set, excluded_keys: set, task: str, split: str) -> list[Candidate]:
    taken = []
    while len(taken) < count:
        cand = next(stream, None)
        if cand is None:
            raise ValueError(
                f"pairs: task {task!r} ran out of distinct prompts for {split} after {len(taken)} "
                f"of {count}; lower the pairs counts (pairs.scale, tasks.{task}.train/validation/eval) or build "
                f"a bigger commerce.db (data.orders)")
        text = normalize_text(cand.user)
        if text in seen_texts or excluded_keys.intersection(cand.keys):
            continue
        seen_texts.add(text)
        taken.append(cand)
    return taken


def _record(pair_id: str, task: str, split: str, cand: Candidate) -> dict:
    return {
        "id": pair_id,
        "task": task,
        "split": split,
        "prompt": [{"role": "system", "content": registry.get(task).system_prompt},
                   {"role": "user", "content": cand.user}],
        "reference": cand.reference,
        "source": cand.source,
    }


def pair_stats(records: dict[str, list[dict]], chosen: dict) -> dict:
    """Counts per task and split, prompt/reference lengths, coverage of categories, states, intents."""
    counts = {split: dict(Counter(r["task"] for r in records[split])) for split in SPLITS}
    lengths = {}
    for task in chosen:
        rows = [r for split in SPLITS for r in records[split] if r["task"] == task]
        lengths[task] = {
            "prompt_chars": _summary([len(r["prompt"][1]["content"]) for r in rows]),
            "reference_chars": _summary([len(json.dumps(r["reference"], ensure_ascii=False)) for r in rows]),
        }
    coverage = {}
    declared = {key for task in chosen for key in registry.get(task).meta_keys}
    for key in [k for k in COVERAGE_KEYS if k in declared] + sorted(declared - set(COVERAGE_KEYS)):
        per_split = {}
        for split in SPLITS:
            values = Counter(str(c.meta[key]) for task in chosen for c in chosen[task][split]
                             if key in c.meta and key in registry.get(task).meta_keys)
            per_split[split] = {"distinct": len(values), "counts": dict(sorted(values.items()))}
        coverage[key] = per_split
    return {"counts": counts, "total": {s: len(records[s]) for s in SPLITS}, "lengths": lengths,
            "coverage": coverage}


def _summary(values: list[int]) -> dict:
    if not values:
        return {"n": 0}
    arr = np.asarray(values)
    return {"n": int(arr.size), "mean": round(float(arr.mean()), 1), "min": int(arr.min()),
            "p50": int(np.median(arr)), "p95": int(np.percentile(arr, 95)), "max": int(arr.max())}
