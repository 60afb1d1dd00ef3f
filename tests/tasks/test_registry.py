"""The task registry (issue 16): the four tasks behave exactly as before it, and a fifth leaves them be.

``reference.json`` holds what the pipeline produced at a known commit (first the pre-registry code,
2dc4828; recaptured only by changes meant to alter pairs or scores): the sha256 of the pair files
and the score of every audit item and of each task's gold, adversarial and variant answers, under
both presets. It was written by ``capture_reference.py`` (its docstring gives the command); these
tests rebuild the same things through the registry.
"""
import hashlib
import itertools
import json
from pathlib import Path

import pytest
from data.data_fixtures import SMALL_TASKS as TASKS, pair_outputs
from tasks.capture_reference import PAIRS_SEED, SPLITS, answers, build_db, scores

from commerce_grpo import tasks as registry
from commerce_grpo.data.pairs import build_pairs
from commerce_grpo.tasklib.candidates import Candidate
from commerce_grpo.tasks.spec import TaskSpec

REFERENCE = json.loads((Path(__file__).parent / "reference.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return build_db(tmp_path_factory.mktemp("registry"))


@pytest.fixture(scope="module")
def built(db, tmp_path_factory):
    outputs = pair_outputs(tmp_path_factory.mktemp("pairs"))
    return outputs, build_pairs(db, outputs=outputs, seed=PAIRS_SEED, scale=1.0, tasks=TASKS)


def test_registry_order_and_lookup():
    assert registry.ALL[:4] == ("extraction", "sql_qa", "insights", "push")
    assert all(registry.get(name).name == name for name in registry.ALL)
    with pytest.raises(ValueError, match="known: .*extraction"):
        registry.get("nope")


def test_pair_files_are_byte_identical_to_the_pre_registry_build(built):
    outputs, _ = built
    digests = {split: hashlib.sha256(Path(outputs[split]).read_bytes()).hexdigest() for split in SPLITS}
    assert digests == REFERENCE["pairs_sha256"]


def test_scores_are_identical_to_the_pre_registry_rewards(built, db):
    _, records = built
    now = json.loads(json.dumps(scores(answers(records["eval"]), db)))
    assert now.keys() == REFERENCE["scores"].keys()
    for preset, table in REFERENCE["scores"].items():
        assert now[preset].keys() == table.keys(), preset
        changed = [key for key in table if now[preset][key] != table[key]]
        assert not changed, (preset, [(key, now[preset][key], table[key]) for key in changed[:3]])


def _toy_candidates(con, rng):
    for n in itertools.count():
        yield Candidate(user=f"Pedido fictício número {n} ({int(rng.integers(10**6))})", reference={"n": n},
                        source={}, keys=(f"toy:{n}",))


class _ToyReward:
    @staticmethod
    def components(record, text, *, db, settings):
        return {"ok": float(text.strip() == str(record["reference"]["n"]))}


TOY = TaskSpec(name="toy", system_prompt="Tarefa: teste do registro. Responda com o número do pedido.",
               candidates=_toy_candidates, target=lambda record: str(record["reference"]["n"]),
               rewards={"correctness": _ToyReward, "study": _ToyReward},
               weights={"correctness": {"ok": 1.0}, "study": {"ok": 1.0}},
               in_format=lambda record, text: text.strip().isdigit())


def test_enabling_a_fifth_task_leaves_the_other_tasks_records_unchanged(built, db, tmp_path, monkeypatch):
    monkeypatch.setitem(registry.REGISTRY, "toy", TOY)
    section = {**TASKS, "toy": {"enabled": True, "train": 7, "validation": 2, "eval": 3}}
    assert registry.enabled(section)[-1] == "toy"
    five = build_pairs(db, outputs=pair_outputs(tmp_path), seed=PAIRS_SEED, scale=1.0, tasks=section)
    _, four = built
    for split in SPLITS:
        by_id = {r["id"]: r for r in five[split] if r["task"] != "toy"}
        assert by_id == {r["id"]: r for r in four[split]}, split
        toy = [r for r in five[split] if r["task"] == "toy"]
        assert len(toy) == section["toy"][split]
        assert all(r["prompt"][0]["content"] == TOY.system_prompt for r in toy)


def test_enabled_follows_registry_order_and_names_a_bad_key():
    section = {name: {**TASKS[name], "enabled": name != "sql_qa"} for name in reversed(list(TASKS))}
    assert registry.enabled({"tasks": section}) == ("extraction", "insights", "push")
    with pytest.raises(ValueError, match=r"tasks\.listing_fake"):
        registry.enabled({"listing_fake": {"enabled": False}})
    with pytest.raises(ValueError, match=r"tasks\.push\.enabled"):
        registry.enabled({"push": {"train": 1}})
    with pytest.raises(ValueError, match="at least one task"):
        registry.enabled({name: {**n, "enabled": False} for name, n in TASKS.items()})
    with pytest.raises(ValueError, match=r"tasks\.push\.eval"):
        registry.counts({"push": {"enabled": True, "train": 1, "validation": 1, "eval": -1}})



def test_eval_history_columns_follow_the_run_s_tasks(monkeypatch):
    from commerce_grpo.train.validation import history_columns, stratified_subset

    assert history_columns(("extraction", "insights")) == [
        "step", "reward", "reward_extraction", "reward_insights", "extraction_json_valid_rate", "n_prompts",
        "eval_seconds"]
    monkeypatch.setitem(registry.REGISTRY, "toy", TOY)
    # The toy task declares no validation metric: its reward column only, no metric column.
    columns = history_columns(("push", "toy"))
    assert columns == ["step", "reward", "reward_push", "reward_toy", "push_within_120_rate", "n_prompts",
                       "eval_seconds"]
    records = [{"task": task, "n": n} for n in range(3) for task in ("toy", "push", "extraction")]
    assert [(r["task"], r["n"]) for r in stratified_subset(records, 4)] == [
        ("extraction", 0), ("push", 0), ("toy", 0), ("extraction", 1)]
