"""Reading and writing the pipeline's line files: JSON Lines in, atomic writes out.

Every writer writes a temporary file beside the target and renames it, so a killed job never
leaves a half file that looks finished (Snakemake trusts whatever exists). A write that fails (a
full disk: ENOSPC during pairs once left a 1 MB ``train.jsonl.tmp``) removes its temporary file
and leaves the target as it was; a job killed outright leaves at most ``<name>.tmp``, which the
rerun's write replaces. The reader names file and line of the first bad line, so a broken
artifact points at itself.
"""
from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any, Iterable


def check_fields(row: Any, keys: Iterable[str], where: str, what: str) -> dict:
    """``row`` as a JSON object holding ``keys``; else ValueError naming ``where`` and what is
    wrong. The first check of every strict line reader."""
    if not isinstance(row, dict):
        article = "an" if what[0] in "aeiou" else "a"
        raise ValueError(f"{where}: {article} {what} is a JSON object, got {type(row).__name__}")
    missing = [key for key in keys if key not in row]
    if missing:
        raise ValueError(f"{where}: {what} lacks {missing}")
    return row


def read_jsonl(path: str | Path) -> list[tuple[int, Any]]:
    """(line number, parsed value) for every non-blank line of ``path``; callers check the shape."""
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                rows.append((number, json.loads(line)))
            except ValueError as error:
                raise ValueError(f"{path}:{number}: not valid JSON ({error})") from error
    return rows


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` (parents created), then rename it over
    ``path``; on any failure the temporary file is removed and ``path`` is left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8", newline="")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_jsonl(path: str | Path, records: Iterable[Any]) -> None:
    """One JSON value per line (UTF-8 kept as is), written atomically."""
    write_atomic(path, "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records))


def write_csv(path: str | Path, rows: Iterable[dict], columns: list[str]) -> None:
    """A header of ``columns`` and one row per dict, written atomically."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(path, buffer.getvalue())
