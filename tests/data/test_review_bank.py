"""Every template of the phrase bank, expanded in full, reads as what it is meant to say.

A synthetic review's labels are its latent facts, so each complaint clause must be read as its
topic's flag and nothing else, and every fact-free part (praise, context, remarks, feelings,
threats, shop mentions, questions) as no flag, no recommendation and no complaint. The reader is
the Olist-mode labeller (a reader of the comment alone); a template it reads otherwise fails here
by its expanded text, before any generated review could carry a wrong label.
"""
import re

import pytest

from commerce_grpo.data import review_bank as bank
from commerce_grpo.data.labeller import FLAGS, PRIORITY, label_review
from commerce_grpo.data.reviews import TOPICS

FLAG_OF = {category: flag for flag, category in PRIORITY}
_ALT = re.compile(r"\[([^\[\]]*)\]")
SLOTS = {"produto": "o produto", "do_produto": "do produto", "o": "o", "bom": "bom", "dias": "5 dias", "antes": "3 dias",
         "a_cliente": "a", "loja": "lannister", "data_compra": "12/03", "data_prazo": "20/03", "data_entrega": "28/03",
         "dia_prazo": "20", "n": "3", "cidade": "Recife", "nome": "Ana", "meu_nome": "Ana", "sobrenome": "Silva", "pessoa": "minha mãe",
         "ocasiao": "Natal", "cor": "azul", "detalhe": "o acabamento é bom", "detalhe2": "é bem resistente",
         "adjetivo": "bonito", "adv": "muito", "uso": "em casa", "tempo": "ontem", "motivo": "estava precisando trocar",
         "marca": "Aurora", "pet": "Thor"}


def expand(template: str) -> list[str]:
    """Every text ``template`` can give (alternatives may nest), with one sample value per slot."""
    match = _ALT.search(template)
    if match is None:
        return [re.sub(r"  +", " ", template).strip().format(**SLOTS)]
    return [text for option in match.group(1).split("|")
            for text in expand(template[:match.start()] + option + template[match.end():])]


def misread(templates, score: int, flags: set, *, recommend=None, nothing_else=True, category="nenhuma") -> list[str]:
    """Expanded texts the labeller reads with other flags (or recommendation) than expected; at
    three stars or more without a flag, also with another category than ``category``."""
    wrong = []
    for template in templates:
        for text in expand(template):
            got = label_review(score, text)
            found = {f for f in FLAGS if got[f]}
            ok = found == flags if nothing_else else found <= flags
            if recommend is not None:
                ok = ok and got["would_recommend"] == recommend
            if not flags and score >= 3:
                ok = ok and got["complaint_category"] == category
            if not ok:
                wrong.append(f"{text!r}: {sorted(found)} recommend={got['would_recommend']}")
    return wrong


@pytest.mark.parametrize("topic", sorted(bank.TOPIC_CLAUSES))
def test_each_complaint_clause_states_its_topic_and_nothing_else(topic):
    flags = {FLAG_OF[TOPICS[topic]]} if TOPICS[topic] in FLAG_OF else set()
    templates = [t for clauses in bank.TOPIC_CLAUSES[topic].values() for t in clauses]
    if topic in bank.TINY:
        templates += bank.TINY[topic]
    assert not misread(templates, 1, flags)


@pytest.mark.parametrize("kind", sorted(bank.KIND_DEFECTS))
def test_each_defect_is_a_quality_complaint(kind):
    assert not misread(bank.KIND_DEFECTS[kind], 1, {"product_quality_issue"})


FACT_FREE = {  # pool → (score it is used at, recommendation a reader infers)
    "PRAISE_PRODUCT": (5, True), "PRAISE_DELIVERY": (5, True), "PRAISE_SELLER": (5, True), "USAGE": (5, True),
    "NEUTRAL": (3, False), "CONTEXT": (3, False), "STORY": (3, False), "DATE_CONTEXT": (3, False),
    "GREETINGS": (3, False), "SIGNOFFS": (3, False), "GENERIC_ADJECTIVES": (5, True),
    "NEGATIVE_EXTRA": (1, False), "THREATS": (1, False), "DISSATISFIED": (1, False),
    "REASONS": (3, False), "PEOPLE": (3, False), "TIMES": (3, False), "CITIES": (3, False),
    "SURNAMES": (3, False), "NAMES_F": (3, False), "NAMES_M": (3, False), "BRANDS": (3, False), "OCCASIONS": (3, False), "PETS": (3, False), "ADVERBS": (3, False),
}


