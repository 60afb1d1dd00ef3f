"""Hostile SQL: none has an effect, each scores 0, each returns within the time limit."""
import hashlib
import os
import time
from pathlib import Path

import pytest

from commerce_grpo.rewards import score
from commerce_grpo.tasklib.sql_sandbox import check_statement, run_select

TIMEOUT_S = 0.5
CONFIG = {"sql": {"timeout_s": TIMEOUT_S, "max_rows": 1000}}
REF = {"sql": "SELECT customer_state, COUNT(*) FROM orders_enriched GROUP BY 1", "rows": []}
HOSTILE = {
    "copy_to_file": "COPY orders TO '{tmp}/evil.csv'",
    "copy_query_to_file": "COPY (SELECT * FROM customers) TO '{tmp}/evil.csv' (HEADER)",
    "read_csv_system_file": "SELECT * FROM read_csv('/etc/passwd')",
    "read_text_system_file": "SELECT content FROM read_text('/etc/passwd')",
    "read_csv_auto_replacement_scan": "SELECT * FROM '/etc/passwd'",
    "glob_filesystem": "SELECT * FROM glob('/etc/*')",
    "attach": "ATTACH '{tmp}/evil.db' AS evil",
    "install_extension": "INSTALL httpfs",
    "load_extension": "LOAD httpfs",
    "set_option": "SET enable_external_access = true",
    "set_then_select": "SET threads = 8;\nSELECT COUNT(*) FROM orders",
    "pragma": "PRAGMA threads = 8",
    "reset_lock": "RESET lock_configuration",
    "several_statements": "SELECT 1; SELECT 2",
    "select_then_drop": "SELECT COUNT(*) FROM orders; DROP TABLE orders",
    "escape_the_wrapper": "SELECT 1) AS x; DROP TABLE orders; SELECT (1",
    "insert": "INSERT INTO orders (order_id) VALUES ('evil')",
    "delete": "DELETE FROM orders",
    "create_table": "CREATE TABLE evil AS SELECT * FROM orders",
    "export_database": "EXPORT DATABASE '{tmp}/dump'",
    "runaway_cross_join": "SELECT COUNT(*) FROM orders a, orders b, orders c, orders d, orders e, orders f",
    "runaway_range": "SELECT SUM(range) FROM range(1000000000000)",
}


