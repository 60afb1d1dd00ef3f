"""An optional LLM-judge reward: a rubric scored by a model behind an OpenAI-compatible endpoint.

Why a judge at all: some qualities (tone, usefulness of an insight) resist rules; a refiner-style
study scores them with a rubric judge served beside training (vLLM on a GPU node, or
``python -m commerce_grpo.judge_server`` locally). It is off by default and never replaces the
rule-based rewards: it is one more TRL reward function ("judge/rubric") with its own weight.

Contract (L-reward-spec: a reward that fails silently trains the wrong thing):
- the judge sees the rubric items of the item's task, the user prompt and the completion (cut to
  ``max_completion_chars``), and answers one 0–10 score per item (``{"P1": 8, "N1": 2}``, or
  ``P1: 8`` lines);
- positive items count as s/10, negative items as 1 − s/10; the reward is their mean;
- an unreachable server, a call past its deadline (``timeout_s``: connect, send, every read and
  every retry), an HTTP error, a reply over ``max_response_bytes`` or an answer that does not score
  every item is *counted* (``tasklib.errors`` under ``"judge"``) and yields ``None`` — never a 0
  that looks like a score, and never an exception out of the reward function. Transport failures
  are retried within the deadline; nothing failed is cached.
- calls of one batch run concurrently (at most ``max_concurrency``); parsed answers are cached by a
  hash of (model, messages, params), so repeated rollouts cost one call. The HTTP side is
  ``commerce_grpo.llm_client``.
"""
from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml

from commerce_grpo.llm_client import ChatClient
from commerce_grpo.tasklib import errors

log = logging.getLogger(__name__)

ERROR_KEY = "judge"  # errors.count(ERROR_KEY): judge calls that failed (audit and training logs read it)
DEFAULTS = {"enabled": False, "base_url": "http://127.0.0.1:8000/v1", "model": "judge",
            "rubric_file": "data/judge/rubric.yaml", "weight": 0.2, "timeout_s": 30.0, "max_concurrency": 8,
            "cache": True, "retries": 2, "max_tokens": 256, "max_response_bytes": 1 << 20,
            "max_completion_chars": 4000}
# "{task}/{component}" like the rule-based functions: the trainer splits every name on "/".
FUNCTION_NAME = "judge/rubric"
# GRPO metrics.csv column: the judge's HTTP requests so far in this training process.
CALLS_METRIC = "judge_calls"
# A score line "P1: 7", "N2 = 3.5" or a JSON pair "P1": 7; ids are P<n> (positive) or N<n> (negative).
_SCORE = re.compile(r'"?\b([PN]\d+)\b"?\s*[:=]\s*"?(-?\d+(?:[.,]\d+)?)')
SYSTEM = ("Você é um avaliador rigoroso. Para cada item da rubrica, dê uma nota inteira de 0 a 10 dizendo o "
          "quanto a resposta apresenta aquele aspecto (0 = nada, 10 = totalmente). Responda SOMENTE com um "
          'objeto JSON que mapeia cada id para a nota, por exemplo {"P1": 7, "N1": 2}.')


class JudgeError(RuntimeError):
    """A judge answer that does not score the rubric (transport failures are ``llm_client.ChatError``)."""


@dataclass(frozen=True)
class Rubric:
    """Per task, the positive and negative items (ids P1.. and N1.. in file order)."""
    tasks: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]
    text: str  # the file's content, part of the cache key

    def items(self, task: str) -> list[tuple[str, str, bool]]:
        """(id, text, negative) for each item of ``task``."""
        positive, negative = self.tasks[task]
        return ([(f"P{i}", t, False) for i, t in enumerate(positive, 1)]
                + [(f"N{i}", t, True) for i, t in enumerate(negative, 1)])


