"""Hard limits on model-generated SQL: the one-line SELECTs that beat DuckDB's own limits.

Each ran 16-50 s and took up to 7 GB inside the scoring process before the queries moved to a
worker process (L-reward-spec). Now each must come back within timeout_s + 1 s, leave the
scoring process's peak RSS where it was (within the worker's memory cap), leave commerce.db's
bytes unchanged and score 0 -- alone, 8 at once in threads, and 8 at once in processes.
"""
import hashlib
import multiprocessing
import resource
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from commerce_grpo.rewards import score
from commerce_grpo.tasklib import sql_sandbox
from commerce_grpo.tasklib.sql_sandbox import health, prestart, reset_health, run_select

TIMEOUT_S = 0.5
CAP_MB = 256  # the workers' memory cap in these tests (lighter on a shared machine than 512)
CONFIG = {"sql": {"timeout_s": TIMEOUT_S, "max_rows": 1000}}
REF = {"sql": "SELECT customer_state, COUNT(*) FROM orders_enriched GROUP BY 1", "rows": []}
# Single SELECTs that once stalled or exhausted the scorer (DuckDB neither interrupts them nor
# counts them against memory_limit), verbatim.
ISSUE_QUERIES = {
    "lpad_2g": "SELECT length(lpad('x', 2000000000, 'y')) AS n",
    "repeat_2g": "SELECT length(repeat('x', 2000000000)) AS n",
    "regexp_100mb": "SELECT length(regexp_replace(repeat('ab', 50000000), '(a|b)', 'xx', 'g')) AS n",
    "list_sum_50m": "SELECT list_sum(range(50000000)) AS s",
    "list_sum_100m": "SELECT list_sum(range(100000000)) AS s",
    "generate_series_2g": "SELECT len(generate_series(1, 2000000000))",
    "unnest_1g": "SELECT count(*) FROM (SELECT unnest(range(1000000000)))",
    "rows_of_10mb": "SELECT repeat('x', 10000000) AS big FROM range(1000)",
}
EXPLANATION = "Esta consulta mostra o total de pedidos por estado e clientes: 25 pedidos."


@pytest.fixture(autouse=True)
def small_cap(monkeypatch):
    monkeypatch.setattr(sql_sandbox, "MEMORY_MB", CAP_MB)
    reset_health()
    yield
    reset_health()


def _digest(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("name", sorted(ISSUE_QUERIES))
def test_issue_query_ends_in_time_within_memory_and_scores_zero(name, record, commerce_db):
    sql = ISSUE_QUERIES[name]
    before, peak_before = _digest(commerce_db), _peak_rss_mb()
    prestart(commerce_db, 2)
    start = time.perf_counter()
    out = run_select(commerce_db, sql, timeout_s=TIMEOUT_S, max_rows=1000)
    elapsed = time.perf_counter() - start
    assert out.status in ("limit", "timeout"), out
    assert elapsed <= TIMEOUT_S + 1.0, (name, elapsed)
    rec = record("sql_qa", "Pedidos por estado", REF)
    for completion in (f"```sql\n{sql}\n```\n{EXPLANATION}", f"{sql}\n\n{EXPLANATION}", sql):
        start = time.perf_counter()
        reward = score(rec, completion, db=commerce_db, config=CONFIG)
        elapsed = time.perf_counter() - start
        assert reward.total == 0.0, (completion, dict(reward.components))
        assert elapsed <= TIMEOUT_S + 1.0, (name, completion, elapsed)
    assert _peak_rss_mb() - peak_before < CAP_MB
    assert _digest(commerce_db) == before
    assert health()["errors"] == 0
    after = run_select(commerce_db, "SELECT COUNT(*) FROM orders", timeout_s=2, max_rows=5)
    assert (after.status, after.rows) == ("ok", [(150.0,)])


def test_eight_concurrent_attacks_in_threads(record, commerce_db):
    rec = record("sql_qa", "Pedidos por estado", REF)
    before = _digest(commerce_db)
    prestart(commerce_db, 8)
    peak_before = _peak_rss_mb()
    barrier = threading.Barrier(8)

    def attack(sql):
        barrier.wait()
        start = time.perf_counter()
        reward = score(rec, f"```sql\n{sql}\n```\n{EXPLANATION}", db=commerce_db, config=CONFIG)
        return reward.total, time.perf_counter() - start

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(attack, [ISSUE_QUERIES[n] for n in sorted(ISSUE_QUERIES)]))
    assert [total for total, _ in results] == [0.0] * 8
    assert max(elapsed for _, elapsed in results) <= TIMEOUT_S + 1.0, results
    assert _peak_rss_mb() - peak_before < CAP_MB
    assert _digest(commerce_db) == before
    ok = run_select(commerce_db, "SELECT COUNT(*) FROM orders", timeout_s=2, max_rows=5)
    assert ok.rows == [(150.0,)]


