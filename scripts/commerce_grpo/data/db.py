"""Rule commerce_db: build data/commerce.db from the Olist CSVs or the synthetic generator.

The database is written to a temporary file beside the target and renamed at the end, so a
failed or killed build never leaves a half-written commerce.db for Snakemake to trust. Readers
open it through ``attach_read_only`` / ``connect_read_only``: a truncated or corrupt file (copied
half-way, disk full) then fails with a message naming the file and how to rebuild it, instead of
DuckDB's bare "IO Error: Could not read enough bytes".
"""
from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from pathlib import Path

import duckdb

from .schema import OLIST_TABLES, REVIEW_FACTS, create_tables, create_views

log = logging.getLogger(__name__)
SOURCES = ("synthetic", "olist")


def __getattr__(name: str):
    """``db.olist`` / ``db.synthetic``, imported on first use (they pull in pandas and scipy)."""
    if name in SOURCES:
        import importlib

        return importlib.import_module(f".{name}", __package__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class CommerceDbError(RuntimeError):
    """commerce.db is missing, truncated or not a DuckDB file; the message says what to do."""


def _unreadable(path, exc: Exception) -> CommerceDbError:
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return CommerceDbError(
        f"{path} cannot be read as a DuckDB database ({first}). It is truncated or corrupt: rebuild it "
        f"with `rm {path}` and rerun, or rerun with `--forcerun commerce_db`."
    )


# DuckDB's file starts with three 4 KiB headers, then ``total_blocks`` blocks of ``block_size``.
_FILE_HEADERS_BYTES = 3 * 4096


def _is_damage(exc: BaseException) -> bool:
    """Whether a DuckDB error means the file is damaged (as opposed to a bad query)."""
    text = str(exc)
    return isinstance(exc, duckdb.IOException) or "Corrupt database file" in text or "checksum" in text


@contextmanager
def reading_commerce_db(path):
    """Turn a damaged-file error raised while reading ``path`` into CommerceDbError (file + fix).

    Truncation is caught when attaching (the file is shorter than its declared blocks); damage in
    the middle of the file only when the damaged block is read, e.g. by a full copy in this block.
    """
    try:
        yield
    except duckdb.Error as exc:
        if _is_damage(exc):
            raise _unreadable(path, exc) from exc
        raise


def attach_read_only(con: duckdb.DuckDBPyConnection, path, alias: str) -> None:
    """ATTACH commerce.db read-only as ``alias``, checking that the file holds all its blocks.

    Raises CommerceDbError naming the file and the fix when it is missing, not a DuckDB file, or
    truncated.
    """
    path = Path(path)
    if not path.is_file():
        raise CommerceDbError(f"{path} does not exist; build it with `snakemake data/commerce.db`.")
    quoted = str(path).replace("'", "''")
    try:
        con.execute(f"ATTACH '{quoted}' AS {alias} (READ_ONLY)")
        block_size, blocks = con.execute(
            "SELECT block_size, total_blocks FROM pragma_database_size() WHERE database_name = ?", [alias]
        ).fetchone()
    except duckdb.Error as exc:
        raise _unreadable(path, exc) from exc
    expected = _FILE_HEADERS_BYTES + int(block_size) * int(blocks)
    size = path.stat().st_size
    if size < expected:
        con.execute(f"DETACH {alias}")
        raise _unreadable(path, OSError(f"the file has {size} bytes, its header declares {expected}"))


def connect_read_only(path) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with commerce.db attached read-only and selected as the default
    database (queries name its tables as usual); CommerceDbError naming the file and the fix."""
    con = duckdb.connect()
    try:
        attach_read_only(con, path, "commerce")
        con.execute("USE commerce")
    except BaseException:
        con.close()
        raise
    return con


def build_commerce_db(db, *, source: str, olist_dir, orders: int, seed: int, labeller=None) -> Path:
    """Write commerce.db (nine Olist tables, review_facts, the orders_enriched view) to ``db``.
    ``labeller`` is the ``data.labeller`` section, read in Olist mode only (and required there)."""
    # Imported here: readers of commerce.db (the reward sandbox) need not load pandas and scipy.
    from . import olist, synthetic

    if source not in SOURCES:
        raise ValueError(f"data.source must be one of {SOURCES} here ('auto' is resolved by the rule), got {source!r}")
    if source == "olist" and labeller is None:
        raise ValueError("Olist mode reads its labels with the data.labeller section: pass labeller=")
    target = Path(db)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    _remove(tmp)
    try:
        con = duckdb.connect(str(tmp))
        try:
            create_tables(con)
            if source == "synthetic":
                insert_frames(con, synthetic.generate(orders, seed))
            else:
                olist.import_olist(con, olist_dir, labeller)
            create_views(con)
            _log_counts(con, source)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        _remove(Path(f"{target}.wal"))
        os.replace(tmp, target)
    except BaseException:
        _remove(tmp)
        raise
    return target


def insert_frames(con: duckdb.DuckDBPyConnection, frames: dict[str, "pd.DataFrame"]) -> None:
    """Insert DataFrames into the typed tables, casting each column to the schema's type."""
    columns = {table: spec for table, (_, spec) in OLIST_TABLES.items()} | {"review_facts": REVIEW_FACTS}
    for table, frame in frames.items():
        names = [name for name, _ in columns[table]]
        con.register("frame", frame[names])
        con.execute(f"INSERT INTO {table} SELECT {', '.join(names)} FROM frame")
        con.unregister("frame")


def _log_counts(con, source: str) -> None:
    counts = {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in [*OLIST_TABLES, "review_facts"]}
    log.info("commerce.db (%s): %s", source, ", ".join(f"{t}={c}" for t, c in counts.items()))


def _remove(path: Path) -> None:
    for p in (path, Path(f"{path}.wal")):
        p.unlink(missing_ok=True)
