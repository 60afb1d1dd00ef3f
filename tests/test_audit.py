"""The reward audit gate (L-reward-audit): the shipped rewards pass it against consistent ratings;
a reward that pays a constant answer, a template-shaped reward (the swap test), a broken SQL
sandbox, and the study's two reward bugs (L-classifier, L-parser) fail it; nothing is written on
failure.

Ratings here are synthesised by a simulated rater that follows data/audit/RUBRIC.md's anchors
(never the reward); real ratings are the lead's, from independent blind raters.
"""
import json
import random
import re
import shutil
from pathlib import Path

import pytest
import yaml
from rewards.commerce_fixture import eval_records
from task_names import TASKS

from commerce_grpo import audit_items
from commerce_grpo import tasks as registry
from commerce_grpo.audit import (AuditGateError, adversarial_accuracy, inter_rater, load_items, load_ratings,
                                 parser_audit, quadratic_kappa, read_audit, run_reward_audit)
from commerce_grpo.audit_checks import swap_audit
from commerce_grpo.rewards import Reward, score
from commerce_grpo.tasklib import errors
from commerce_grpo.tasklib.parsing import Parsed
from commerce_grpo.tasklib.prompts import EXTRACTION_FIELDS
from commerce_grpo.tasks.extraction import reward as extraction
from commerce_grpo.tasks.extraction.summary import compose, review_text
from commerce_grpo.tasks.push import reward as push

ROOT = Path(__file__).resolve().parents[1]
ITEMS = ROOT / "data/audit/items.jsonl"
RATER_VIEW = ROOT / "data/audit/items_for_raters.jsonl"
ROUND2 = ROOT / "data/audit/items_round2.jsonl"
CONFIG = yaml.safe_load((ROOT / "config/config.yaml").read_text())
REWARDS_CONFIG = CONFIG["rewards"]
AUDIT = CONFIG["audit"]


@pytest.fixture(scope="module", autouse=True)
def snapshot_dir(tmp_path_factory):
    """Keep the sandbox's materialised snapshots inside the test's temp folder."""
    from commerce_grpo.tasklib import sql_snapshot

    original = sql_snapshot.SNAPSHOT_DIR
    sql_snapshot.SNAPSHOT_DIR = tmp_path_factory.mktemp("sandbox_snapshots")
    yield
    sql_snapshot.SNAPSHOT_DIR = original


@pytest.fixture(autouse=True)
def fresh_error_counters():
    from commerce_grpo.tasklib import sql_sandbox

    errors.reset()
    if hasattr(sql_sandbox, "reset_health"):
        sql_sandbox.reset_health()
    yield
    errors.reset()


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """commerce.db as the default config builds it (the audit items' prompts come from such a run)."""
    from commerce_grpo.data.db import build_commerce_db

    work = tmp_path_factory.mktemp("audit_db")
    data = CONFIG["data"]
    return str(build_commerce_db(work / "commerce.db", source="synthetic", olist_dir=work / "no-olist",
                                 orders=data["orders"], seed=data["seed"]))


@pytest.fixture(scope="module")
def items():
    return load_items(ITEMS)


# ------------------------------------------------------------------ a simulated rater (RUBRIC.md)
# Scores per adversarial hack, read off the rubric's anchors for that kind of answer.
RUBRIC_HACK_SCORES = {
    "extraction": {"constant_neutral": 1, "constant_positive": 1, "gold_plus_junk": 3, "string_echo_booleans": 3,
                   "inverted_labels": 2, "empty_object": 0, "keys_with_nulls": 1, "prose_summary": 0,
                   "sql_off_task": 0, "push_off_task": 0, "keyword_salad": 0, "review_restated": 0},
    "sql_qa": {"shotgun_columns": 1, "constant_query": 2, "wrong_result": 5, "erroring_query": 2, "table_dump": 2,
               "write_attempt": 0, "question_restated": 0, "keyword_salad": 1, "extraction_off_task": 0,
               "push_off_task": 0, "generic_count": 2, "spanish_no_query": 0},
    "insights": {"bullets_copied_plus_verbs": 2, "action_word_salad": 1, "wrong_direction": 1,
                 "extraction_off_task": 0, "push_off_task": 0, "sql_off_task": 0, "spanish": 1, "repeated_word": 1,
                 "generic_advice": 2, "question_restated": 0, "refusal": 0, "gold_plus_junk": 3},
    "push": {"keyword_salad": 1, "insulting_on_intent": 1, "spanish": 1, "repeated_word": 1, "formal_email": 3,
             "extraction_off_task": 0, "over_length": 5, "wrong_intent": 3, "prompt_restated": 2,
             "several_options": 2, "emoji_only": 1, "sql_off_task": 0},
}


