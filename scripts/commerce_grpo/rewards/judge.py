"""An optional LLM-judge reward: a rubric scored by a model behind an OpenAI-compatible endpoint.

Why a judge at all: some qualities (tone, usefulness of an insight) resist rules; a refiner-style
study scores them with a rubric judge served beside training (vLLM on a GPU node, or
``python -m commerce_grpo.judge_server`` locally). It is off by default and never replaces the
rule-based rewards: it is one more TRL reward function ("judge/rubric") with its own weight.

Contract (L-reward-spec: a reward that fails silently trains the wrong thing):
- the judge sees the rubric items of the item's task, the user prompt and the completion, and
  answers one 0–10 score per item (``{"P1": 8, "N1": 2}``, or ``P1: 8`` lines);
- positive items count as s/10, negative items as 1 − s/10; the reward is their mean;
- an unreachable server, a timeout, an HTTP error or an answer that does not score every item is
  *counted* (``rewards.errors`` under ``"judge"``) and yields ``None`` — never a 0 that looks like a
  score. Failed calls are retried a bounded number of times and never cached.
- calls of one batch run concurrently (at most ``max_concurrency``); successful scores are cached
  by a hash of (model, rubric, prompt, completion), so repeated rollouts cost one call.
"""
from __future__ import annotations

import hashlib
import http.client
import json
import logging
import re
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml

from commerce_grpo.rewards import errors

log = logging.getLogger(__name__)

ERROR_KEY = "judge"  # errors.count(ERROR_KEY): judge calls that failed (audit and training logs read it)
DEFAULTS = {"enabled": False, "base_url": "http://127.0.0.1:8000/v1", "model": "judge",
            "rubric_file": "data/judge/rubric.yaml", "weight": 0.2, "timeout_s": 30.0, "max_concurrency": 8,
            "cache": True, "retries": 2, "max_tokens": 256}
MAX_CACHE = 65536
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
    """One judge call failed: unreachable, timed out, HTTP error, or an answer that does not score the rubric."""


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
    if cfg["timeout_s"] <= 0 or cfg["max_concurrency"] < 1 or cfg["retries"] < 0 or cfg["max_tokens"] < 1:
        raise ValueError(f"rewards.judge: timeout_s > 0, max_concurrency >= 1, retries >= 0 and max_tokens >= 1 "
                         f"needed, got {cfg}")
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


