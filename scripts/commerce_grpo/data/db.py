"""Rule commerce_db: build data/commerce.db from the Olist CSVs or the synthetic generator.

The database is written to a temporary file beside the target and renamed at the end, so a
failed or killed build never leaves a half-written commerce.db for Snakemake to trust.
"""
import logging
import os
from pathlib import Path

import duckdb
import pandas as pd

from . import olist, synthetic
from .schema import OLIST_TABLES, REVIEW_FACTS, create_tables, create_views

log = logging.getLogger(__name__)
SOURCES = ("synthetic", "olist")


def build_commerce_db(db, *, source: str, olist_dir, orders: int, seed: int) -> Path:
    """Write commerce.db (nine Olist tables, review_facts, the orders_enriched view) to ``db``."""
    if source not in SOURCES:
        raise ValueError(f"data.source must be one of {SOURCES} here ('auto' is resolved by the rule), got {source!r}")
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
                olist.import_olist(con, olist_dir)
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


def insert_frames(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]) -> None:
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