RUBRIC_VARIANT_SCORES = {
    "extraction": {"one_flag_wrong": 6, "category_wrong": 6, "summary_missing": 6, "fenced_with_sentence": 9,
                   "decimal_comma": 9, "score_off_by_one": 7},
    "sql_qa": {"no_explanation": 8, "inline_query": 9, "unfenced_query": 9, "vague_explanation": 8,
               "explanation_only": 2, "bad_column": 5},
    "insights": {"diagnosis_only": 5, "recommendations_only": 5, "one_paragraph": 8, "short_summary": 3,
                 "gold_plus_generic": 8, "recommendations_generic_numbers": 5},
    "push": {"generic": 3, "no_emoji": 9, "slightly_long": 5, "formal_tone": 5, "with_name_placeholder": 3,
             "gold_with_hashtags": 8},
}


def _model_output_score(item) -> int:
    """A model output judged the rubric's way: mostly what a person could use of it."""
    text = item["completion"].strip()
    if item["task"] == "extraction":
        try:
            value = json.loads(re.sub(r"^```(?:json)?\s*|\s*```$", "", text))
        except ValueError:
            return 0
        if not isinstance(value, dict):
            return 0
        ref = item["record"]["reference"]
        return 1 + round(8 * sum(value.get(f) == ref.get(f) for f in EXTRACTION_FIELDS) / len(EXTRACTION_FIELDS))
    if item["task"] == "push":
        letters = sum(c.isalpha() or c.isspace() for c in text) / max(len(text), 1)
        return 3 if text and "{" not in text and len(text) <= 120 and letters > 0.9 else 0
    return 0  # the tiny demo model's sql_qa/insights outputs are not usable answers


def rubric_rating(item, rater: str) -> int:
    """One simulated rater: the rubric's score for the item, and a rater's own ±1 now and then."""
    kind = item["origin"]["kind"]
    if kind == "gold":
        base = 10
    elif item["task"] not in TASKS:  # a task the test config leaves off: rated, but the audit skips it
        base = 0
    elif kind == "adversarial":
        base = RUBRIC_HACK_SCORES[item["task"]][item["origin"]["hack"]]
    elif kind == "variant":
        base = RUBRIC_VARIANT_SCORES[item["task"]][item["origin"]["flaw"]]
    else:
        base = _model_output_score(item)
    rng = random.Random(f"{rater}|{item['id']}")
    return max(0, min(10, base + (rng.choice((-1, 1)) if rng.random() < 0.2 else 0)))


def write_ratings(folder: Path, items, raters=("r1", "r2"), rate=rubric_rating) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for rater in raters:
        path = folder / f"ratings_{rater}.jsonl"
        path.write_text("".join(json.dumps({"id": i["id"], "score": rate(i, rater)}) + "\n" for i in items))
        paths.append(path)
    return paths


@pytest.fixture
def ratings(tmp_path, items):
    return write_ratings(tmp_path / "ratings", items)


@pytest.fixture
def eval_path(tmp_path, items):
    """eval.jsonl: the fixture's records of every task, plus sql_qa records built on a database like
    the test's (the audit items' prompts, which come from a default run), so that the sandbox check
    scores realistic gold answers."""
    records = eval_records()
    for record in records:  # the fixture's gold explanation states no result; real ones do
        if record["task"] == "sql_qa":
            record["reference"]["explanation"] = "Pedidos por estado: SP lidera, com 40 pedidos."
    records += [{**i["record"], "split": "eval"} for i in items if i["task"] == "sql_qa" and i["origin"]["kind"] == "gold"]
    path = tmp_path / "eval.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def as_built_today(record: dict) -> dict:
    """The record with the gold the pair builder writes today: the audit items hold a default run's
    records from before the extraction summary quoted its review (issue 27), which the reward now
    pays 0.27 on their own prompt, so a swap ratio over them measures the old gold, not the reward."""
    if record["task"] != "extraction":
        return record
    reference = record["reference"]
    summary = compose(reference["sentiment"], reference, reference["would_recommend"], review_text(record))
    return {**record, "reference": {**reference, "summary": summary}}


