"""Push: a customer context and an intent → one short, informal PT-BR notification.

``builder`` makes the contexts from commerce.db's orders and customers, ``target`` is the honest
answer (the intent's message filled with the context's facts), ``reward`` and ``study_reward``
score a message under each preset, ``audit`` gives the audit its hacks and partly right answers.
Validation logs the share of messages within the character limit.
"""
from __future__ import annotations

import re

from commerce_grpo.tasklib.prompts import PUSH_MAX_CHARS
from commerce_grpo.tasks.spec import TaskSpec

from . import reward, study_reward
from .audit import adversarial, variants
from .builder import candidates
from .red_team import equivalents, red_team
from .target import target

SYSTEM_PROMPT = (
    "Tarefa: notificação push para cliente. "
    f"Escreva uma única notificação em português com no máximo {PUSH_MAX_CHARS} caracteres, "
    "tom informal e amigável, sem linguagem de e-mail formal."
)


TASK = TaskSpec(
    name="push",
    system_prompt=SYSTEM_PROMPT,
    candidates=candidates,
    target=target,
    rewards={"correctness": reward, "study": study_reward},
    weights={
        # The intent done with the context's concrete content, short, friendly, one message.
        "correctness": {"intent": 0.30, "content": 0.30, "length": 0.15, "call_to_action": 0.15, "tone": 0.10},
        # V4.2.1 hotfix (steep length decay, formal e-mail penalty; L-push-length); "intent"
        # checks that the message does what the push was for.
        "study": {"length": 0.40, "portuguese": 0.20, "intent": 0.20, "creativity": 0.20, "formal_penalty": 0.20},
    },
    in_format=reward.in_format,
    validation_metric=(f"push_within_{PUSH_MAX_CHARS}_rate",
                       lambda text, components: float(len(text.strip()) <= PUSH_MAX_CHARS)),
    fallback=re.compile(r"\bpush\b|notifica[cç]"),
    adversarial=adversarial,
    rater_facts=lambda record: {"max_chars": min(record["reference"].get("max_chars", PUSH_MAX_CHARS), PUSH_MAX_CHARS)},
    variants=variants,
    meta_keys=("category", "state", "intent", "template"),
    kind=lambda record: record["reference"]["intent"],
    red_team=red_team,
    equivalents=equivalents,
)
