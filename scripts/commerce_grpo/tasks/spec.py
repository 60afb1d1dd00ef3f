"""What a task plug-in declares: everything the DAG, rewards, audit, validation and report need.

A task is one package under ``commerce_grpo.tasks`` whose ``__init__`` defines ``TASK = TaskSpec(...)``
and that is listed once in the registry (``commerce_grpo.tasks.REGISTRY``). Nothing else in the
pipeline names a task: adding one means copying a task package and registering it
(docs/contracts.md, "Task plug-ins").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Protocol, Sequence

from commerce_grpo.tasklib.candidates import Candidate


class RewardModule(Protocol):
    """A task's reward under one preset: named components, each in [0, 1] (penalties: 1 = applies)."""

    def components(self, record: Mapping[str, Any], text: str, *, db: str | None, settings: Any) -> dict[str, float]: ...


@dataclass(frozen=True)
class TaskSpec:
    """One task of the study.

    - ``candidates(con, rng)``: the pair builder; yields prompts in a stratified order from an
      in-memory copy of commerce.db (``orders_enriched`` materialised as a table).
    - ``target(record)``: the honest answer (SFT demonstration, audit gold).
    - ``rewards``/``weights``: per reward preset, the module computing the components and their
      default weights (``*_penalty`` keys enter with the negative weight; positives sum to 1).
    - ``in_format(record, text)``: the format gate the reward applies (an answer in another task's
      format fails it); logged as the task's format rate.
    - ``validation_metric``: (column of eval_history.csv, fn(text, components) -> float) or None.
    - ``fallback``: keyword pattern routing a prompt without a system prompt to this task.
    - ``adversarial``/``variants``(record, gold) -> {kind: answer}: the audit's hacks (must score
      below gold) and partly right answers (rated by the blind raters).
    - ``gold``: the audit's honest answer when it should differ from the SFT ``target`` (None:
      the target).
    - ``rater_facts(record) -> dict``: what a blind rater needs beside prompt and answer to judge
      it (a query's correct result, a length limit, the star rating).
    - ``meta_keys``: the candidate ``meta`` keys whose coverage the pair statistics report.
    - ``kind(record) -> str``: which records count as the same kind of input for the swap test of
      input sensitivity (``commerce_grpo.swaps``): an intent, a star rating, a template. Default:
      every record of the task is one kind.
    - ``red_team(prompt) -> {strategy: answer}``: the task's own red team — answers a policy under
      RL could find from the prompt *alone* (the chat messages, never the reference): templates,
      partial copies, keyword hits with the opposite meaning, hedges, invented facts, text
      addressed to a grader. Each must score below 0.3 and below the honest answer on average
      (``tests/tasks/test_red_team.py``).
    - ``equivalents(record, honest) -> {rewrite: answer}``: the honest answer written differently
      but as right (case, number formats, synonyms, order); each must score at least the honest
      answer's mean minus 0.2.
    """

    name: str
    system_prompt: str
    candidates: Callable[[Any, Any], Iterator[Candidate]]
    target: Callable[[Mapping[str, Any]], str]
    rewards: Mapping[str, RewardModule]
    weights: Mapping[str, Mapping[str, float]]
    in_format: Callable[[Mapping[str, Any], str], bool]
    validation_metric: tuple[str, Callable[[str, Mapping[str, float]], float]] | None = None
    fallback: re.Pattern | None = None
    adversarial: Callable[[Mapping[str, Any], str], dict[str, str]] = lambda record, gold: {}
    variants: Callable[[Mapping[str, Any], str], dict[str, str]] = lambda record, gold: {}
    gold: Callable[[Mapping[str, Any]], str] | None = None
    rater_facts: Callable[[Mapping[str, Any]], dict] = lambda record: {}
    meta_keys: tuple[str, ...] = field(default=())
    kind: Callable[[Mapping[str, Any]], str] = lambda record: ""
    red_team: Callable[[Sequence[Mapping[str, str]]], dict[str, str]] = lambda prompt: {}
    equivalents: Callable[[Mapping[str, Any], str], dict[str, str]] = lambda record, honest: {}
