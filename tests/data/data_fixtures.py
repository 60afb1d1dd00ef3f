"""Shared helpers of the data-stage tests: pair counts, output paths, the Olist CSV export."""
import duckdb

from commerce_grpo.data.schema import OLIST_TABLES

DEFAULT_COUNTS = {  # config/config.yaml's pairs section
    "train": {"extraction": 592, "sql_qa": 444, "insights": 296, "push": 148},
    "validation": {"extraction": 8, "sql_qa": 6, "insights": 6, "push": 6},
    "eval": {"extraction": 20, "sql_qa": 15, "insights": 15, "push": 15},
}
SMALL_COUNTS = {
    "train": {"extraction": 40, "sql_qa": 30, "insights": 20, "push": 12},
    "validation": {"extraction": 4, "sql_qa": 4, "insights": 4, "push": 4},
    "eval": {"extraction": 10, "sql_qa": 8, "insights": 8, "push": 8},
}


def pair_outputs(folder) -> dict:
    outputs = {split: str(folder / f"{split}.jsonl") for split in ("train", "validation", "eval")}
    outputs["stats"] = str(folder / "stats.json")
    return outputs


def write_olist_csvs(db, folder) -> None:
    """Export a commerce.db as the nine Olist CSVs, with the quirks of the real files: integers
    written as floats ("40.0"), zip prefixes without their leading zero, a multi-line comment."""
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db), read_only=True)
    try:
        for table, (filename, columns) in OLIST_TABLES.items():
            select = []
            for name, dtype in columns:
                if table == "products" and dtype == "INTEGER":
                    select.append(f"CAST({name} AS DOUBLE) AS {name}")
                elif name.endswith("zip_code_prefix"):
                    select.append(f"CAST(CAST({name} AS INTEGER) AS VARCHAR) AS {name}")
                elif name == "review_comment_message":
                    select.append(f"replace({name}, '. ', '.\n') AS {name}")
                else:
                    select.append(name)
            con.execute(f"COPY (SELECT {', '.join(select)} FROM {table}) TO '{folder / filename}' (HEADER, DELIMITER ',')")
    finally:
        con.close()


def columns_of(db) -> list[tuple[str, str, str]]:
    """(table, column, type) of every table and view, in a stable order."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "ORDER BY table_name, ordinal_position").fetchall()
