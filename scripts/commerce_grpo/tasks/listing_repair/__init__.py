"""Listing repair: a product listing with 1–3 typed corruptions in, the repaired listing out.

The fifth task (off by default), after the document-repair study: the policy receives a
corrupted structured document and returns it repaired. ``render`` writes clean listings from
commerce.db, ``corrupt`` breaks them, ``builder`` makes the pairs, ``target`` is the honest answer
(the clean listing), ``reward`` scores a repair (structure, edit accuracy, collateral damage,
format) under both presets, ``audit`` gives the audit its hacks and partly right answers.
"""
import re

from commerce_grpo.tasks.spec import TaskSpec

from . import reward
from .audit import adversarial, variants
from .builder import candidates
from .listing import SECTIONS
from .red_team import equivalents, red_team
from .target import target

SYSTEM_PROMPT = (
    "Tarefa: reparo de anúncio de produto. "
    "Você recebe um anúncio em markdown com alguns erros: seção faltando ou repetida, valores trocados "
    "de campo, marcação quebrada, preço ou unidade fora do padrão, erros de digitação ou de acentuação. "
    "Devolva somente o anúncio corrigido: a linha \"# título\" e as seções "
    + ", ".join(f"## {s}" for s in SECTIONS[:-1]) + f" e ## {SECTIONS[-1]}, "
    "nessa ordem, cada campo numa linha \"- Campo: valor\", preços como R$ 1.234,56. "
    "A descrição traz os dados certos; não altere o que já está correto."
)


TASK = TaskSpec(
    name="listing_repair",
    system_prompt=SYSTEM_PROMPT,
    candidates=candidates,
    target=target,
    rewards={"correctness": reward, "study": reward},
    weights=reward.WEIGHTS,
    in_format=reward.in_format,
    validation_metric=("listing_repair_structure_rate", reward.structure_rate),
    fallback=re.compile(r"an[uú]ncio|reparo"),
    adversarial=adversarial,
    variants=variants,
    meta_keys=("category", "state", "template"),
    # The first corruption's kind: the stratum of the pair stream (the template without its phrasing).
    kind=lambda record: record["reference"]["corruptions"][0]["kind"],
    red_team=red_team,
    equivalents=equivalents,
)
