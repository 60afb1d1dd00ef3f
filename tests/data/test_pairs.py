"""Pairs: record contract, determinism, leakage-free eval, executable gold SQL, stats."""
import json
from pathlib import Path

import duckdb
import pytest
import yaml

from commerce_grpo.data.pairs import build_pairs, read_stats
from commerce_grpo.data.ptbr import normalize_text
from commerce_grpo.tasklib.prompts import COMPLAINT_CATEGORIES, EXTRACTION_FIELDS, PUSH_MAX_CHARS, SENTIMENTS
from commerce_grpo.tasks import get as get_task
from commerce_grpo.tasks.sql_qa.builder import run_gold
from data.data_fixtures import DEFAULT_TASKS, SMALL_TASKS, pair_outputs, per_task
from task_names import TASKS

REPO = Path(__file__).resolve().parents[2]
INTENTS = {"delay_apology", "review_request", "reengagement", "cart_reminder"}


def load(path):
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


def test_default_counts_per_task_and_split(default_pairs):
    outputs, _ = default_pairs
    for split in ("train", "validation", "eval"):
        records = load(outputs[split])
        assert {t: sum(r["task"] == t for r in records) for t in TASKS} == per_task(DEFAULT_TASKS, split)
        assert all(r["split"] == split for r in records)
    assert sum(per_task(DEFAULT_TASKS, "eval").values()) == 65  # the study's stratified eval


def test_the_recipe_file_keeps_the_studys_mix():
    """The embedded default trains more extraction prompts (its SFT needs them to read the review);
    the real recipe keeps the study's 1,480-prompt 40/30/20/10 mix and 65 eval prompts."""
    recipe = yaml.safe_load((REPO / "config" / "tucano2-0.5b.yaml").read_text(encoding="utf-8"))["tasks"]
    enabled = {t: c for t, c in recipe.items() if c["enabled"]}
    assert {t: c["train"] for t, c in enabled.items()} == {"extraction": 592, "sql_qa": 444, "insights": 296,
                                                           "push": 148}
    assert sum(c["eval"] for c in enabled.values()) == 65


def test_record_contract(default_pairs):
    _, records = default_pairs
    all_records = [r for split in records.values() for r in split]
    assert len({r["id"] for r in all_records}) == len(all_records)
    for r in all_records:
        assert set(r) == {"id", "task", "split", "prompt", "reference", "source"}
        assert r["id"].startswith(f"{r['task']}-") and len(r["id"].split("-")[1]) == 6
        assert [m["role"] for m in r["prompt"]] == ["system", "user"]
        assert r["prompt"][0]["content"] == get_task(r["task"]).system_prompt
        ref, src = r["reference"], r["source"]
        if r["task"] == "extraction":
            assert list(ref) == list(EXTRACTION_FIELDS)
            assert r["prompt"][1]["content"].startswith(f"Avaliação do pedido (nota {src['review_score']}/5):\n")
            assert ref["sentiment"] in SENTIMENTS and ref["complaint_category"] in COMPLAINT_CATEGORIES
            assert type(ref["sentiment_score"]) is int and ref["sentiment_score"] == src["review_score"]
            assert ref["sentiment"] == ("positivo" if ref["sentiment_score"] >= 4 else
                                        "neutro" if ref["sentiment_score"] == 3 else "negativo")
            for flag in ("delivery_issue", "product_quality_issue", "wrong_or_missing_item",
                         "seller_service_issue", "would_recommend"):
                assert type(ref[flag]) is bool
            assert 0 <= ref["churn_risk"] <= 1 and 0 < len(ref["summary"]) <= 140
            assert ref["complaint_category"] == "nenhuma" or ref["sentiment_score"] <= 5
            assert {"order_id", "review_id", "review_score"} <= set(src)
        elif r["task"] == "sql_qa":
            assert set(ref) == {"sql", "columns", "rows", "explanation"} and ref["rows"] and ref["explanation"]
            assert "template" in src
        elif r["task"] == "insights":
            assert set(ref) == {"facts", "topic"} and ref["facts"] and src["template"] == ref["topic"]
        else:
            assert ref["intent"] in INTENTS and ref["max_chars"] == PUSH_MAX_CHARS and ref["facts"]
            assert ("order_id" in src) != ("customer_id" in src) and "template" in src


def test_eval_is_stratified(default_pairs):
    _, records = default_pairs
    evals = records["eval"]
    assert {r["reference"]["intent"] for r in evals if r["task"] == "push"} == INTENTS
    assert {r["source"]["review_score"] for r in evals if r["task"] == "extraction"} == {1, 2, 3, 4, 5}
    assert len({r["source"]["template"] for r in evals if r["task"] == "sql_qa"}) == 15
    assert len({r["reference"]["topic"] for r in evals if r["task"] == "insights"}) == 10


