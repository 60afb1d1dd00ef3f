"""Adversarial suite (L-reward-spec): answers that game a reward score below the honest answer.

Records come from the pipeline's own generator and pair builders (``built_pairs``), honest and
adversarial answers from ``rewards.answers``. Every hack of issue 11 is here (constant neutral
extraction, gold plus 2 KB of junk, string-echo booleans, off-task answers, push keyword salad,
insult, Spanish, one repeated word, insights prompt restated, action-word salad, wrong-way advice,
SQL shotgun columns) plus our own: each scores below 0.3 and below the honest answer to the same
prompt; answers in another task's format (or none) score exactly 0.
"""
import json
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from rewards.answers import HACKS, NEUTRAL, honest
from task_names import TASKS

from commerce_grpo.rewards import score
from commerce_grpo.tasklib.prompts import COMPLAINT_CATEGORIES, EXTRACTION_FIELDS, SENTIMENTS

# Answers in another task's format, or no recognisable answer for this one: exactly 0.
OFF_TASK = {
    "extraction": {"push_message", "insights_prose", "sql_answer", "three_fields_only", "empty_object"},
    "sql_qa": {"extraction_json", "prose_with_gold_numbers", "push_message", "copy_statement", "select_then_drop",
               "erroring_query", "hardcoded_literal", "literal_with_from", "checkpoint_function",
               "truncate_statement", "show_tables"},
    "insights": {"extraction_json", "sql_answer", "push_one_liner"},
    "push": {"extraction_json", "insights_analysis", "list_of_alternatives", "sql_answer", "emoji_only"},
}
HACK_NAMES = [(task, name) for task in TASKS for name in HACKS[task](
    {"task": task, "prompt": [{"role": "user", "content": "- x"}],
     "reference": {"extraction": NEUTRAL, "sql_qa": {"sql": "SELECT 1", "columns": ["a"], "rows": [[1]]},
                   "insights": {"facts": {"a": 1}, "topic": "frete"},
                   "push": {"intent": "cart_reminder", "facts": {"categoria": "x", "preco": "R$ 1,00"}}}[task]})]


def _records(built_pairs, task):
    db, records = built_pairs
    return db, [r for r in records if r["task"] == task]


def test_every_task_has_at_least_ten_hacks():
    for task in TASKS:
        assert sum(t == task for t, _ in HACK_NAMES) >= 10, task


@pytest.mark.parametrize("task,name", HACK_NAMES)
def test_hack_scores_below_honest_and_below_0_3(built_pairs, task, name):
    db, records = _records(built_pairs, task)
    checked = 0
    for record in records:
        ref = record["reference"]
        if name == "constant_neutral" and not (ref["sentiment"] == "negativo" and ref["complaint_category"] != "nenhuma"
                                               and any(ref[f] for f in EXTRACTION_FIELDS[2:6])):
            continue  # a constant is right on some prompts: here only where it is wrong; its mean below
        hack = score(record, HACKS[task](record)[name], db=db)
        fair = score(record, honest(record), db=db)
        assert hack.total < 0.3, (record["id"], name, dict(hack.components))
        assert hack.total < fair.total, (record["id"], name, hack.total, fair.total)
        if name in OFF_TASK[task]:
            assert hack.total == 0.0, (record["id"], name, dict(hack.components))
        checked += 1
    assert checked >= 3


@pytest.mark.parametrize("task", TASKS)
def test_honest_answers_score_high(built_pairs, task):
    db, records = _records(built_pairs, task)
    totals = [score(r, honest(r), db=db).total for r in records]
    assert min(totals) >= 0.8 and sum(totals) / len(totals) >= 0.9, totals


def test_constant_neutral_extraction_averages_below_half_and_gold_scores_one(built_pairs):
    _, records = _records(built_pairs, "extraction")
    assert {r["reference"]["sentiment_score"] for r in records} == {1, 2, 3, 4, 5}  # stratified like eval
    constant = json.dumps(NEUTRAL, ensure_ascii=False)
    mean_constant = sum(score(r, constant).total for r in records) / len(records)
    gold = [score(r, json.dumps(r["reference"], ensure_ascii=False)).total for r in records]
    assert mean_constant < 0.5
    assert min(gold) >= 0.95


def test_the_study_preset_still_pays_the_hacks_it_was_known_for(built_pairs):
    """The published reward, kept as ``preset: study``, is reproduced with its known flaws."""
    _, records = _records(built_pairs, "extraction")
    study = {"preset": "study"}
    constant = json.dumps(NEUTRAL, ensure_ascii=False)
    assert sum(score(r, constant, config=study).total for r in records) / len(records) > 0.7
    junk = HACKS["extraction"](records[0])["gold_then_2kb_junk"]
    assert score(records[0], junk, config=study).total == 1.0
    assert score(records[0], junk).total == 0.0


@pytest.mark.parametrize("task", TASKS)
def test_a_constant_answer_never_beats_reading_the_reference_on_average(built_pairs, task):
    """Any record's honest answer, given to every prompt, averages below each prompt's own."""
    db, records = _records(built_pairs, task)
    fair = sum(score(r, honest(r), db=db).total for r in records) / len(records)
    for source in records:
        constant = honest(source)
        mean = sum(score(r, constant, db=db).total for r in records) / len(records)
        assert mean < fair, (task, source["id"], mean, fair)


EXTRACTION_CONSTANTS = st.fixed_dictionaries({
    "sentiment": st.sampled_from(SENTIMENTS), "sentiment_score": st.integers(1, 5),
    "delivery_issue": st.booleans(), "product_quality_issue": st.booleans(), "wrong_or_missing_item": st.booleans(),
    "seller_service_issue": st.booleans(), "complaint_category": st.sampled_from(COMPLAINT_CATEGORIES),
    "would_recommend": st.booleans(), "churn_risk": st.floats(0, 1), "summary": st.text(min_size=1, max_size=40),
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(constant=EXTRACTION_CONSTANTS)
def test_no_constant_extraction_comes_near_reading_the_review(built_pairs, constant):
    _, records = _records(built_pairs, "extraction")
    text = json.dumps({k: constant[k] for k in EXTRACTION_FIELDS}, ensure_ascii=False)
    mean = sum(score(r, text).total for r in records) / len(records)
    fair = sum(score(r, honest(r)).total for r in records) / len(records)
    assert mean < 0.6 < fair


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("make", [
    lambda: "{" * 1_000_000,
    lambda: '{"a": ' * 200_000,
    lambda: "[" * 500_000 + "SELECT 1",
    lambda: "```json\n" + '{"sentiment": "' + "x" * 1_000_000,
    lambda: "{" * 8000,
])
def test_huge_or_deeply_nested_completions_score_in_milliseconds(record, task, make):
    text = make()
    rec = record(task, "pergunta", {})
    start = time.perf_counter()
    reward = score(rec, text)
    assert time.perf_counter() - start < 0.5
    assert 0.0 <= reward.total <= 1.0


@pytest.mark.parametrize("task", TASKS)
def test_deeply_nested_reference_json_does_not_raise(record, task):
    from commerce_grpo.tasklib import errors

    rec = {**record(task, "pergunta"), "reference": '{"a": ' * 100_000 + "1" + "}" * 100_000}
    reward = score(rec, json.dumps(NEUTRAL))
    assert 0.0 <= reward.total <= 1.0 and errors.count() == 0
    rec = {**record(task, "pergunta"), "reference": "[" * 200_000}
    assert 0.0 <= score(rec, "oi").total <= 1.0 and errors.count() == 0
