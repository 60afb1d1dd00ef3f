"""Fixtures for the reward tests: a small commerce.db built here, and pair records of every task."""
from __future__ import annotations

import json

import pytest
from rewards.commerce_fixture import build_commerce_db, eval_records

from commerce_grpo.tasklib import errors
from commerce_grpo.tasks import get as get_task


@pytest.fixture(scope="session", autouse=True)
def snapshot_dir(tmp_path_factory):
    """Keep the sandbox's materialised snapshots inside the test's temp folder."""
    from commerce_grpo.tasklib import sql_snapshot

    original = sql_snapshot.SNAPSHOT_DIR
    sql_snapshot.SNAPSHOT_DIR = tmp_path_factory.mktemp("sandbox_snapshots")
    yield sql_snapshot.SNAPSHOT_DIR
    sql_snapshot.SNAPSHOT_DIR = original


@pytest.fixture(scope="session")
def commerce_db(tmp_path_factory) -> str:
    return str(build_commerce_db(tmp_path_factory.mktemp("db") / "commerce.db"))


@pytest.fixture
def eval_jsonl(tmp_path) -> str:
    path = tmp_path / "eval.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in eval_records()), encoding="utf-8")
    return str(path)


@pytest.fixture(autouse=True)
def fresh_error_counter():
    errors.reset()
    yield
    errors.reset()


def make_record(task: str, user: str = "", reference: dict | None = None, **source) -> dict:
    return {"id": f"{task}-test", "task": task, "split": "eval",
            "prompt": [{"role": "system", "content": get_task(task).system_prompt}, {"role": "user", "content": user}],
            "reference": reference or {}, "source": source}


@pytest.fixture
def record():
    """Factory: ``record(task, user, reference, **source)`` → a pair record."""
    return make_record


@pytest.fixture(scope="session")
def built_pairs(tmp_path_factory):
    """(commerce.db, records): pair records of every task from the pipeline's own builders."""
    from rewards.commerce_fixture import built_pair_records

    return built_pair_records(tmp_path_factory.mktemp("built_pairs"))
