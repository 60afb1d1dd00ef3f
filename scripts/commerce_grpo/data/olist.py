"""Import the public Olist CSVs (data/raw/olist/) into commerce.db, and derive review facts.

Every column is read as text and cast explicitly to the schema's type, so a malformed value
fails with the file named instead of being guessed. Olist has no labels for the extraction
fields: ``review_facts`` is read off each review's score and comment message by the configured
labeller (``data.labeller``: the rules of ``labeller``, or a model through ``llm_labeller``), both
following data/labeller/README.md; the synthetic generator knows its facts instead. The label
audit (``label_audit``) measures them against people before anything trains.
"""
import csv
import logging
from pathlib import Path
from typing import Mapping

import duckdb
import pandas as pd

from .labeller import RULES_ORIGIN, churn_risk, label_review
from .schema import OLIST_TABLES, REVIEW_FACTS

log = logging.getLogger(__name__)


def import_olist(con: duckdb.DuckDBPyConnection, olist_dir: str | Path, labeller: Mapping) -> None:
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
    derive_review_facts(con, labeller)


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


def derive_review_facts(con: duckdb.DuckDBPyConnection, labeller: Mapping) -> None:
    """review_facts from each review's score and comment message (Olist mode only).

    The title is not read: the extraction prompt shows the score and the message only, so a
    label must rest on nothing else. ``churn_risk`` follows the guide's formula; ``origin`` says
    which labeller read each row.
    """
    rows = con.execute("SELECT review_id, order_id, review_score, review_comment_message FROM order_reviews "
                       "ORDER BY review_id, order_id").fetchall()
    reviews = [(int(score), message) for _, _, score, message in rows]
    if labeller["kind"] == "llm":
        from .llm_labeller import LlmLabeller

        read = LlmLabeller(labeller["llm"]).label_reviews(reviews)
    else:
        read = [(label_review(score, message), RULES_ORIGIN) for score, message in reviews]
    facts = [{"review_id": review_id, "order_id": order_id, **labels, "churn_risk": churn_risk(score, labels),
              "origin": origin} for (review_id, order_id, _, _), (score, _), (labels, origin) in zip(rows, reviews, read)]
    columns = [name for name, _ in REVIEW_FACTS]
    frame = pd.DataFrame(facts, columns=columns)
    con.register("facts_frame", frame)
    con.execute(f"INSERT INTO review_facts SELECT {', '.join(columns)} FROM facts_frame")
    con.unregister("facts_frame")