@pytest.mark.parametrize("pool", sorted(FACT_FREE))
def test_fact_free_parts_state_nothing(pool):
    score, recommend = FACT_FREE[pool]
    assert not misread(getattr(bank, pool), score, set(), recommend=recommend)


def test_fact_free_parts_by_tone_and_kind_state_nothing():
    tone_score = {"positive": 5, "neutral": 3, "negative": 1, "any": 3}
    wrong = []
    for tone, templates in [*bank.SHOP.items(), *bank.QUESTIONS.items(), *bank.OPENERS.items()]:
        wrong += misread(templates, tone_score[tone], set(), recommend=tone == "positive")
    for kind in bank.KIND_DETAILS:
        wrong += misread(bank.KIND_DETAILS[kind] + bank.KIND_ADJECTIVES[kind] + bank.KIND_REMARKS[kind], 5, set(),
                         recommend=True)
        wrong += misread(bank.KIND_USES[kind] + bank.KIND_REASONS.get(kind, []), 3, set())
    wrong += misread(bank.TINY["ok"], 5, set(), recommend=True) + misread(bank.TINY["neutral"], 3, set())
    assert not wrong, wrong[:20]


def test_remarks_fit_their_tone_or_the_complaint_they_follow():
    """Positive and neutral remarks state nothing; a remark after a complaint may restate that
    complaint's own flag (a consequence of it) but never another one."""
    wrong = misread(bank.REMARKS["positive"], 5, set(), recommend=True) + misread(bank.REMARKS["neutral"], 3, set())
    for category in set(TOPICS.values()):
        own = {FLAG_OF[category]} if category in FLAG_OF else set()
        wrong += misread(bank.REMARKS[category], 1, own, nothing_else=False)
    assert not wrong, wrong[:20]


def test_followups_restate_their_topic_and_add_nothing():
    wrong = []
    for topic, templates in bank.FOLLOWUPS.items():
        own = {FLAG_OF[TOPICS[topic]]} if TOPICS[topic] in FLAG_OF else set()
        wrong += misread(templates, 1, own, nothing_else=False)
    assert not wrong, wrong[:20]


def test_recommendations_read_as_stated():
    wrong = misread(bank.RECOMMEND + bank.RECOMMEND_MILD + bank.RECOMMEND_ANYWAY + bank.TINY["recommend"], 2, set(),
                    recommend=True)
    # "não recomendo" on its own is plain dissatisfaction (the guide): `outro` even at five stars
    wrong += misread(bank.NOT_RECOMMEND + bank.NOT_RECOMMEND_MILD, 5, set(), recommend=False, category="outro")
    assert not wrong, wrong[:20]


def test_product_nouns_carry_no_cue():
    wrong = []
    for category, nouns in [*bank.PRODUCT_NOUNS.items(), ("generic", bank.GENERIC_NOUNS)]:
        for noun, gender, kind in nouns:
            assert gender in "mf" and kind in bank.KIND_DETAILS, (category, noun)
            wrong += misread([f"adorei {noun}"], 5, set(), recommend=True)
            wrong += misread([f"{noun} veio com defeito"], 1, {"product_quality_issue"})
    assert not wrong, wrong[:20]


def test_every_kind_has_every_pool():
    pools = (bank.KIND_DETAILS, bank.KIND_ADJECTIVES, bank.KIND_USES, bank.KIND_DEFECTS, bank.KIND_REMARKS)
    assert all(set(pool) == set(bank.KIND_DETAILS) for pool in pools)
    assert all(bank.KIND_DETAILS[k] and bank.KIND_DEFECTS[k] and bank.KIND_USES[k] for k in bank.KIND_DETAILS)


def test_a_misread_template_fails_here():
    """The check above can fail: a praise that names a defect is caught."""
    assert misread(["{produto} é lindo, mas [veio riscado|quebrou]"], 5, set(), recommend=True)