def judge_messages(rubric: Rubric, task: str, prompt: Any, completion: Any) -> list[dict]:
    """The chat sent to the judge: instructions, the task's rubric items, the prompt and the answer."""
    items = "\n".join(f"{item_id}: {text}" for item_id, text, _ in rubric.items(task))
    user = (f"Rubrica (tarefa {task}):\n{items}\n\n### Pedido\n{_text(prompt, last_user=True)}\n\n"
            f"### Resposta a avaliar\n{_text(completion)}\n\nNotas (JSON):")
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
    """Scores batches of (task, prompt, completion) through one endpoint; thread-safe cache and counters."""

    def __init__(self, rewards: Mapping[str, Any] | None, *, root: str | Path | None = None):
        self.cfg = judge_settings(rewards)
        path = Path(self.cfg["rubric_file"])
        self.rubric = load_rubric(path if path.is_absolute() or root is None else Path(root) / path)
        self.url = self.cfg["base_url"].rstrip("/") + "/chat/completions"
        self.calls = 0  # HTTP requests sent (tests check the cache with it)
        self._cache: dict[str, float] = {}
        self._lock = threading.Lock()

    def key(self, task: str, prompt: Any, completion: Any) -> str:
        payload = json.dumps([self.cfg["model"], self.rubric.text, task, _text(prompt, last_user=True),
                              _text(completion)], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def _request(self, messages: list[dict]) -> bytes:
        body = json.dumps({"model": self.cfg["model"], "messages": messages, "temperature": 0.0,
                           "max_tokens": self.cfg["max_tokens"]}).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})
        with self._lock:
            self.calls += 1
        try:
            with urllib.request.urlopen(request, timeout=self.cfg["timeout_s"]) as response:
                return response.read()
        except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
            raise JudgeError(f"judge call to {self.url} failed: {err!r}") from err

    def _content(self, raw: bytes) -> str:
        """The assistant message of an OpenAI chat-completions body; JudgeError if it has none."""
        try:
            return str(json.loads(raw.decode("utf-8"))["choices"][0]["message"]["content"])
        except (ValueError, KeyError, IndexError, TypeError) as err:
            raise JudgeError(f"judge at {self.url} sent no chat completion ({err!r}): {raw[:200]!r}") from err

    def score_one(self, task: str, prompt: Any, completion: Any) -> float:
        """The rubric score in [0, 1]; raises JudgeError (unreachable after ``retries`` retries, or malformed)."""
        items = self.rubric.items(task)
        key = self.key(task, prompt, completion)
        if self.cfg["cache"]:
            with self._lock:
                if key in self._cache:
                    return self._cache[key]
        messages = judge_messages(self.rubric, task, prompt, completion)
        # Transport failures are retried (a busy server recovers); a malformed answer is not: the
        # judge decodes greedily, so asking again returns the same answer.
        for attempt in range(int(self.cfg["retries"]) + 1):
            if attempt:
                time.sleep(min(0.2 * 2 ** (attempt - 1), 2.0))
            try:
                raw = self._request(messages)
                break
            except JudgeError:
                if attempt == int(self.cfg["retries"]):
                    raise
        value = combine(parse_scores(self._content(raw), [i for i, _, _ in items]), items)
        if self.cfg["cache"]:
            with self._lock:
                if len(self._cache) >= MAX_CACHE:
                    self._cache.clear()
                self._cache[key] = value
        return value

    def score_batch(self, tasks: Sequence[str | None], prompts: Sequence[Any],
                    completions: Sequence[Any]) -> list[float | None]:
        """One score per item, concurrently; None for a task without rubric or a failed (counted) call.

        Identical items of a batch (GRPO's repeated rollouts) are sent once: one call, one error
        if it fails.
        """
        def one(args):
            task, prompt, completion = args
            try:
                return self.score_one(task, prompt, completion)
            except JudgeError as err:
                errors.record(ERROR_KEY, err, outcome="no judge score (None)")
                return None

        jobs = list(zip(tasks, prompts, completions, strict=True))
        keys = [self.key(*job) if job[0] in self.rubric.tasks else None for job in jobs]
        unique = {key: job for key, job in zip(keys, jobs) if key is not None}
        workers = max(1, min(int(self.cfg["max_concurrency"]), len(unique)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = dict(zip(unique, pool.map(one, unique.values())))
        return [None if key is None else results[key] for key in keys]


def make_judge_function(rewards: Mapping[str, Any] | None, *, root: str | Path | None = None):
    """The TRL reward function "judge/rubric": ``f(prompts, completions, task=None, **kw) -> list[float | None]``.

    A missing ``task`` column is filled by the prompt classifier, as for the rule-based rewards.
    """
    from commerce_grpo import tasks as registry
    from commerce_grpo.rewards.scoring import task_of

    judge = Judge(rewards, root=root)

    def judge_reward(prompts, completions, task=None, **kwargs):
        n = len(completions)
        prompts = list(prompts) if prompts is not None and len(prompts) == n else [None] * n
        tasks = list(task) if isinstance(task, (list, tuple)) and len(task) == n else [None] * n
        tasks = [t if t in registry.REGISTRY else task_of({"prompt": p}) for t, p in zip(tasks, prompts)]
        return judge.score_batch(tasks, prompts, list(completions))

    judge_reward.__name__ = judge_reward.__qualname__ = FUNCTION_NAME
    judge_reward.judge = judge  # tests and the audit read calls/cache through it
    return judge_reward