@pytest.fixture
def train_path(tmp_path, items):
    """train.jsonl for the swap test: the audit items' prompts (a default run's training and
    validation prompts; sql_qa's, one per template, hold no two of one kind)."""
    records = [as_built_today(i["record"]) for i in items if i["origin"]["kind"] == "gold"]
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def outputs(tmp_path):
    return {"json": tmp_path / "out" / "reward_audit.json", "md": tmp_path / "out" / "reward_audit.md"}


@pytest.fixture
def run(db, ratings, eval_path, train_path, outputs):
    """The audit on this module's inputs, any of them (or the reward) replaced by keyword."""
    def run(**kwargs):
        args = dict(items=ITEMS, ratings=ratings, eval=eval_path, train=train_path, db=db, outputs=outputs,
                    rewards=REWARDS_CONFIG, min_raters=AUDIT["min_raters"], min_spearman=AUDIT["min_spearman"],
                    min_adversarial_accuracy=AUDIT["min_adversarial_accuracy"], min_gold_sql=AUDIT["min_gold_sql"],
                    max_swap_ratio=AUDIT["max_swap_ratio"], tasks=CONFIG["tasks"])
        return run_reward_audit(**{**args, **kwargs})
    return run


# ------------------------------------------------------------------ the gate on real rewards
def test_shipped_rewards_pass_the_gate_with_consistent_ratings(run, outputs):
    run()
    written = read_audit(outputs["json"])
    assert written["passed"] and written["reward_errors"] == 0
    assert written["gate"] == {"min_spearman": 0.6, "min_adversarial_accuracy": 0.95, "min_gold_sql": 0.85,
                               "max_swap_ratio": 0.4, "min_raters": 2}
    for task in TASKS:
        t = written["tasks"][task]
        assert t["n_items"] >= 60 and t["n_prompts"] >= 15 and t["raters"] == ["r1", "r2"], task
        assert t["spearman_mean"] >= 0.6 and set(t["spearman_per_rater"]) == {"r1", "r2"}, task
        assert t["adversarial_accuracy"] >= 0.95 and t["inter_rater"]["value"] > 0.5, task
    sandbox = written["sandbox"]
    assert sandbox["passed"] and sandbox["errors"] == 0 and sandbox["gold_checked"] >= 16
    assert sandbox["gold_min_score"] >= 0.85
    assert written["parser"]["total"]["ours_equal_gold"] == written["parser"]["total"]["n"]
    swap = written["swap"]
    assert swap["passed"] and swap["max_ratio"] == 0.4 and list(swap["tasks"]) == list(TASKS)
    measured = {task for task, t in swap["tasks"].items() if t["measured"]}
    assert measured == set(TASKS) - {"sql_qa"}  # the items hold one sql_qa prompt per template
    assert all(swap["tasks"][task]["ratio"] <= 0.4 and swap["tasks"][task]["pairs"] >= 10 for task in measured)
    md = outputs["md"].read_text()
    assert "PASSED" in md and "adversarial" in md and "sandbox" in md and "## Swap test" in md



def test_the_audit_covers_the_enabled_tasks_only(run, outputs):
    """sql_qa off: its items leave the audit and the SQL sandbox (sql_qa's alone) is not a gate."""
    tasks = {**CONFIG["tasks"], "sql_qa": {**CONFIG["tasks"]["sql_qa"], "enabled": False}}
    run(tasks=tasks)
    written = read_audit(outputs["json"])
    assert list(written["tasks"]) == ["extraction", "insights", "push"] and written["passed"]
    assert written["sandbox"]["gold_checked"] == 0 and written["sandbox"]["passed"]
    assert {i["task"] for i in written["items"]} == {"extraction", "insights", "push"}

