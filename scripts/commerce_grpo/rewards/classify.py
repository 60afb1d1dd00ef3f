"""Route a prompt to its task: by the system prompt first, by keywords only as a fallback.

L-classifier: the study's keyword classifier scored insights prompts that mentioned
"reengajamento" as push notifications (a 120-character penalty on analyses). The system prompts
in ``commerce_grpo.prompts`` open with a distinct sentence per task, so routing reads them; the
fallback checks insights before push for the same reason.
"""
from __future__ import annotations

import re
from typing import Any

from commerce_grpo.prompts import SYSTEM_PROMPTS, TASKS
from commerce_grpo.rewards.vocab import fold

# Insights before push: an analysis may talk about notifications and re-engagement.
_ROUTING_ORDER = ("extraction", "sql_qa", "insights", "push")
_OPENINGS = {task: fold(SYSTEM_PROMPTS[task].split(".")[0]) for task in TASKS}
_FALLBACK = (
    ("extraction", re.compile(r"\bjson\b|extra[cç][aã]o|avalia[cç][aã]o do pedido \(nota")),
    ("sql_qa", re.compile(r"\bsql\b|consulta|\bselect\b")),
    ("insights", re.compile(r"an[aá]lise|estrat[eé]gi|insight|recomenda[cç]")),
    ("push", re.compile(r"\bpush\b|notifica[cç]")),
)


def _messages(prompt: Any) -> list[dict]:
    if isinstance(prompt, str):
        return [{"role": "user", "content": prompt}]
    if isinstance(prompt, (list, tuple)):
        return [m for m in prompt if isinstance(m, dict) and isinstance(m.get("content"), str)]
    return []


def classify(prompt: Any) -> str | None:
    """The task of a prompt (a chat message list or a string), or None when nothing matches."""
    messages = _messages(prompt)
    system = fold(" ".join(m["content"] for m in messages if m.get("role") == "system"))
    if system:
        for task in _ROUTING_ORDER:
            if _OPENINGS[task] in system:
                return task
    text = fold(" ".join(m["content"] for m in messages))
    for task, pattern in _FALLBACK:
        if pattern.search(text):
            return task
    return None
