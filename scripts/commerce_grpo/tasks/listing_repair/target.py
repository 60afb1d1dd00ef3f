"""The honest listing repair answer (SFT demonstration, audit gold): the clean listing."""
from __future__ import annotations


def target(record) -> str:
    return record["reference"]["listing"]