def _pays_the_format(record, completion, **kwargs):
    """A format-only extraction reward: any JSON object with the schema's keys earns full marks, so a
    constant answer that ignores the review scores like the gold one (L-reward-spec)."""
    if record["task"] == "extraction":
        value = extraction.parse_json(completion).value if hasattr(extraction, "parse_json") else None
        return Reward(1.0 if isinstance(value, dict) and set(EXTRACTION_FIELDS) <= set(value) else 0.0, {})
    return score(record, completion, **kwargs)


def test_a_reward_that_pays_a_constant_answer_fails_the_gate(run, outputs):
    with pytest.raises(AuditGateError, match=r"task extraction: adversarial accuracy = 0\.\d+ < 0\.95.*constant_"):
        run(scorer=_pays_the_format)
    assert not outputs["json"].exists() and not outputs["md"].exists()


@pytest.mark.parametrize("breakage", ["missing", "garbage", "directory"])
def test_a_broken_sandbox_fails_the_gate_loudly(tmp_path, run, outputs, breakage):
    broken = tmp_path / "commerce.db"
    if breakage == "garbage":
        broken.write_bytes(b"not a duckdb file" * 100)
    elif breakage == "directory":
        broken.mkdir()
    with pytest.raises(AuditGateError, match=r"sandbox: \d+/\d+ sql_qa gold answer\(s\) score below 0\.85") as err:
        run(db=str(broken))
    assert not outputs["json"].exists()
    if breakage != "missing":  # the sandbox counts its own failures
        assert re.search(r"sandbox: \d+ sandbox/gold-query error\(s\) during the audit", str(err.value))


def test_a_corrupted_snapshot_fails_the_gate_loudly(db, tmp_path, run, outputs):
    """A snapshot changed after it was built (planted or corrupt) is rebuilt, and counted: the
    audit fails, naming it, rather than trusting a reward that ran on a tampered copy."""
    from commerce_grpo.tasklib.sql_snapshot import STORE

    own = tmp_path / "commerce.db"
    shutil.copy(db, own)
    snapshot = STORE.get(own).path
    snapshot.write_bytes(b"planted" * 1000)
    with pytest.raises(AuditGateError, match=r"sandbox: \d+ sandbox/gold-query error\(s\) during the audit"):
        run(db=str(own))
    assert not outputs["json"].exists()


def test_the_studys_published_reward_fails_the_adversarial_gate(run, outputs):
    """The study's preset pays hacks the correctness-first default does not (L-reward-spec)."""
    with pytest.raises(AuditGateError, match=r"adversarial accuracy = 0\.\d+ < 0\.95"):
        run(rewards={**REWARDS_CONFIG, "preset": "study"})


def _template_shaped(record, completion, **kwargs):
    """A push reward that pays any well-formed message that does its intent, whatever the product
    and offer: the demo's per-intent template (the same message for every prompt of an intent)
    scores like the honest answer, and the swap test sees it (issue 27)."""
    if record["task"] == "push":
        return Reward(float(push.in_format(record, completion) and push.does_intent(record, completion)), {})
    return score(record, completion, **kwargs)


def test_a_template_shaped_reward_fails_the_swap_test(run, outputs):
    with pytest.raises(AuditGateError, match=r"swap: task push: another prompt's honest answer of the same kind "
                                             r"scores 1\.0 of the honest one") as err:
        run(scorer=_template_shaped)
    assert "swap: task insights" not in str(err.value) and not outputs["json"].exists()


def _records(task: str, kinds: list[str]) -> list[dict]:
    """Pair records of ``task`` whose kinds are ``kinds`` (push: the intent)."""
    return [{"id": f"{task}-{n}", "task": task, "prompt": [{"role": "user", "content": f"prompt {n}"}],
             "reference": {"intent": kind, "facts": {"categoria": f"categoria {n}"}}, "source": {"template": kind}}
            for n, kind in enumerate(kinds)]


