"""The honest extraction answer (SFT demonstration, audit gold): the review's gold labels as JSON."""
from __future__ import annotations

import json


def target(record: dict) -> str:
    return json.dumps(record["reference"], ensure_ascii=False)
