"""Write ``reference.json``: what the pipeline produces at a known commit, to guard refactors.

First captured from the pre-registry code (commit 2dc4828, issue 16), so that moving the tasks
onto the registry (and later into one package each, issue 21) provably changed nothing. A change
*meant* to alter pairs or scores (new synthetic review text, issue 24; rewards that read the
input, issue 27) recaptures it with the new code, from the repository root:
``PYTHONPATH=scripts:tests python tests/tasks/capture_reference.py tests/tasks/reference.json``.
``test_registry.py`` rebuilds the same things through the registry and compares: the pair files'
sha256 and every score.

Recorded: the sha256 of train/validation/eval jsonl built on a 2,000-order synthetic commerce.db
(``SMALL_TASKS`` of tests/data/data_fixtures.py, seed 11); the total and components of every item
of data/audit/items.jsonl and of the gold, adversarial and variant answers to the first eval
records of each task, under both reward presets, scored against that database.
"""
import hashlib
import json
import sys
import tempfile
from pathlib import Path

from data.data_fixtures import SMALL_TASKS as TASKS, pair_outputs
from task_names import TASKS as CAPTURED

from commerce_grpo import audit_items
from commerce_grpo.data.db import build_commerce_db
from commerce_grpo.data.pairs import build_pairs
from commerce_grpo.rewards import score

DB = {"orders": 2000, "seed": 3}
PAIRS_SEED = 11
SPLITS = ("train", "validation", "eval")
PRESETS = ("correctness", "study")
ITEMS = Path("data/audit/items.jsonl")
RECORDS_PER_TASK = 3  # eval records per task whose gold, hacks and variants are scored


def build_db(folder: Path) -> Path:
    db = folder / "commerce.db"
    build_commerce_db(db, source="synthetic", olist_dir="unused", orders=DB["orders"], seed=DB["seed"])
    return db


def answers(records: list[dict]) -> list[tuple[str, dict, str]]:
    """(key, record, completion) for the audit items of the four pre-registry tasks and the answers
    to the first eval records."""
    rows = [(f"item/{item['id']}", item["record"], item["completion"])
            for item in map(json.loads, ITEMS.read_text(encoding="utf-8").splitlines()) if item["task"] in CAPTURED]
    seen: dict[str, int] = {}
    for record in records:
        if seen.get(record["task"], 0) >= RECORDS_PER_TASK:
            continue
        seen[record["task"]] = seen.get(record["task"], 0) + 1
        gold = audit_items.gold_answer(record)
        rows.append((f"{record['id']}/gold", record, gold))
        for kind, table in (("adversarial", audit_items.adversarial_answers(record, gold)),
                            ("variant", audit_items.variant_answers(record, gold))):
            rows += [(f"{record['id']}/{kind}/{name}", record, text) for name, text in table.items()]
    return rows


def scores(rows: list[tuple[str, dict, str]], db: Path) -> dict:
    return {preset: {key: [reward.total, dict(reward.components)]
                     for key, record, text in rows
                     for reward in [score(record, text, db=db, config={"preset": preset})]}
            for preset in PRESETS}


def sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def main(out: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = build_db(Path(tmp))
        outputs = pair_outputs(Path(tmp))
        records = build_pairs(db, outputs=outputs, seed=PAIRS_SEED, scale=1.0, tasks=TASKS)
        reference = {"pairs_sha256": {split: sha256(outputs[split]) for split in SPLITS},
                     "scores": scores(answers(records["eval"]), db)}
    Path(out).write_text(json.dumps(reference, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
