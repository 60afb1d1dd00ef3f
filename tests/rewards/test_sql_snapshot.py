"""The sandbox's snapshot is private and verified; a broken one is a counted, loud failure.

A snapshot at a predictable shared path used to be reused on sight: a planted file answered the
gold and the completion alike (a wrong answer scored 0.81), and a truncated db turned every query
into a silent "error" (L-reward-spec, L-reward-audit).
"""
import os
import shutil
import stat

import duckdb
import pytest

from commerce_grpo.data.db import CommerceDbError, attach_read_only, connect_read_only, reading_commerce_db
from commerce_grpo.tasklib import errors, sql_sandbox, sql_snapshot
from commerce_grpo.tasklib.sql_sandbox import health, reset_health, run_gold, run_select, self_check
from commerce_grpo.tasklib.sql_snapshot import STORE

COUNT = "SELECT COUNT(*) FROM orders"


@pytest.fixture(autouse=True)
def fresh_health():
    reset_health()
    yield
    reset_health()


@pytest.fixture
def db(tmp_path, commerce_db):
    """A copy of the session's fixture db per test (building one takes seconds on a busy machine)."""
    return shutil.copy(commerce_db, tmp_path / "commerce.db")


def _plant(path) -> None:
    """Replace the file at ``path`` with a DuckDB file whose orders table says something else."""
    planted = f"{path}.planted"
    with duckdb.connect(planted) as con:
        con.execute("CREATE TABLE orders AS SELECT 'planted' AS order_id FROM range(7)")
    os.replace(planted, path)


def test_snapshot_lives_in_a_private_unpredictable_folder(db):
    assert run_select(db, COUNT, timeout_s=2, max_rows=1).rows == [(150.0,)]
    snap = STORE.get(db)
    folder = snap.path.parent
    assert folder.name.startswith("commerce_grpo_sql_") and folder.name != "commerce_grpo_sql_sandbox"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert not list(folder.glob("*.partial*"))


def test_a_planted_snapshot_is_detected_rebuilt_and_counted(db):
    assert run_select(db, COUNT, timeout_s=2, max_rows=1).rows == [(150.0,)]
    snap = STORE.get(db)
    _plant(snap.path)
    out = run_select(db, COUNT, timeout_s=2, max_rows=1)
    assert (out.status, out.rows) == ("ok", [(150.0,)])
    assert health()["snapshot_rebuilds"] == 1 and health()["errors"] == 1


def test_a_snapshot_changed_in_place_with_its_stat_restored_is_caught_at_worker_start(db):
    assert run_select(db, COUNT, timeout_s=2, max_rows=1).rows == [(150.0,)]
    snap = STORE.get(db)
    st = snap.path.stat()
    data = bytearray(snap.path.read_bytes())
    data[-5000:-4000] = b"\xff" * 1000
    with open(snap.path, "r+b") as handle:  # same inode, same size
        handle.write(data)
    os.utime(snap.path, ns=(st.st_atime_ns, st.st_mtime_ns))
    # Running workers keep their pages; the next worker start re-hashes the file.
    sql_sandbox.close_pools()
    out = run_select(db, COUNT, timeout_s=2, max_rows=1)
    assert (out.status, out.rows) == ("ok", [(150.0,)])
    assert health()["snapshot_rebuilds"] == 1