def _digest(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_sql_has_no_effect_scores_zero_and_returns_in_time(name, record, commerce_db, tmp_path):
    sql = HOSTILE[name].format(tmp=tmp_path)
    before = _digest(commerce_db)
    rec = record("sql_qa", "Pedidos por estado", REF)
    completion = f"```sql\n{sql}\n```\nEsta consulta mostra o total de pedidos por estado e clientes: 25 pedidos."
    start = time.perf_counter()
    reward = score(rec, completion, db=commerce_db, config=CONFIG)
    elapsed = time.perf_counter() - start
    assert reward.total == 0.0 and reward.components["executes"] == 0.0, dict(reward.components)
    assert elapsed < TIMEOUT_S + 1.5
    assert not any(tmp_path.iterdir()), list(tmp_path.iterdir())
    assert _digest(commerce_db) == before
    after = run_select(commerce_db, "SELECT current_setting('enable_external_access'), COUNT(*) FROM orders",
                       timeout_s=2, max_rows=5)
    assert after.status == "ok" and after.rows == [(0.0, 150.0)]


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_sql_bare_in_text_scores_zero(name, record, commerce_db, tmp_path):
    rec = record("sql_qa", "Pedidos por estado", REF)
    reward = score(rec, HOSTILE[name].format(tmp=tmp_path), db=commerce_db, config=CONFIG)
    assert reward.total == 0.0
    assert not any(tmp_path.iterdir())


def test_timeout_is_reported_and_the_connection_stays_usable(commerce_db):
    start = time.perf_counter()
    out = run_select(commerce_db, HOSTILE["runaway_cross_join"], timeout_s=0.3, max_rows=10)
    assert out.status == "timeout" and time.perf_counter() - start < 1.5
    assert run_select(commerce_db, "SELECT 42", timeout_s=1, max_rows=10).rows == [(42.0,)]


def test_row_cap_truncates_without_materialising_everything(commerce_db):
    out = run_select(commerce_db, "SELECT * FROM range(1000000000000)", timeout_s=2, max_rows=100)
    assert out.status == "ok" and out.truncated and len(out.rows) == 100


def test_statement_check_accepts_every_read_only_form_duckdb_accepts():
    assert check_statement("SELECT 1;") == "SELECT 1"
    assert check_statement("-- comentário\nWITH a AS (SELECT 1) SELECT * FROM a") is not None
    assert check_statement("(SELECT 1)") == "(SELECT 1)"
    for good in ("FROM orders SELECT count(*)", "SUMMARIZE orders", "VALUES (1)", "DESCRIBE orders",
                 "PIVOT orders ON order_status USING count(*)", "FROM orders"):
        assert check_statement(good) == good, good
    for bad in ("SELECT 1; SELECT 2", "COPY orders TO 'x.csv'", "SET threads = 8", "TRUNCATE orders",
                "EXPLAIN SELECT 1", "not sql at all", ""):
        assert check_statement(bad) is None, bad


@pytest.mark.parametrize("sql, rows", [
    ("FROM orders SELECT count(*)", [(150.0,)]),
    ("VALUES (1), (2)", [(1.0,), (2.0,)]),
    ("SELECT count(*) FROM (SUMMARIZE orders)", [(8.0,)]),
    ("SELECT count(*) FROM (PIVOT orders ON order_status USING count(*))", [(150.0,)]),
])
def test_read_only_forms_run(commerce_db, sql, rows):
    out = run_select(commerce_db, sql, timeout_s=2, max_rows=10)
    assert (out.status, out.rows) == ("ok", rows), out
    summarize = run_select(commerce_db, "SUMMARIZE orders", timeout_s=2, max_rows=100)
    assert summarize.status == "ok" and len(summarize.rows) == 8


def test_errors_and_missing_db_are_outcomes_not_exceptions(commerce_db, tmp_path):
    assert run_select(commerce_db, "SELECT nope FROM orders", timeout_s=1, max_rows=5).status == "error"
    assert run_select(commerce_db, "SELEC 1", timeout_s=1, max_rows=5).status == "error"
    missing = run_select(str(tmp_path / "missing.db"), "SELECT 1", timeout_s=1, max_rows=5)
    assert missing.status == "unavailable" and "missing.db" in missing.message
    assert not (tmp_path / "missing.db").exists()


def test_the_sandbox_connection_is_read_only_and_locked(commerce_db):
    out = run_select(commerce_db, "SELECT current_setting('access_mode'), current_setting('lock_configuration'), "
                                  "current_setting('autoload_known_extensions')", timeout_s=1, max_rows=5)
    assert out.rows == [("read_only", 1.0, 0.0)]


def test_sandbox_works_in_a_forked_child(commerce_db):
    run_select(commerce_db, "SELECT 1", timeout_s=1, max_rows=1)  # parent holds a connection
    pid = os.fork()
    if pid == 0:  # child: must open its own connection, not reuse the parent's handle
        ok = run_select(commerce_db, "SELECT COUNT(*) FROM orders", timeout_s=2, max_rows=1).rows == [(150.0,)]
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0


def test_snapshot_materialises_views_and_follows_db_versions(tmp_path):
    import duckdb

    from commerce_grpo.tasklib.sql_snapshot import materialized_copy
    from rewards.commerce_fixture import build_commerce_db

    db = build_commerce_db(tmp_path / "c.db")
    snap = materialized_copy(db)
    with duckdb.connect(str(snap), read_only=True) as con, duckdb.connect(str(db), read_only=True) as orig:
        kinds = dict(con.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall())
        assert kinds["orders_enriched"] == "BASE TABLE" and len(kinds) == 7
        query = "SELECT * FROM orders_enriched ORDER BY order_id"
        assert con.execute(query).fetchall() == orig.execute(query).fetchall()
    assert materialized_copy(db) == snap
    with duckdb.connect(str(db)) as con:  # a rebuilt database gets a new snapshot
        con.execute("DELETE FROM orders WHERE order_id = 'o0000'")
    new = materialized_copy(db)
    assert new != snap and new.is_file() and not snap.exists()
    assert run_select(str(db), "SELECT COUNT(*) FROM orders", timeout_s=2, max_rows=1).rows == [(149.0,)]