def _ids(record):
    src = record["source"]
    return {v for k, v in src.items() if k.endswith("_id")}


def test_no_overlap_between_eval_and_training(default_pairs):
    _, records = default_pairs
    training = records["train"] + records["validation"]
    evals = records["eval"]
    assert not {r["id"] for r in evals} & {r["id"] for r in training}
    assert not set().union(*map(_ids, evals)) & set().union(*map(_ids, training))
    texts = lambda rs: {normalize_text(r["prompt"][1]["content"]) for r in rs}
    assert not texts(evals) & texts(training)
    # and no prompt text repeats inside training either
    assert len(texts(training)) == len(training)


def test_every_gold_sql_runs_and_returns_its_stored_result(default_db, default_pairs):
    _, records = default_pairs
    sql_pairs = [r for split in records.values() for r in split if r["task"] == "sql_qa"]
    assert len(sql_pairs) == 465
    with duckdb.connect(str(default_db), read_only=True) as con:
        for r in sql_pairs:
            columns, rows = run_gold(con, r["reference"]["sql"])
            assert columns == r["reference"]["columns"] and rows == r["reference"]["rows"], r["id"]


def test_stats_file(default_pairs):
    outputs, _ = default_pairs
    stats = read_stats(outputs["stats"])
    assert stats["source"] == "synthetic"
    assert stats["counts"]["train"] == per_task(DEFAULT_TASKS, "train")
    assert stats["total"] == {split: sum(per_task(DEFAULT_TASKS, split).values())
                              for split in ("train", "validation", "eval")}
    for task in TASKS:
        assert stats["lengths"][task]["prompt_chars"]["n"] > 0
    assert stats["coverage"]["intent"]["eval"]["distinct"] == 4
    assert stats["coverage"]["state"]["train"]["distinct"] >= 20
    assert stats["coverage"]["category"]["train"]["distinct"] >= 30
    assert stats["database"]["orders"] == 5000 and stats["database"]["review_facts_origin"] == ["synthetic"]
    # the comment-text figures of the comparison with real reviews, and the labeller's accuracy
    assert stats["text"]["n"] > 1500 and stats["text"]["types_per_20k_tokens"] >= 2000
    assert stats["labeller"]["n"] >= 150 and min(stats["labeller"]["accuracy"].values()) >= 0.9
    assert set(stats["labeller"]["pass_agreement"]) == set(stats["labeller"]["accuracy"])


def test_same_seed_byte_identical_other_seed_differs(small_db, tmp_path):
    def build(seed, name):
        outputs = pair_outputs(tmp_path / name)
        build_pairs(small_db, outputs=outputs, seed=seed, scale=1.0, tasks=SMALL_TASKS)
        return {k: Path(v).read_bytes() for k, v in outputs.items()}
    first, again, other = build(5, "a"), build(5, "b"), build(6, "c")
    assert first == again
    for split in ("train", "validation", "eval"):
        assert first[split] != other[split]


def test_scale_multiplies_train_counts(small_db, tmp_path):
    outputs = pair_outputs(tmp_path)
    records = build_pairs(small_db, outputs=outputs, seed=1, scale=2.5, tasks=SMALL_TASKS)
    counts = {t: sum(r["task"] == t for r in records["train"]) for t in TASKS}
    assert counts == {t: round(n * 2.5) for t, n in per_task(SMALL_TASKS, "train").items()}


def test_too_many_pairs_for_the_database_is_a_clear_error(small_db, tmp_path):
    tasks = {**SMALL_TASKS, "extraction": {**SMALL_TASKS["extraction"], "train": 10**6}}
    with pytest.raises(ValueError, match="extraction.*ran out of distinct prompts.*data.orders"):
        build_pairs(small_db, outputs=pair_outputs(tmp_path), seed=1, scale=1.0, tasks=tasks)


def test_missing_task_count_is_named(small_db, tmp_path):
    tasks = {**SMALL_TASKS, "push": {"enabled": True, "train": 1, "validation": 1}}
    with pytest.raises(ValueError, match=r"tasks\.push\.eval"):
        build_pairs(small_db, outputs=pair_outputs(tmp_path), seed=1, scale=1.0, tasks=tasks)


def test_only_enabled_tasks_are_built(small_db, tmp_path):
    tasks = {**SMALL_TASKS, "sql_qa": {**SMALL_TASKS["sql_qa"], "enabled": False}}
    records = build_pairs(small_db, outputs=pair_outputs(tmp_path), seed=1, scale=1.0, tasks=tasks)
    assert {r["task"] for split in records.values() for r in split} == {"extraction", "insights", "push"}
