"""Swap partners for the input-sensitivity test: each record paired with another of its task.

A reward that pays an answer as well on another prompt as on its own does not read the input
(L-reward-spec). The swap test scores one record's answer against a partner's input: a partner of
the same kind (``TaskSpec.kind``: the same intent, star rating or template) asks whether the
reward reads the input's details, one of another kind whether it reads the input at all.

Partners are fixed by the records' ids and the seed alone (input order does not matter), and no
record is its own partner. Same kind: within each (task, kind) group, a seeded shuffle and a
cyclic shift, so every input is used once. Another kind: the task's records grouped by kind
(kinds and records shuffled), shifted by the largest group's size, so every input is used once
whenever no kind holds more than half the task's records; beyond that, a record the shift pairs
with its own kind draws a seeded partner of another kind. A record with no eligible partner (the
only one of its kind; a task of one kind) has none.
"""
from __future__ import annotations

import random
from collections import defaultdict
from typing import Any, Iterable, Mapping

from commerce_grpo import tasks as registry


def swap_partners(records: Iterable[Mapping[str, Any]], *, same_kind: bool = True, seed: int = 0) -> dict[str, str]:
    """{record id: its partner's id} over ``records`` (pair records of any registered tasks)."""
    groups: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    seen = set()
    for record in records:
        if record["id"] in seen:
            raise ValueError(f"swap_partners: record id {record['id']!r} appears twice")
        seen.add(record["id"])
        groups[record["task"]][registry.get(record["task"]).kind(record)].append(record["id"])
    partners = {}
    for task, kinds in groups.items():
        partners.update(_same_kind(task, kinds, seed) if same_kind else _other_kind(task, kinds, seed))
    return partners


def _same_kind(task: str, kinds: dict[str, list[str]], seed: int) -> dict[str, str]:
    partners = {}
    for kind, ids in kinds.items():
        order = sorted(ids)
        random.Random(f"{seed}:{task}:{kind}").shuffle(order)
        if len(order) > 1:
            partners.update(zip(order, order[1:] + order[:1]))
    return partners


def _other_kind(task: str, kinds: dict[str, list[str]], seed: int) -> dict[str, str]:
    if len(kinds) < 2:
        return {}
    rng = random.Random(f"{seed}:{task}")
    names = sorted(kinds)
    rng.shuffle(names)
    kind_of, order = {}, []
    for name in names:
        ids = sorted(kinds[name])
        rng.shuffle(ids)
        order += ids
        kind_of.update(dict.fromkeys(ids, name))
    shift = max(len(ids) for ids in kinds.values())
    partners = {}
    for i, record in enumerate(order):
        partner = order[(i + shift) % len(order)]
        if kind_of[partner] == kind_of[record]:  # only when one kind holds more than half the records
            partner = rng.choice([other for other in order if kind_of[other] != kind_of[record]])
        partners[record] = partner
    return partners
