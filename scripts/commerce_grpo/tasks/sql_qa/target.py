"""The honest sql_qa answer (SFT demonstration, audit gold): the gold query in a fence, then its explanation."""
from __future__ import annotations


def target(record: dict) -> str:
    reference = record["reference"]
    return f"```sql\n{reference['sql'].strip()}\n```\n{reference['explanation']}"