def test_a_truncated_snapshot_is_detected_and_rebuilt(db):
    assert run_select(db, COUNT, timeout_s=2, max_rows=1).rows == [(150.0,)]
    snap = STORE.get(db)
    with open(snap.path, "r+b") as handle:
        handle.truncate(snap.path.stat().st_size // 3)
    out = run_select(db, COUNT, timeout_s=2, max_rows=1)
    assert (out.status, out.rows) == ("ok", [(150.0,)])
    assert health()["snapshot_rebuilds"] == 1


def test_a_corrupt_source_is_unavailable_counted_and_names_the_fix(tmp_path, db):
    bad = tmp_path / "truncated.db"
    shutil.copy(db, bad)
    with open(bad, "r+b") as handle:
        handle.truncate(bad.stat().st_size // 2)
    before = errors.count("sql_qa")
    out = run_select(str(bad), COUNT, timeout_s=2, max_rows=1)
    assert out.status == "unavailable"
    assert str(bad) in out.message and "--forcerun commerce_db" in out.message and f"rm {bad}" in out.message
    state = health()
    assert state["errors"] >= 1 and state["snapshot_failures"] == 1 and state["statuses"]["unavailable"] == 1
    assert errors.count("sql_qa") == before + 1
    assert not list(STORE.directory().glob("*.partial*"))  # the failed build left nothing
    assert self_check(str(bad))["passed"] is False


def test_gold_query_failures_are_counted(db):
    assert run_gold(db, "SELECT COUNT(*) FROM orders_enriched", timeout_s=2, max_rows=10).status == "ok"
    assert health()["errors"] == 0
    before = errors.count("sql_qa")
    assert run_gold(db, "SELECT nope FROM orders", timeout_s=2, max_rows=10).status == "error"
    assert run_gold(db, "SELECT * FROM range(50)", timeout_s=2, max_rows=10).truncated
    assert health()["gold_failures"] == 2 and health()["errors"] == 2
    assert errors.count("sql_qa") == before + 2


def test_self_check_passes_on_a_good_database(db):
    report = self_check(db, timeout_s=0.5)
    assert report["passed"], [c for c in report["checks"] if not c["passed"]]
    names = {c["name"] for c in report["checks"]}
    assert {"rows:orders", "rows:orders_enriched", "probe:memory", "probe:uninterruptible_function"} <= names


def test_snapshot_folder_is_removed_by_close(db, tmp_path, monkeypatch):
    monkeypatch.setattr(sql_snapshot, "SNAPSHOT_DIR", tmp_path / "parent")
    store = sql_snapshot.SnapshotStore()
    snap = store.get(db)
    assert snap.path.is_file()
    store.close()
    assert not snap.path.parent.exists()


@pytest.mark.parametrize("damage", ["truncate", "junk", "missing"])
def test_damaged_commerce_db_names_the_file_and_the_fix(tmp_path, db, damage):
    path = tmp_path / "damaged.db"
    if damage == "truncate":
        shutil.copy(db, path)
        with open(path, "r+b") as handle:
            handle.truncate(path.stat().st_size - 4096)
    elif damage == "junk":
        path.write_bytes(b"not a database" * 100)
    with pytest.raises(CommerceDbError) as caught:
        connect_read_only(path)
    message = str(caught.value)
    assert str(path) in message
    assert ("snakemake data/commerce.db" in message) if damage == "missing" else (
        f"rm {path}" in message and "--forcerun commerce_db" in message)


def test_damage_in_the_middle_is_named_when_read(tmp_path, db):
    path = tmp_path / "flipped.db"
    shutil.copy(db, path)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 200000] = b"\xff" * 200000
    path.write_bytes(data)
    con = duckdb.connect()
    attach_read_only(con, path, "src")  # the header and size are intact
    with pytest.raises(CommerceDbError, match="--forcerun commerce_db"):
        with reading_commerce_db(path):
            con.execute("COPY FROM DATABASE src TO memory")


def test_pairs_names_a_truncated_commerce_db(tmp_path, db):
    from commerce_grpo.data.pairs import in_memory_copy

    path = tmp_path / "commerce_truncated.db"
    shutil.copy(db, path)
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size // 2)
    with pytest.raises(CommerceDbError, match=r"rm .*commerce_truncated\.db.*--forcerun commerce_db"):
        in_memory_copy(path)


_HOLD_A_SNAPSHOT = """
import sys, time
from commerce_grpo.tasklib import sql_snapshot
sql_snapshot.SNAPSHOT_DIR = sys.argv[1]
print(sql_snapshot.STORE.get(sys.argv[2]).path, flush=True)
time.sleep(120)
"""


def test_a_killed_process_snapshot_is_removed_at_the_next_start_and_a_live_one_is_kept(tmp_path, db, monkeypatch):
    """A process killed outright never runs its exit cleanup: its private snapshot folder used to
    stay in the temp folder for good. The next process to create its folder removes it, and
    leaves the folder of a process still alive (its owner lock is held)."""
    import subprocess
    import sys
    from pathlib import Path

    parent = tmp_path / "snapshots"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(sql_snapshot.__file__).parents[2]),
                                                         os.environ.get("PYTHONPATH", "")])}
    holders = [subprocess.Popen([sys.executable, "-c", _HOLD_A_SNAPSHOT, str(parent), str(db)], env=env,
                                stdout=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        dead, live = [Path(proc.stdout.readline().strip()) for proc in holders]
        assert dead.is_file() and live.is_file()
        holders[0].kill()
        holders[0].wait()
        assert dead.is_file()  # leaked by the kill
        monkeypatch.setattr(sql_snapshot, "SNAPSHOT_DIR", parent)
        fresh = sql_snapshot.SnapshotStore()
        try:
            mine = fresh.directory()
            assert not dead.parent.exists() and live.is_file()
            assert sorted(p.name for p in parent.iterdir()) == sorted([mine.name, live.parent.name])
        finally:
            fresh.close()
        assert not mine.exists()
    finally:
        for proc in holders:
            proc.kill()
            proc.wait()
            proc.stdout.close()