def _attack_in_process(db, sql, barrier, results):
    sql_sandbox.MEMORY_MB = CAP_MB
    run_select(db, "SELECT 1", timeout_s=5, max_rows=1)  # this process's own worker, started
    prestart(db, 2)
    barrier.wait()
    start = time.perf_counter()
    out = run_select(db, sql, timeout_s=TIMEOUT_S, max_rows=1000)
    results.put((out.status, time.perf_counter() - start))


def test_eight_concurrent_attacks_in_processes(commerce_db):
    before = _digest(commerce_db)
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(8), ctx.Queue()
    procs = [ctx.Process(target=_attack_in_process, args=(commerce_db, ISSUE_QUERIES[n], barrier, results))
             for n in sorted(ISSUE_QUERIES)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    assert {status for status, _ in outcomes} <= {"limit", "timeout"}, outcomes
    assert max(elapsed for _, elapsed in outcomes) <= TIMEOUT_S + 1.0, outcomes
    assert _digest(commerce_db) == before


def test_the_worker_is_reused_and_replaced_after_a_kill(commerce_db):
    prestart(commerce_db, 1)
    starts = health()["worker_starts"]
    for _ in range(20):
        assert run_select(commerce_db, "SELECT COUNT(*) FROM customers", timeout_s=2, max_rows=5).rows == [(150.0,)]
    assert health()["worker_starts"] == starts  # no process start per query
    out = run_select(commerce_db, ISSUE_QUERIES["lpad_2g"], timeout_s=TIMEOUT_S, max_rows=5)
    assert out.status == "timeout" and health()["worker_kills"] == 1
    assert run_select(commerce_db, "SELECT 42", timeout_s=2, max_rows=5).rows == [(42.0,)]


def test_result_byte_cap(commerce_db):
    sql = "SELECT repeat('x', 100000) AS s FROM range(20)"  # 2 MB of text in 20 rows
    assert run_select(commerce_db, sql, timeout_s=2, max_rows=1000).status == "limit"
    out = run_select(commerce_db, sql, timeout_s=2, max_rows=1000, max_bytes=4 << 20)
    assert out.status == "ok" and len(out.rows) == 20 and len(out.rows[0][0]) == 100000


def _query_without_watchdog(snapshot: str) -> None:
    """In a forked child: a real worker whose interrupt never comes, so only its CPU rlimit can end
    the query (with the watchdog on, DuckDB's interrupt and the rlimit race for the same query)."""
    from commerce_grpo.tasklib import sql_worker

    worker = sql_worker.Worker(snapshot, CAP_MB)
    worker.watchdog.watch = lambda cursor, timeout_s: None
    worker.run("SELECT length(regexp_replace(repeat('ab', 20000000), '(a|b)', 'xx', 'g')) AS n",
               TIMEOUT_S, 5, 1 << 20)


def test_cpu_rlimit_ends_a_query_nobody_interrupts_or_kills(commerce_db):
    """A query DuckDB neither interrupts nor finishes within the CPU budget the worker arms
    (ceil(used) + ceil(timeout_s) + 1 CPU-seconds) dies of SIGXCPU, with no wall-clock kill."""
    child = multiprocessing.get_context("fork").Process(target=_query_without_watchdog, args=(str(commerce_db),))
    start = time.perf_counter()
    child.start()
    child.join(30)
    assert child.exitcode == -signal.SIGXCPU, child.exitcode
    assert time.perf_counter() - start < 10
