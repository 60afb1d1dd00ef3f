"""Insights: a data summary of commerce.db → a structured analysis with concrete recommendations.

``builder`` makes the data summaries from commerce.db, ``target`` is the honest answer (an
analyst's, per topic: SFT demonstration and audit gold), ``reward`` (with ``roles``, the facts in
their role) and ``study_reward`` score an analysis under each preset, ``audit`` gives the audit its
hacks and partly right answers, ``red_team`` the answers a policy could build from the prompt alone.
"""
from __future__ import annotations

import re

from commerce_grpo.tasks.spec import TaskSpec

from . import reward, study_reward
from .audit import adversarial, variants
from .builder import candidates
from .red_team import equivalents, red_team
from .target import target

SYSTEM_PROMPT = (
    "Tarefa: análise estratégica de dados de e-commerce. "
    "Com base no resumo de dados, escreva uma análise estruturada com tópicos e recomendações "
    "de ação concretas para o negócio."
)


TASK = TaskSpec(
    name="insights",
    system_prompt=SYSTEM_PROMPT,
    candidates=candidates,
    target=target,
    rewards={"correctness": reward, "study": study_reward},
    weights={
        # The summary's facts, recommendations that act on them in the right direction.
        "correctness": {"facts": 0.35, "actions": 0.20, "grounded": 0.15, "direction": 0.15, "structure": 0.15},
        # The study's (action 0.40, length 0.30, structure 0.20, domain 0.10) with 0.20 moved to
        # using the facts of the data summary.
        "study": {"action_words": 0.30, "length": 0.20, "structure": 0.20, "domain": 0.10, "facts": 0.20},
    },
    in_format=reward.in_format,
    # No independent metric: whether an analysis is good is what the reward itself measures.
    validation_metric=None,
    fallback=re.compile(r"an[aá]lise|estrat[eé]gi|insight|recomenda[cç]"),
    adversarial=adversarial,
    variants=variants,
    meta_keys=("category", "template"),
    kind=lambda record: record["source"]["template"],
    red_team=red_team,
    equivalents=equivalents,
)
