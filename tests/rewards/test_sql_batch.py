"""A GRPO step's sql_qa queries run at once under one budget, and dead workers cost no reward.

Before: a batch's queries ran one after another (16 slow queries: 16 × the timeout), and after the
OOM killer (or anything) killed the idle sandbox workers, the next honest answers scored 0.0,
0.0, then 1.0 with no sandbox error counted. Workers here are real processes, killed for real.
"""
import os
import signal
import time

import pytest

from commerce_grpo.rewards import score
from commerce_grpo.tasklib import errors, sql_sandbox
from commerce_grpo.tasklib.sql_sandbox import health, prestart, reset_health, run_select
from commerce_grpo.rewards.trl import make_reward_functions

TIMEOUT_S = 1.0
REF = {"sql": "SELECT customer_state, COUNT(*) FROM orders_enriched GROUP BY 1", "rows": []}
EXPLANATION = "Esta consulta mostra o total de pedidos por estado, contando cada pedido uma vez."


def sql_config(**overrides) -> dict:
    return {"sql": {"timeout_s": TIMEOUT_S, "max_rows": 1000, "workers": 8, "batch_timeout_s": 3 * TIMEOUT_S,
                    **overrides}}


def honest(i: int) -> str:
    return f"```sql\nSELECT customer_state, COUNT(*) AS pedidos_{i} FROM orders_enriched GROUP BY 1\n```\n{EXPLANATION}"


def slow(i: int) -> str:
    """A query over a real table that only DuckDB's interrupt at timeout_s ends."""
    return f"```sql\nSELECT count(*) AS n{i} FROM orders, range(1000000000000) t(x)\n```\n{EXPLANATION}"


def result_match(record, completions, config, commerce_db) -> list[float]:
    """The sql_qa/result_match TRL function on one batch, as GRPO calls it."""
    functions = make_reward_functions(db=commerce_db, config=config, tasks=("sql_qa",))
    match = next(f for f in functions if f.__name__ == "sql_qa/result_match")
    n = len(completions)
    return match(prompts=[record["prompt"]] * n, completions=completions, task=["sql_qa"] * n,
                 reference=[record["reference"]] * n, source=[record["source"]] * n)


@pytest.fixture(autouse=True)
def fresh_health():
    reset_health()
    yield
    reset_health()


def test_a_batch_of_16_slow_queries_ends_within_three_timeouts(record, commerce_db):
    rec = record("sql_qa", "Pedidos por estado", REF)
    prestart(commerce_db, 8)
    start = time.monotonic()
    scores = result_match(rec, [slow(i) for i in range(16)], sql_config(), commerce_db)
    elapsed = time.monotonic() - start
    assert scores == [0.0] * 16
    # One after another this took 16 × (timeout + kill grace): ~21 s here.
    assert elapsed < 3 * TIMEOUT_S + 2, elapsed


def test_the_batch_path_scores_exactly_as_score_does(record, commerce_db):
    """Batch scoring changes when each query runs, never its reward: every component of every
    item equals the single ``score()`` call's."""
    rec = record("sql_qa", "Pedidos por estado", REF)
    completions = [honest(0), honest(1),
                   f"```sql\nSELECT customer_state FROM orders_enriched\n```\n{EXPLANATION}",
                   f"```sql\nSELECT nada FROM orders\n```\n{EXPLANATION}",
                   f"```sql\nDELETE FROM orders\n```\n{EXPLANATION}",
                   "Não sei responder.", honest(0)]
    config = sql_config()
    functions = make_reward_functions(db=commerce_db, config=config, tasks=("sql_qa",))
    n = len(completions)
    batch = {f.__name__.split("/")[1]: f(prompts=[rec["prompt"]] * n, completions=completions, task=["sql_qa"] * n,
                                        reference=[rec["reference"]] * n, source=[rec["source"]] * n)
             for f in functions}
    single = [score(rec, c, db=commerce_db, config=config).components for c in completions]
    for name, values in batch.items():
        assert values == [s.get(name, 0.0) for s in single], name
    assert batch["result_match"][:2] == [1.0, 1.0] and health()["errors"] == 0 and errors.count() == 0


