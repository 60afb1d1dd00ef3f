"""Shared helpers of the data-stage tests: task sections (pair counts), output paths, the Olist CSV export."""
from pathlib import Path

import duckdb
import yaml

from commerce_grpo.data.schema import OLIST_TABLES

CONFIG = Path(__file__).resolve().parents[2] / "config" / "config.yaml"
DEFAULT_TASKS = {task: n for task, n in yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["tasks"].items()
                 if n["enabled"]}  # config/config.yaml's enabled tasks
SMALL_TASKS = {
    "extraction": {"enabled": True, "train": 40, "validation": 4, "eval": 10},
    "sql_qa": {"enabled": True, "train": 30, "validation": 4, "eval": 8},
    "insights": {"enabled": True, "train": 20, "validation": 4, "eval": 8},
    "push": {"enabled": True, "train": 12, "validation": 4, "eval": 8},
}


def per_task(tasks: dict, split: str) -> dict[str, int]:
    """{task: count} of one split of a ``tasks`` section."""
    return {task: n[split] for task, n in tasks.items()}


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