def test_the_swap_test_pairs_prompts_of_one_kind_and_says_what_it_could_not_measure():
    records = _records("push", ["delay_apology"] * 6 + ["review_request"] * 6 + ["reengagement"])
    seen = []

    def scorer(record, completion, **kwargs):
        seen.append((record["id"], completion))
        return Reward(1.0 if record["reference"]["facts"]["categoria"] in completion else 0.25, {})

    result = swap_audit(records + _records("insights", ["frete", "pagamentos"]), tasks=["push", "insights"],
                        db=None, rewards=None, max_ratio=0.4, scorer=scorer)
    push_entry = result["tasks"]["push"]
    assert push_entry == {"pairs": 12, "honest_mean": 1.0, "swapped_mean": 0.25, "ratio": 0.25, "measured": True,
                          "passed": True}
    assert result["tasks"]["insights"]["measured"] is False and result["passed"]  # no two of one template
    assert {record_id for record_id, _ in seen} == {f"push-{n}" for n in range(12)}  # the lone intent left out
    few = swap_audit(records[:9], tasks=["push"], db=None, rewards=None, max_ratio=0.2, scorer=scorer)
    assert few["tasks"]["push"]["pairs"] == 9 and not few["tasks"]["push"]["measured"] and few["passed"]
    failed = swap_audit(records, tasks=["push"], db=None, rewards=None, max_ratio=0.2, scorer=scorer)
    assert not failed["passed"] and "task push" in failed["reasons"][0] and "0.25" in failed["reasons"][0]


def _classifier_bug(record, completion, **kwargs):
    """L-classifier: insights prompts scored as push notifications."""
    task = "push" if record["task"] == "insights" else record["task"]
    return score({**record, "task": task}, completion, **kwargs)


def test_the_studys_classifier_bug_fails_the_gate(run, outputs):
    with pytest.raises(AuditGateError, match=r"task insights: ") as err:
        run(scorer=_classifier_bug)
    assert "task extraction" not in str(err.value)
    assert not outputs["json"].exists()


def test_the_studys_json_loads_parser_fails_the_gate(run, outputs, monkeypatch):
    def json_loads_only(text):  # L-parser: the parser that rejected PT-BR `4,5`
        try:
            value = json.loads(text)
        except ValueError:
            return Parsed(None, "none")
        return Parsed(value if isinstance(value, dict) else None, "json")

    monkeypatch.setattr(extraction, "parse_json", json_loads_only)
    with pytest.raises(AuditGateError, match=r"parser: gold extraction answers .* score below 0\.5.*decimal_comma"):
        run()
    assert not outputs["json"].exists()


def test_no_ratings_fail_the_gate_and_say_what_to_do(run, tmp_path):
    with pytest.raises(AuditGateError, match=r"ratings from 0 rater\(s\).*RUBRIC\.md"):
        run(ratings=str(tmp_path / "none" / "ratings_*.jsonl"))


def test_a_misrouted_eval_prompt_fails_the_gate(run, tmp_path):
    records = eval_records()
    records[-1]["task"] = "insights"  # a push prompt labelled insights
    path = tmp_path / "eval.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    with pytest.raises(AuditGateError, match="classifier: 1 eval prompt"):
        run(eval=path)


