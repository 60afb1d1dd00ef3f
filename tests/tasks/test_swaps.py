"""Swap partners for the input-sensitivity test (``commerce_grpo.swaps``) and each task's ``kind``."""
import itertools
import json
import random

import numpy as np
import pytest

from commerce_grpo import tasks as registry
from commerce_grpo.data.db import build_commerce_db
from commerce_grpo.data.pairs import in_memory_copy
from commerce_grpo.swaps import swap_partners

PER_TASK = 40
# What each task calls the same kind of input (the lead's choice: intent, star rating, template).
EXPECTED_KIND = {
    "extraction": lambda r: str(r["source"]["review_score"]),
    "sql_qa": lambda r: r["source"]["template"],
    "insights": lambda r: r["source"]["template"],
    "push": lambda r: r["reference"]["intent"],
    "listing_repair": lambda r: r["reference"]["corruptions"][0]["kind"],
}


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    """The first candidates of every registered task, as pair records (JSON round trip)."""
    db = tmp_path_factory.mktemp("swaps") / "commerce.db"
    build_commerce_db(db, source="synthetic", olist_dir="unused", orders=1500, seed=5)
    con = in_memory_copy(db)
    try:
        out = []
        for task in registry.ALL:
            stream = registry.get(task).candidates(con, np.random.default_rng(1))
            out += [{"id": f"{task}-{i:06d}", "task": task, "prompt": [{"role": "user", "content": c.user}],
                     "reference": json.loads(json.dumps(c.reference, default=str)),
                     "source": json.loads(json.dumps(c.source, default=str))}
                    for i, c in enumerate(itertools.islice(stream, PER_TASK))]
    finally:
        con.close()
    return out


def _push(n_by_intent: dict[str, int]) -> list[dict]:
    return [{"id": f"push-{intent}-{i}", "task": "push", "reference": {"intent": intent}}
            for intent, n in n_by_intent.items() for i in range(n)]


def test_every_record_of_every_task_has_its_kind(records):
    assert set(EXPECTED_KIND) == set(registry.ALL)
    for task in registry.ALL:
        mine = [r for r in records if r["task"] == task]
        kinds = [registry.get(task).kind(r) for r in mine]
        assert len(mine) == PER_TASK and kinds == [EXPECTED_KIND[task](r) for r in mine], task
        assert all(isinstance(k, str) and k for k in kinds), task
        assert len(set(kinds)) > 1, f"{task}: one kind only, nothing to swap across"


@pytest.mark.parametrize("same_kind", [True, False])
def test_partners_are_other_records_of_the_same_task_and_the_asked_kind(records, same_kind):
    by_id = {r["id"]: r for r in records}
    kind = {r["id"]: registry.get(r["task"]).kind(r) for r in records}
    partners = swap_partners(records, same_kind=same_kind, seed=3)
    assert partners and all(a != b for a, b in partners.items())
    for a, b in partners.items():
        assert by_id[a]["task"] == by_id[b]["task"]
        assert (kind[a] == kind[b]) is same_kind, (a, b)
    # Every record with an eligible partner has one.
    eligible = {r["id"] for r in records
                if any(o["id"] != r["id"] and o["task"] == r["task"] and (kind[o["id"]] == kind[r["id"]]) is same_kind
                       for o in records)}
    assert set(partners) == eligible


def test_same_kind_partners_use_every_input_once(records):
    partners = swap_partners(records, seed=0)
    assert sorted(partners.values()) == sorted(partners)


def test_partners_depend_on_ids_and_seed_only(records):
    shuffled = records[:]
    random.Random(0).shuffle(shuffled)
    for same_kind in (True, False):
        first = swap_partners(records, same_kind=same_kind, seed=7)
        assert swap_partners(shuffled, same_kind=same_kind, seed=7) == first
        assert swap_partners(records, same_kind=same_kind, seed=8) != first


def test_a_record_alone_of_its_kind_or_a_task_of_one_kind_has_no_partner():
    records = _push({"review_request": 3, "cart_reminder": 1})
    assert set(swap_partners(records)) == {f"push-review_request-{i}" for i in range(3)}
    assert swap_partners(_push({"review_request": 4}), same_kind=False) == {}
    assert swap_partners(_push({"review_request": 1})) == {}


def test_other_kind_partners_when_one_kind_holds_most_records():
    records = _push({"review_request": 2, "cart_reminder": 2, "reengagement": 1})
    balanced = swap_partners(records, same_kind=False)
    assert sorted(balanced.values()) == sorted(balanced)  # a permutation: every input used once
    skewed = swap_partners(_push({"review_request": 5, "cart_reminder": 1, "delay_apology": 1}), same_kind=False)
    assert len(skewed) == 7
    assert all(a.split("-")[1] != b.split("-")[1] for a, b in skewed.items())


def test_a_repeated_id_is_an_error():
    with pytest.raises(ValueError, match="push-review_request-0"):
        swap_partners(_push({"review_request": 2}) * 2)