def test_a_batch_starts_its_workers_together(record, commerce_db):
    """The first batch grows the pool to rewards.sql.workers at once, even for two queries."""
    sql_sandbox.close_pools()
    rec = record("sql_qa", "Pedidos por estado", REF)
    assert result_match(rec, [honest(0), honest(1)], sql_config(workers=5), commerce_db) == [1.0, 1.0]
    assert health()["worker_starts"] >= 5 and len(_idle_workers(commerce_db)) >= 5


def test_a_query_timeout_counts_from_when_the_query_starts(record, commerce_db):
    """Two workers, two slow queries first: the honest ones wait longer than their own timeout for
    a worker, and still run to their result."""
    rec = record("sql_qa", "Pedidos por estado", REF)
    completions = [slow(0), slow(1)] + [honest(i) for i in range(6)]
    start = time.monotonic()
    scores = result_match(rec, completions, sql_config(workers=2, batch_timeout_s=20), commerce_db)
    assert time.monotonic() - start > TIMEOUT_S  # the honest ones did wait
    assert scores == [0.0, 0.0] + [1.0] * 6
    assert health()["statuses"]["timeout"] == 2 and health()["budget_cuts"] == 0


def test_a_query_the_budget_cuts_is_a_counted_sandbox_error(record, commerce_db):
    rec = record("sql_qa", "Pedidos por estado", REF)
    completions = [slow(i) for i in range(3)] + [honest(0)]
    scores = result_match(rec, completions, sql_config(workers=1, batch_timeout_s=1.5), commerce_db)
    assert scores == [0.0] * 4  # the honest one never got a worker in time
    state = health()
    assert state["budget_cuts"] >= 2 and state["errors"] == state["statuses"]["unavailable"] == state["budget_cuts"]
    assert errors.count("sql_qa") == state["budget_cuts"]
    assert "time budget of 1.5 s" in state["last_error"]


def _idle_workers(db):
    pool = sql_sandbox._pool(sql_sandbox.STORE.get(db), sql_sandbox.MEMORY_MB)
    return list(pool._idle)


def _kill(workers) -> None:
    for worker in workers:
        os.kill(worker.proc.pid, signal.SIGKILL)
    for worker in workers:  # as the OOM killer leaves them: gone before anyone looks
        while not os.path.exists(f"/proc/{worker.proc.pid}") or open(f"/proc/{worker.proc.pid}/stat").read().split()[2] != "Z":
            time.sleep(0.01)


def test_honest_answers_score_as_before_after_the_idle_workers_are_killed(record, commerce_db):
    rec = record("sql_qa", "Pedidos por estado", REF)
    before = [score(rec, honest(i), db=commerce_db, config=sql_config()).total for i in range(3)]
    prestart(commerce_db, 4)
    idle = _idle_workers(commerce_db)
    assert len(idle) >= 4
    _kill(idle)
    after = [score(rec, honest(i), db=commerce_db, config=sql_config()).total for i in range(3)]
    assert after == before and after[0] > 0.5
    state = health()
    # every death seen is counted where the audit looks; each dead worker was replaced, not reused
    assert 1 <= state["worker_idle_deaths"] <= len(idle) and state["errors"] == state["worker_idle_deaths"]
    assert all(w not in _idle_workers(commerce_db) for w in idle)
    prestart(commerce_db, 8)  # a batch's prestart finds and replaces the rest
    assert health()["worker_idle_deaths"] == len(idle)
    assert all(w.alive() for w in _idle_workers(commerce_db))


def test_a_worker_dying_between_the_check_and_the_query_is_retried_once(commerce_db, monkeypatch):
    """The liveness check and the query's write are not atomic: a worker that dies in between
    never acknowledges the query, which then runs on a fresh worker."""
    prestart(commerce_db, 1)
    victim = _idle_workers(commerce_db)[-1]
    _kill([victim])
    real_alive = sql_sandbox._Worker.alive
    monkeypatch.setattr(sql_sandbox._Worker, "alive", lambda self: True if self is victim else real_alive(self))
    out = run_select(commerce_db, "SELECT COUNT(*) FROM orders", timeout_s=2, max_rows=5)
    assert (out.status, out.rows) == ("ok", [(150.0,)])
    assert health()["worker_idle_deaths"] == 1 and health()["errors"] == 1
