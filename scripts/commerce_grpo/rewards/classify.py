"""Route a prompt to its task: by the system prompt first, by keywords only as a fallback.

L-classifier: the study's keyword classifier scored insights prompts that mentioned
"reengajamento" as push notifications (a 120-character penalty on analyses). Each task's system
prompt (``TaskSpec.system_prompt``) opens with a distinct sentence, so routing reads them; the
keyword fallbacks (``TaskSpec.fallback``) are tried in registry order, insights before push for
the same reason (an analysis may talk about notifications and re-engagement).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from commerce_grpo import tasks as registry
from commerce_grpo.tasklib.vocab import fold


@lru_cache(maxsize=64)
def _opening(system_prompt: str) -> str:
    """A system prompt's first sentence, folded: what names its task."""
    return fold(system_prompt.split(".")[0])


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
        for name, spec in registry.REGISTRY.items():
            if _opening(spec.system_prompt) in system:
                return name
    text = fold(" ".join(m["content"] for m in messages))
    for name, spec in registry.REGISTRY.items():
        if spec.fallback is not None and spec.fallback.search(text):
            return name
    return None
