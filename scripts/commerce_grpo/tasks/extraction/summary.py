"""The summary field: the one part of an extraction answer that only a reader of the review can write.

On a review whose stars say everything (a problem-free 5★ comment is two thirds of Olist's), the
nine label fields of the right answer are exactly what a per-star lookup table gives, and the
same answer fits every such review. Only the summary can show that *this* review was read
(L-reward-spec; RUBRIC.md: a record that would be right for any other review is worth 1 of 10).
So the summary is judged against the review's own words: its *specific* words (not function
words, not the label vocabulary every summary shares: "cliente", "satisfeito", "entrega",
"recomenda a loja"...) must come from the review. A constant summary has none; the summary of
another review, or one inventing facts, has words this review does not hold.

The gold summary (``compose``) states the labels in that shared vocabulary and quotes the review's
most specific clause, so it is grounded by construction and differs between reviews of one star.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from commerce_grpo.tasklib.text import user_text
from commerce_grpo.tasklib.vocab import PORTUGUESE_FUNCTION_WORDS, fold

MAX_CHARS = 140
LEADS = {"positivo": "Cliente satisfeito", "neutro": "Cliente neutro", "negativo": "Cliente insatisfeito"}
# The gold summary's names of the review's problems (issue flags and the price complaint).
PROBLEMS = {"delivery_issue": "entrega", "product_quality_issue": "defeito", "wrong_or_missing_item": "item errado",
            "seller_service_issue": "atendimento", "price_issue": "preço"}
RECOMMENDS = {True: "recomenda a loja.", False: "não recomenda a loja."}
# Words every summary may use without reading the review (folded): the labels' vocabulary, the
# gold template's words and the verbs of reporting. They neither ground a summary nor cost it.
GENERIC = frozenset(fold(" ".join((
    "cliente clientes consumidor consumidora comprador compradora usuario usuaria",
    "satisfeito satisfeita insatisfeito insatisfeita neutro neutra positivo positiva negativo negativa",
    "sentimento avaliacao avaliou nota notas estrela estrelas resumo pedido pedidos compra compras",
    "produto produtos item itens loja lojas vendedor vendedora recomenda recomendaria recomendou",
    "problema problemas entrega defeito errado faltando atendimento preco qualidade outro nenhuma",
    "relata relatou reclama reclamou reclamacao elogia elogiou diz disse afirma comenta menciona",
    "aponta destaca informa conta achou acha considera sobre geral experiencia",
))).split())
_WORD = re.compile(r"[^\W_]+")
_HEADER = re.compile(r"\A[^\n]*\bnota\s*\d\s*/\s*5\)?:?[ \t]*\n")
_CLAUSE = re.compile(r"[^.!?;\n]+")
MIN_STEM = 4
# Up to a third of its specific words found in the review a summary earns nothing, from two thirds
# on everything (a paraphrase keeps most of the review's words; a shotgun of typical review words,
# or another review's summary sharing a word or two with this one, does not).
ZERO_PRECISION, FULL_PRECISION = 1 / 3, 2 / 3
# A summary that is nothing but a stretch of the prompt pasted back (most of the review, or a long
# run of its words, and nothing of its own) summarises nothing: the audit's "review restated"
# hack, inside the object. A short quote ("ninguém responde") is a pointed summary.
COPY_SHARE, COPY_WORDS = 0.6, 8


def review_text(record: Mapping[str, Any]) -> str:
    """The review of an extraction prompt: the user message without its "(nota N/5):" line."""
    return _HEADER.sub("", user_text(record), count=1)


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def specific(tokens: list[str]) -> list[str]:
    """The tokens that say something about one review: not function words, not the label vocabulary."""
    return [w for w in tokens if w not in PORTUGUESE_FUNCTION_WORDS and w not in GENERIC
            and (len(w) >= 3 or w.isdigit())]


def _same_word(a: str, b: str) -> bool:
    """One word in two spellings or inflections: "quebrado"/"quebrou", "fraco"/"fraca", "recebi"/"recebu"."""
    if a == b:
        return True
    if a.isdigit() or b.isdigit() or min(len(a), len(b)) < MIN_STEM:
        return False
    need = max(MIN_STEM, min(len(a), len(b)) - 2)
    return a[:need] == b[:need]


def grounding(summary: str, review: str, prompt: str | None = None) -> float:
    """How far the summary's specific words come from the review, in [0, 1] (see the module
    docstring); 0 for a stretch of the prompt (``prompt``, default the review) pasted back.

    A review with no specific words leaves nothing to be specific about: a summary adding none
    is grounded. A summary with no specific word of its own on any other review is not.
    """
    review_tokens = words(review)
    source = set(specific(review_tokens))
    said = specific(words(summary))
    if not source:
        return 1.0 if not said else 0.0
    if not said:
        return 0.0
    hits = sum(any(_same_word(w, r) for r in source) for w in said)
    precision = hits / len(said)
    credit = max(0.0, min(1.0, (precision - ZERO_PRECISION) / (FULL_PRECISION - ZERO_PRECISION)))
    said_tokens = words(summary)
    if len(said_tokens) >= min(COPY_WORDS, COPY_SHARE * len(review_tokens)):
        prompt_tokens = review_tokens if prompt is None else words(prompt)
        if _stretch_of(said_tokens, prompt_tokens):
            return 0.0
    return credit


def _stretch_of(part: list[str], whole: list[str]) -> bool:
    n = len(part)
    return any(whole[i:i + n] == part for i in range(len(whole) - n + 1))


def quote(review: str, budget: int) -> str:
    """The review's clause with the most specific words, cut at a word boundary to ``budget`` characters."""
    clauses = [" ".join(c.split()) for c in _CLAUSE.findall(review)]
    clauses = [c.replace('"', "'").strip(" ,:-") for c in clauses if c.strip(" ,:-")]
    if not clauses or budget < 1:
        return ""
    best = max(clauses, key=lambda c: len(specific(words(c))))  # max keeps the first of equals
    if len(best) <= budget:
        return best
    cut = best[:budget + 1].rsplit(" ", 1)[0] if " " in best[:budget + 1] else ""
    return cut.rstrip(" ,:-")


def compose(sentiment: str, problems: Mapping[str, bool], recommend: bool, review: str) -> str:
    """The gold summary: 'Cliente insatisfeito (entrega, atendimento): "ninguém responde"; não recomenda a loja.'"""
    named = [name for flag, name in PROBLEMS.items() if problems.get(flag)]
    head = LEADS[sentiment] + (f" ({', '.join(named)})" if named else "")
    tail = RECOMMENDS[bool(recommend)]
    said = quote(review, MAX_CHARS - len(head) - len(tail) - len(': ""; '))
    return (f'{head}: "{said}"; {tail}' if said else f"{head}; {tail}")[:MAX_CHARS]