def load_rubric(path: str | Path) -> Rubric:
    """Read a rubric YAML (``tasks: {task: {positive: [...], negative: [...]}}``); ValueError names the problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as err:
        raise ValueError(f"{path}: cannot read the judge rubric ({err})") from err
    if not isinstance(data, dict) or not isinstance(data.get("tasks"), dict) or not data["tasks"]:
        raise ValueError(f"{path}: a judge rubric needs a non-empty 'tasks' mapping")
    tasks = {}
    for task, entry in data["tasks"].items():
        entry = entry or {}
        lists = [entry.get(kind) or [] for kind in ("positive", "negative")]
        if set(entry) - {"positive", "negative"} or not all(isinstance(v, list) and all(isinstance(s, str) and s.strip()
                                                                                        for s in v) for v in lists):
            raise ValueError(f"{path}: tasks.{task} takes 'positive' and 'negative' lists of non-empty strings")
        if not lists[0] and not lists[1]:
            raise ValueError(f"{path}: tasks.{task} has no rubric items")
        tasks[str(task)] = (tuple(lists[0]), tuple(lists[1]))
    return Rubric(tasks, text)


def judge_settings(rewards: Mapping[str, Any] | None) -> dict:
    """``rewards.judge`` with defaults filled; raises ValueError on an unknown key or a bad value."""
    cfg = dict((rewards or {}).get("judge") or {})
    unknown = set(cfg) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"rewards.judge: unknown key(s) {sorted(unknown)} (known: {sorted(DEFAULTS)})")
    cfg = {**DEFAULTS, **cfg}
    if (cfg["timeout_s"] <= 0 or cfg["max_concurrency"] < 1 or cfg["retries"] < 0 or cfg["max_tokens"] < 1
            or cfg["max_response_bytes"] < 1 or cfg["max_completion_chars"] < 1):
        raise ValueError(f"rewards.judge: timeout_s > 0, max_concurrency >= 1, retries >= 0, max_tokens >= 1, "
                         f"max_response_bytes >= 1 and max_completion_chars >= 1 needed, got {cfg}")
    return cfg


def enabled(rewards: Mapping[str, Any] | None) -> bool:
    return bool(judge_settings(rewards)["enabled"])


def _text(value: Any, *, last_user: bool = False) -> str:
    """A prompt/completion as plain text: strings stay, message lists give the (last user) content."""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        messages = [m for m in value if isinstance(m, Mapping)]
        if last_user:
            users = [m for m in messages if m.get("role") == "user"]
            messages = users[-1:] or messages
        return "\n".join(str(m.get("content", "")) for m in messages)
    return "" if value is None else str(value)


def judge_messages(rubric: Rubric, task: str, prompt: Any, completion: Any, *, max_completion_chars: int) -> list[dict]:
    """The chat sent to the judge: instructions, the task's rubric items, the prompt and the answer
    (its first ``max_completion_chars`` characters: a runaway generation must not overflow the
    judge's context)."""
    items = "\n".join(f"{item_id}: {text}" for item_id, text, _ in rubric.items(task))
    user = (f"Rubrica (tarefa {task}):\n{items}\n\n### Pedido\n{_text(prompt, last_user=True)}\n\n"
            f"### Resposta a avaliar\n{_text(completion)[:max_completion_chars]}\n\nNotas (JSON):")
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def parse_scores(answer: str, item_ids: Sequence[str]) -> dict[str, float]:
    """Each rubric id's 0–10 score from the judge's answer; JudgeError if any is missing or out of range."""
    found: dict[str, float] = {}
    for item_id, number in _SCORE.findall(answer or ""):
        if item_id in item_ids and item_id not in found:
            found[item_id] = float(number.replace(",", "."))
    missing = [i for i in item_ids if i not in found]
    if missing:
        raise JudgeError(f"judge answer does not score {missing}: {answer[:200]!r}")
    bad = {i: s for i, s in found.items() if not 0 <= s <= 10}
    if bad:
        raise JudgeError(f"judge scores outside 0-10: {bad}")
    return found


def combine(scores: Mapping[str, float], items: Sequence[tuple[str, str, bool]]) -> float:
    """Mean over items of s/10 (positive) or 1 − s/10 (negative)."""
    values = [1.0 - scores[i] / 10.0 if negative else scores[i] / 10.0 for i, _, negative in items]
    return sum(values) / len(values)


class Judge:
    """Scores batches of (task, prompt, completion) through one endpoint (``llm_client.ChatClient``:
    one deadline per call, a reply-size cap, surrogates escaped, parsed scores cached)."""

    def __init__(self, rewards: Mapping[str, Any] | None, *, root: str | Path | None = None):
        self.cfg = judge_settings(rewards)
        path = Path(self.cfg["rubric_file"])
        self.rubric = load_rubric(path if path.is_absolute() or root is None else Path(root) / path)
        self.client = ChatClient(
            base_url=self.cfg["base_url"], model=self.cfg["model"], timeout_s=self.cfg["timeout_s"],
            max_concurrency=self.cfg["max_concurrency"], retries=self.cfg["retries"],
            max_tokens=self.cfg["max_tokens"], max_response_bytes=self.cfg["max_response_bytes"],
            cache=self.cfg["cache"], temperature=0.0,
            count_failure=lambda err: errors.record(ERROR_KEY, err, outcome="no judge score (None)"))

    @property
    def calls(self) -> int:
        """HTTP requests sent so far (GRPO logs it; tests check the cache with it)."""
        return self.client.calls

    @property
    def url(self) -> str:
        return self.client.url

    def score_batch(self, tasks: Sequence[str | None], prompts: Sequence[Any],
                    completions: Sequence[Any]) -> list[float | None]:
        """One score per item, concurrently; None for a task without rubric or a failed (counted)
        call. Never raises. Identical items of a batch (GRPO's repeated rollouts) are sent once:
        one call, one error if it fails."""
        jobs = [i for i, task in enumerate(tasks) if task in self.rubric.tasks]
        if len(prompts) != len(tasks) or len(completions) != len(tasks):
            raise ValueError(f"judge: {len(tasks)} tasks, {len(prompts)} prompts, {len(completions)} completions")
        limit = int(self.cfg["max_completion_chars"])
        conversations = [judge_messages(self.rubric, tasks[i], prompts[i], completions[i], max_completion_chars=limit)
                         for i in jobs]
        parsers = [functools.partial(self._parse, self.rubric.items(tasks[i])) for i in jobs]
        scores = dict(zip(jobs, self.client.complete_batch(conversations, parsers)))
        return [scores.get(i) for i in range(len(tasks))]

    @staticmethod
    def _parse(items: Sequence[tuple[str, str, bool]], answer: str) -> float:
        return combine(parse_scores(answer, [i for i, _, _ in items]), items)


def make_judge_function(rewards: Mapping[str, Any] | None, *, root: str | Path | None = None):
    """The TRL reward function "judge/rubric": ``f(prompts, completions, task=None, **kw) -> list[float | None]``.

    A missing ``task`` column is filled by the prompt classifier, as for the rule-based rewards.
    It never raises: anything unexpected is counted like a failed call and the batch scores None.
    """
    from commerce_grpo import tasks as registry
    from commerce_grpo.rewards.scoring import task_of

    judge = Judge(rewards, root=root)

    def judge_reward(prompts, completions, task=None, **kwargs):
        n = len(completions)
        try:
            prompts = list(prompts) if prompts is not None and len(prompts) == n else [None] * n
            tasks = list(task) if isinstance(task, (list, tuple)) and len(task) == n else [None] * n
            tasks = [t if t in registry.REGISTRY else task_of({"prompt": p}) for t, p in zip(tasks, prompts)]
            return judge.score_batch(tasks, prompts, list(completions))
        except Exception as exc:  # the contract: never raise into TRL
            errors.record(ERROR_KEY, exc, outcome="no judge score (None)")
            return [None] * n

    judge_reward.__name__ = judge_reward.__qualname__ = FUNCTION_NAME
    judge_reward.judge = judge  # tests and the audit read calls/cache through it
    return judge_reward