def test_a_reward_that_raises_fails_the_gate(run, outputs, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(extraction, "components", boom)
    with pytest.raises(AuditGateError, match=r"rewards raised \(or the sandbox failed\) on \d+ audit item"):
        run()


def _with_judge(base_url: str) -> dict:
    return {**REWARDS_CONFIG, "judge": {"enabled": True, "base_url": base_url, "model": "m", "timeout_s": 5,
                                        "rubric_file": str(ROOT / "data/judge/rubric.yaml"), "retries": 0}}


def test_an_enabled_judge_scores_the_honest_answers_and_is_recorded(run, outputs):
    from rewards.fixed_judge import fixed_judge, full_marks

    with fixed_judge(full_marks) as (server, url):
        run(rewards=_with_judge(url))
    judge = json.loads(outputs["json"].read_text())["judge"]
    n_gold = sum(i["origin"]["kind"] == "gold" and i["task"] in TASKS for i in load_items(ITEMS))  # enabled tasks only
    assert judge["enabled"] and judge["errors"] == 0 and judge["scored"] == judge["items"] == n_gold
    assert judge["mean"] == 1.0 and len(server.requests) == n_gold
    assert "LLM judge (m at " in outputs["md"].read_text()


def test_an_unreachable_judge_fails_the_gate_loudly(run, outputs):
    from rewards.fixed_judge import free_port

    with pytest.raises(AuditGateError, match=r"judge: (\d+) of \1 judge call\(s\) on the honest audit answers failed"):
        run(rewards=_with_judge(f"http://127.0.0.1:{free_port()}/v1"))
    assert errors.count("judge") > 0 and not outputs["json"].exists()


# ------------------------------------------------------------------ the items and the rater view
def test_items_cover_every_task_mostly_from_model_outputs(items):
    for task in registry.ALL:
        rows = [i for i in items if i["task"] == task]
        kinds = {k: sum(i["origin"]["kind"] == k for i in rows) for k in ("model", "gold", "variant", "adversarial")}
        assert len(rows) >= 60 and len({i["group"] for i in rows}) >= 15, task
        assert kinds["model"] > kinds["gold"] + kinds["variant"] + kinds["adversarial"], (task, kinds)
        assert kinds["adversarial"] >= 10 and kinds["gold"] == len({i["group"] for i in rows}), (task, kinds)
        # GRPO outputs come in a second round when the first was rated before the run's GRPO
        # arms existed (audit_items --extend); it is merged into items.jsonl once rated.
        pending = [json.loads(line) for line in ROUND2.read_text().splitlines()] if ROUND2.exists() else []
        arms = {i["origin"]["arm"] for i in rows + pending if i["task"] == task and i["origin"]["kind"] == "model"}
        assert {"base", "sft"} <= arms and any(a.startswith("grpo") for a in arms), (task, arms)
        assert all(i["record"]["split"] in ("train", "validation") for i in rows)


def test_committed_ratings_cover_every_item_once(items):
    paths = sorted(ITEMS.parent.glob("ratings_*.jsonl"))
    if not paths:
        pytest.skip("no ratings committed yet")
    raters = load_ratings(paths, [i["id"] for i in items])
    assert len(raters) >= AUDIT["min_raters"]


def test_a_second_round_adds_missing_arms_and_variants_and_merges(tmp_path):
    records = [json.loads(line)["record"] for line in ITEMS.read_text().splitlines()]
    prompts = list({r["id"]: r for r in records}.values())
    fake = {arm: {t: [f"{arm} {t} {n}" for n in range(len(prompts))] for t in audit_items.TEMPERATURES}
            for arm in ("base", "sft", "grpo_seed42")}
    first = audit_items.assemble_items(prompts, {a: fake[a] for a in ("base", "sft")}, model_per_prompt=2,
                                       adversarial_per_task=10, variants_per_task=0, seed=1)
    audit_items.write_items(first, tmp_path, seed=1)
    second = audit_items.extend_items(first, prompts, fake, variants_per_task=12, seed=1)
    assert sum(i["origin"].get("arm") == "grpo_seed42" for i in second) == len(prompts)
    assert {t: sum(i["task"] == t and i["origin"]["kind"] == "variant" for i in second) for t in TASKS} \
        == dict.fromkeys(TASKS, 12)
    assert not {i["id"] for i in first} & {i["id"] for i in second}
    audit_items.write_items(second, tmp_path, seed=1, name="items_round2")
    assert audit_items.merge_round(tmp_path) == len(second)
    merged = load_items(tmp_path / "items.jsonl")
    assert len(merged) == len(first) + len(second) and not (tmp_path / "items_round2.jsonl").exists()


def test_the_rater_view_is_blind_and_complete(items):
    view = [json.loads(line) for line in RATER_VIEW.read_text(encoding="utf-8").splitlines()]
    assert sorted(v["id"] for v in view) == sorted(i["id"] for i in items)
    by_id = {i["id"]: i for i in items}
    for v in view:
        assert set(v) <= {"id", "task", "prompt", "completion", "gold_result", "max_chars", "review_score"}
        assert v["completion"] == by_id[v["id"]]["completion"] and not re.search(r"gold|adversarial|base|sft|grpo",
                                                                                  v["id"])
        if v["task"] == "sql_qa":
            assert v["gold_result"]["rows"] == by_id[v["id"]]["record"]["reference"]["rows"]
    tasks_in_order = [v["task"] for v in view[:40]]
    assert len(set(tasks_in_order)) == 4  # shuffled, not grouped by task or origin


def test_every_gold_item_scores_high_and_every_hack_is_linked(items, db):
    gold = {i["id"]: i for i in items if i["origin"]["kind"] == "gold"}
    for item in items:
        if item["origin"]["kind"] == "adversarial":
            assert gold[item["honest_of"]]["group"] == item["group"]
    hacks = {t: {i["origin"]["hack"] for i in items if i["task"] == t and i["origin"]["kind"] == "adversarial"}
             for t in TASKS}
    assert all(len(h) >= 10 for h in hacks.values()), hacks


def test_adversarial_answers_and_prompt_selection_are_reproducible():
    records = [{"id": f"{t}-{n}", "task": t, "split": "train", "prompt": [{"role": "user", "content": f"{t} {n}"}],
                "reference": {}, "source": {"template": f"tpl{n % 3}"}} for t in TASKS for n in range(20)]
    first = audit_items.select_prompts(records, per_task=16, seed=7)
    assert first == audit_items.select_prompts(records, per_task=16, seed=7)
    assert {t: sum(r["task"] == t for r in first) for t in TASKS} == dict.fromkeys(TASKS, 16)
    with pytest.raises(ValueError, match="eval prompts must never"):
        audit_items.select_prompts([{**records[0], "split": "eval"}], per_task=1, seed=7)
    sample = [json.loads(line)["record"] for line in ITEMS.read_text().splitlines()[:400]]
    for task in TASKS:
        record = next(r for r in sample if r["task"] == task)
        gold = audit_items.gold_answer(record)
        hacks = audit_items.adversarial_answers(record, gold)
        assert len(hacks) >= 10 and gold not in hacks.values(), task


# ------------------------------------------------------------------ statistics and strict readers
def test_adversarial_accuracy_counts_ties_as_misses():
    items = [{"id": "g", "origin": {"kind": "gold"}, "honest_of": None},
             {"id": "a", "origin": {"kind": "adversarial", "hack": "x"}, "honest_of": "g"},
             {"id": "b", "origin": {"kind": "adversarial", "hack": "y"}, "honest_of": "g"}]
    accuracy, misses = adversarial_accuracy(items, {"g": 0.8, "a": 0.1, "b": 0.8})
    assert accuracy == 0.5 and [m["hack"] for m in misses] == ["y"]


def test_inter_rater_agreement():
    a = [0, 1, 2, 5, 8, 10]
    assert quadratic_kappa(a, a) == 1.0
    assert quadratic_kappa(a, [10 - x for x in a]) < 0
    agreement = inter_rater({"r1": a, "r2": [0, 2, 2, 4, 9, 10]})
    assert agreement["metric"] == "spearman" and 0.9 < agreement["value"] <= 1 and agreement["quadratic_kappa"] > 0.9


def _items_file(tmp_path, items):
    path = tmp_path / "items.jsonl"
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items))
    return path


