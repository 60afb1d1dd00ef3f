"""Import the public Olist CSVs (data/raw/olist/) into commerce.db, and derive review facts.

Every column is read as text and cast explicitly to the schema's type, so a malformed value
fails with the file named instead of being guessed. Olist has no labels for the extraction
fields: ``review_facts`` is derived from each review's score and comment message by ``labeller``
(documented in the README and data/labeller/README.md; the synthetic generator knows its facts instead).
"""
import csv
import logging
from pathlib import Path

import duckdb
import pandas as pd

from .labeller import FLAGS, label_review
from .reviews import CHURN_BASE
from .schema import OLIST_TABLES, REVIEW_FACTS

log = logging.getLogger(__name__)

def import_olist(con: duckdb.DuckDBPyConnection, olist_dir: str | Path) -> None:
    """Load the nine Olist CSVs into the (already created) tables, then fill review_facts."""
    olist_dir = Path(olist_dir)
    for table, (filename, columns) in OLIST_TABLES.items():
        path = olist_dir / filename
        if not path.is_file():
            raise FileNotFoundError(f"Olist CSV missing: {path} (needed for table {table!r})")
        header = read_header(path)
        missing = [name for name, _ in columns if name not in header]
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(missing)} (found: {', '.join(header)})")
        select = ", ".join(_cast(name, dtype) for name, dtype in columns)
        try:
            con.execute(
                f"INSERT INTO {table} SELECT {select} FROM read_csv(?, header = true, all_varchar = true, "
                "names = ?, quote = '\"', escape = '\"')", [str(path), header])
        except duckdb.Error as error:
            raise ValueError(f"{path}: cannot load into table {table!r}: {error}") from error
        rows = con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        log.info("olist: %s ← %s (%d rows)", table, filename, rows)
    derive_review_facts(con)


def read_header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), None)
    if not header:
        raise ValueError(f"{path}: empty file, expected a CSV header")
    return [name.strip() for name in header]


def _cast(name: str, dtype: str) -> str:
    value = f"NULLIF(TRIM({name}), '')"
    if name.endswith("zip_code_prefix"):
        return f"lpad({value}, 5, '0') AS {name}"
    if dtype == "VARCHAR":
        return f"NULLIF({name}, '') AS {name}"
    if dtype == "INTEGER":
        # Olist writes some integer columns as floats ("40.0") once pandas has touched them.
        return f"CAST(CAST({value} AS DOUBLE) AS INTEGER) AS {name}"
    return f"CAST({value} AS {dtype}) AS {name}"


def derive_review_facts(con: duckdb.DuckDBPyConnection) -> None:
    """review_facts from each review's score and comment message (Olist mode only).

    The title is not read: the extraction prompt shows the score and the message only, so a
    label must rest on nothing else (``labeller``). Churn risk follows the synthetic formula.
    """
    rows = con.execute("SELECT review_id, order_id, review_score, review_comment_message FROM order_reviews "
                       "ORDER BY review_id, order_id").fetchall()
    facts = []
    for review_id, order_id, score, message in rows:
        labels = label_review(int(score), message)
        issues = sum(labels[flag] for flag in FLAGS)
        churn = CHURN_BASE.get(int(score), 0.5) + 0.1 * (not labels["would_recommend"]) + 0.05 * issues
        facts.append({"review_id": review_id, "order_id": order_id, **labels,
                      "churn_risk": round(min(0.98, max(0.02, churn)), 2), "origin": "heuristic"})
    columns = [name for name, _ in REVIEW_FACTS]
    frame = pd.DataFrame(facts, columns=columns)
    con.register("facts_frame", frame)
    con.execute(f"INSERT INTO review_facts SELECT {', '.join(columns)} FROM facts_frame")
    con.unregister("facts_frame")