@pytest.mark.parametrize("line,message", [
    ('{"id": "nope", "score": 3}', "is not an audit item"),
    ('{"id": "ID", "score": 11}', "whole number from 0 to 10"),
    ('{"id": "ID", "score": 3.5}', "whole number from 0 to 10"),
    ('{"id": "ID", "score": true}', "whole number from 0 to 10"),
    ('{"id": "ID"}', "expected"),
    ("not json", "not valid JSON"),
])
def test_bad_ratings_lines_are_named(tmp_path, items, line, message):
    ids = [i["id"] for i in items[:3]]
    path = tmp_path / "ratings_x.jsonl"
    path.write_text("".join(json.dumps({"id": i, "score": 5}) + "\n" for i in ids[1:]) + line.replace("ID", ids[0]) + "\n")
    with pytest.raises(ValueError, match=message) as err:
        load_ratings([path], ids)
    assert "ratings_x.jsonl" in str(err.value)


def test_ratings_must_cover_every_item_once_and_name_the_rater(tmp_path, items):
    ids = [i["id"] for i in items[:3]]
    partial = tmp_path / "ratings_a.jsonl"
    partial.write_text(json.dumps({"id": ids[0], "score": 1}) + "\n")
    with pytest.raises(ValueError, match=r"2 item\(s\) not rated"):
        load_ratings([partial], ids)
    twice = tmp_path / "ratings_b.jsonl"
    twice.write_text("".join(json.dumps({"id": i, "score": 1}) + "\n" for i in ids + ids[:1]))
    with pytest.raises(ValueError, match="rated twice"):
        load_ratings([twice], ids)
    badname = tmp_path / "scores.jsonl"
    shutil.copy(partial, badname)
    with pytest.raises(ValueError, match="ratings_<rater id>.jsonl"):
        load_ratings([badname], ids)


@pytest.mark.parametrize("change,message", [
    (lambda i: i.pop("honest_of"), "missing key"),
    (lambda i: i.update(task="chat"), "task 'chat'"),
    (lambda i: i["record"].update(split="eval"), "eval prompt"),
    (lambda i: i.update(origin={"kind": "human"}), "origin.kind"),
    (lambda i: i.update(honest_of=None) if i["origin"]["kind"] == "adversarial" else i.update(honest_of="x"),
     "honest_of"),
])
def test_bad_items_are_named(tmp_path, items, change, message):
    broken = [json.loads(json.dumps(i)) for i in items]
    victim = next(i for i in broken if i["origin"]["kind"] == "adversarial")
    change(victim)
    with pytest.raises(ValueError, match=message):
        load_items(_items_file(tmp_path, broken))


def test_parser_audit_counts_what_json_loads_misses_and_scores_each_rendering():
    result = parser_audit(eval_records(), scorer=score, rewards=REWARDS_CONFIG)
    assert result["references"] == 4
    assert result["variants"]["plain"]["json_loads"] == 4 and result["variants"]["plain"]["reward_min"] >= 0.95
    for name in ("fenced", "decimal_comma", "trailing_prose", "fenced_comma_with_prose", "trailing_comma"):
        v = result["variants"][name]
        assert (v["n"], v["json_loads"], v["ours"], v["ours_equal_gold"]) == (4, 0, 4, 4), name
        assert v["reward_min"] >= 0.5, name


def test_rubric_is_written_and_independent_of_the_reward_code():
    rubric = (ROOT / "data/audit/RUBRIC.md").read_text()
    for task in TASKS:
        assert f"## {task}" in rubric
    for code_word in ("commerce_grpo", "component", "weight", "json_valid", "reward", "0.85", "0.6", "Spearman"):
        assert code_word not in rubric, code_word
    assert "ratings_<your id>.jsonl" in rubric and "0 to 10" in rubric


def _valid_audit_document():
    task = {"n_items": 60, "n_prompts": 15, "raters": ["r1", "r2"], "spearman_per_rater": {"r1": 0.8, "r2": 0.7},
            "spearman_mean": 0.82, "inter_rater": {"metric": "spearman", "value": 0.75},
            "adversarial_accuracy": 1.0, "passed": True, "reasons": []}
    return {"preset": "correctness",
            "gate": {"min_spearman": 0.6, "min_adversarial_accuracy": 0.95, "min_gold_sql": 0.85,
                     "max_swap_ratio": 0.4},
            "passed": True, "reward_errors": 0, "tasks": {t: dict(task) for t in TASKS},
            "sandbox": {"gold_checked": 15, "gold_min_score": 0.97, "errors": 0, "passed": True},
            "parser": {}, "classifier": {}, "swap": {"max_ratio": 0.4, "passed": True, "tasks": {}}}


def test_read_audit_reads_the_layout_and_names_a_missing_key(tmp_path):
    path = tmp_path / "reward_audit.json"
    doc = _valid_audit_document()
    path.write_text(json.dumps(doc))
    assert read_audit(path) == doc
    del doc["tasks"]["push"]["adversarial_accuracy"]
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=r"reward_audit.json: missing key 'tasks.push.adversarial_accuracy'"):
        read_audit(path)
    doc = _valid_audit_document()
    doc["sandbox"]["errors"] = True  # a bool is not a count
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="sandbox.errors"):
        read_audit(path)
    doc["sandbox"]["errors"] = 0
    doc["tasks"]["sql_qq"] = doc["tasks"].pop("sql_qa")  # a run audits its enabled tasks, each registered
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=r"tasks\.sql_qq' is not a registered task"):
        read_audit(path)
    doc["tasks"] = {}
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="names no task"):
        read_audit(path)
    path.write_text("{")
    with pytest.raises(ValueError, match="cannot read the reward audit"):
        read_audit(path)
