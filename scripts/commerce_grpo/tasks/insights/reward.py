"""Insights reward (correctness preset): an analysis that reads the summary's facts right and
recommends actions that follow from them.

Format (the gate): Portuguese prose or markdown of at least 20 words outside any JSON object or
code fence. A JSON object (an extraction answer), a SQL block or a one-line push is not an
analysis and scores 0 (L-reward-spec; the study's insights answers that were extraction JSON
still earned 0.35).

Components: ``facts`` (share of the reference facts the answer states right: a number as
Brazilians write it; an entity with a role — the worst state, the leading category, the peak
month — only when stated in that role, ``roles``; a state by code or name, a month with or
without its year), ``actions`` (specific recommendations: a sentence of five words or more with
an advice verb, or a list item under a recommendations header, that names a fact of the summary or
the topic's own subject — "Investir em marketing digital" is advice for any summary; two for full
credit), ``grounded`` (a recommendation names a fact — the worst state, the leading category, a
figure), ``direction`` (advice moves a problem metric down or a goal metric up: "reduzir o
frete", "aumentar a recompra"; 0.5 when recommendations state no direction, 0 without
recommendations) and ``structure`` (bullets, numbered items, headers). Actions, direction and
structure count in full only for an answer that states the facts (a quarter for boilerplate).

Every component is multiplied by the length window and by factors a word list cannot game:
Portuguese, fluency (a salad of action words has no function words), no repetition, no restating
of the prompt (its bullets copied back earn nothing); and

- a role fact contradicted (another entity named the worst, the leader called the weakest, the
  roles read off the bullets' order), 15 %;
- no specific recommendation (the bullets reworded, then generic advice), 30 %;
- numbers neither the summary nor the reference gives (to the last digit written), nor a
  difference, ratio or percentage change between a reference figure and another given number
  (invented projections), and states or categories the summary does not name: 35 % for one, 12 %
  for more;
- advice that mostly points the wrong way ("aumentar o frete" when freight is the problem), 20 %;
- text addressed to a grader, 0.
"""
from __future__ import annotations

import bisect
import re
from functools import lru_cache
from typing import Any, Mapping

from commerce_grpo.tasklib.numbers import mentions, numbers_in
from commerce_grpo.tasklib.parsing import split_object
from commerce_grpo.tasklib.text import (
    addressed_to_grader, fluency, novelty_factor, portuguese_score, repetition_factor, tokens, user_text,
    without_copied_lines,
)
from commerce_grpo.data.ptbr import CATEGORY_LABELS
from commerce_grpo.tasklib.vocab import (
    ADVICE_HEADERS, ADVICE_STEMS, GOAL_METRICS, NEGATIONS, PROBLEM_METRICS, STATE_NAMES, fold, stem_pattern,
    word_pattern,
)

from .roles import ROLE_FACTS, aliases, read_roles

MIN_WORDS = 20
FULL_CREDIT_WORDS = (40, 350)
ZERO_CREDIT_WORDS = 600
ACTION_MIN_WORDS = 5
WRONG_DIRECTION_FACTOR = 0.2
WRONG_ROLE_FACTOR = 0.15
GENERIC_ADVICE_FACTOR = 0.3
INVENTED_FACTOR, MAX_INVENTED = 0.35, 2
COPIED_LINES = 2
SPECIFIC_FOR_FULL_CREDIT = 2
MAX_RATIO = 20
FACTLESS_CREDIT = 0.25
# What advice on each topic of the pair builder talks about (folded stems): a recommendation that
# names none of them, and no fact either, is advice for any summary.
TOPIC_TERMS = {
    "desempenho_categorias": ("categori", "sortiment", "mix", "portfolio", "qualidade", "fornecedor", "descricao",
                              "nota", "avaliac", "estoque", "midia", "vitrine"),
    "atrasos_estados": ("atras", "prazo", "entrega", "transportador", "logistic", "rota", "centro de distribui",
                        "armazem", "frete", "coleta", "postagem"),
    "satisfacao_entrega": ("atras", "prazo", "entrega", "transportador", "logistic", "nota", "avaliac", "compensa",
                           "aviso", "avis", "comunica", "rastrei"),
    "pagamentos": ("pagament", "pix", "boleto", "cartao", "parcel", "juros", "ticket", "checkout", "conversao",
                   "recusa", "credito", "debito", "voucher"),
    "sazonalidade": ("estoque", "campanha", "sazonal", "pico", "calendario", "demanda", "promoc", "cupom", "planej",
                     "black friday", "mes", "meses"),
    "reclamacoes": ("reclama", "avaliac", "nota", "atendimento", "qualidade", "entrega", "sac", "pos-venda",
                    "contato", "devoluc", "troca"),
    "frete": ("frete", "transportador", "logistic", "centro de distribui", "entrega", "tabela", "cep", "regional"),
    "recompra": ("recompra", "fideli", "retenc", "cashback", "cupom", "reengaj", "segunda compra", "recorren",
                 "crm", "assinatura", "pontos"),
    "ticket_estados": ("ticket", "kit", "combo", "frete gratis", "valor minimo", "complementar", "cross", "upsell",
                       "carrinho"),
    "vendedores": ("vendedor", "seller", "parceir", "lojista", "concentra", "qualidade", "treinament", "onboarding",
                   "descredenci", "nota", "curadoria"),
}
_TOPIC_TERMS = {topic: stem_pattern(terms) for topic, terms in TOPIC_TERMS.items()}
_ACTION = stem_pattern(ADVICE_STEMS)
_ADVICE_HEADER = stem_pattern(ADVICE_HEADERS)
_HEADER = re.compile(r"^\s*(?:#{1,6}\s|\*\*[^*]+\*\*\s*:?\s*$|[^\w\s]*\s*[\w ]{3,40}:\s*$)")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s")
_STRUCTURE_LINE = re.compile(r"(?m)^[ \t]*(?:[-*•]|\d+[.)]|#{1,6}\s|\*\*[^*\n]+\*\*)")
_LIST_MARKER = re.compile(r"(?m)^[ \t]*\d+[.)](?=\s)")
_UNIT_SPLIT = re.compile(r"\n+|(?<=[.!?;])\s+")
_FENCE = re.compile(r"```.*?(?:```|\Z)", re.S)
_INCREASE = re.compile(r"(?<!\w)(?:aument(?:ar|e|em|emos)|elev(?:ar|e|em)|ampli(?:ar|e|em)|subir|"
                       r"maximiz(?:ar|e|em)|dobr(?:ar|e|em)|encarec(?:er|a|am))(?!\w)")
_DECREASE = re.compile(r"(?<!\w)(?:reduz(?:ir|a|am|amos)|diminu(?:ir|a|am)|cort(?:ar|e|em)|minimiz(?:ar|e|em)|"
                       r"elimin(?:ar|e|em)|baixar|barate(?:ar|ie)|zerar)(?!\w)")
_METRIC_KIND = {**{m: "problem" for m in PROBLEM_METRICS}, **{m: "goal" for m in GOAL_METRICS}}
_METRIC = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(m) for m in sorted(_METRIC_KIND, key=len, reverse=True)) + ")")
_WORD_WINDOW = 5
_FREE = re.compile(r"frete\s+(?:gratis|gratuito|zero)")
_STATE_CODE = re.compile(r"(?<![\w/])([A-Z]{2})(?![\w/])")
_CODE_OF = {name: code for code, name in STATE_NAMES.items()}
# States by name ("para" is a preposition first) and product categories, folded.
_PLACES = word_pattern((set(STATE_NAMES.values()) - {"para"})
                       | {fold(label) for label in CATEGORY_LABELS.values()} - {"marketplace"})
_NUMBER_TOKEN = re.compile(r"(?<![\w.,])-?\d[\d.,]*\d%?|(?<![\w.,])-?\d%?")


def length_factor(n_words: int) -> float:
    low, high = FULL_CREDIT_WORDS
    if n_words < MIN_WORDS:
        return 0.0
    if n_words < low:
        return 0.5 + 0.5 * (n_words - MIN_WORDS) / (low - MIN_WORDS)
    if n_words <= high:
        return 1.0
    return max(0.0, (ZERO_CREDIT_WORDS - n_words) / (ZERO_CREDIT_WORDS - high))


def _fact_values(facts: Any) -> list:
    if not isinstance(facts, Mapping):
        return []
    return [v for v in facts.values() if v is not None and not isinstance(v, (dict, list, bool))]


def facts_cited(values: list, text: str, folded: str) -> float:
    """Share of the reference facts (numbers or short texts) that the text mentions (the numbers
    of list markers, "1." "2.", are not citations)."""
    if not values:
        return 0.0
    cited = numbers_in(_LIST_MARKER.sub(" ", text))
    return sum(mentions(value, folded, cited) for value in values) / len(values)


def facts_stated(facts: Mapping[str, Any], prose: str, prompt: str) -> tuple[float, bool]:
    """(share of the reference facts stated right, whether the answer contradicts the data).

    A role fact (``roles.ROLE_FACTS``) counts only stated in its role, any other fact when
    mentioned (``facts_cited``); the prompt's bullets copied back state nothing (one line
    restated in a diagnosis is quoting, ``COPIED_LINES`` of them are the prompt again)."""
    values = {k: v for k, v in facts.items() if v is not None and not isinstance(v, (dict, list, bool))}
    stated, contradicted = read_roles(prose, values, prompt)
    if not values:
        return 0.0, contradicted
    own, copied = without_copied_lines(prose, prompt)
    if copied >= COPIED_LINES:
        stated = read_roles(own, values, prompt)[0]
    else:
        own = prose
    plain = [v for k, v in values.items() if k not in stated]
    share = (sum(stated.values()) + facts_cited(plain, own, fold(own)) * len(plain)) / len(values)
    return share, contradicted


def names_a_fact(facts: Mapping[str, Any], unit: str) -> bool:
    """Whether a (folded) sentence names one of the reference facts: a role entity as people write
    it, or a figure."""
    joined = f" {' '.join(tokens(unit))} "
    cited = None
    for key, value in facts.items():
        if key in ROLE_FACTS:
            if any(f" {' '.join(name)} " in joined for name in aliases(value)):
                return True
        elif value is not None and not isinstance(value, (dict, list, bool)):
            cited = numbers_in(_LIST_MARKER.sub(" ", unit)) if cited is None else cited
            if mentions(value, unit, cited):
                return True
    return False


@lru_cache(maxsize=4096)
def _prompt_numbers(prompt: str) -> frozenset[float]:
    return frozenset(numbers_in(prompt))


def _figures(facts: Mapping[str, Any]) -> set[float]:
    return {float(v) for v in facts.values() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _derived(given: list[float], figures: set[float]) -> tuple[list[float], list[float]]:
    """What an answer may derive, each sorted: (a difference or a percentage change between a
    reference figure and another given number, their ratio — "2,3 vezes", up to ``MAX_RATIO``)."""
    differences, ratios = set(), set()
    for a in figures:
        for b in given:
            for x, y in ((a, b), (b, a)):
                differences.add(abs(x - y))
                if y:
                    differences.add(100 * (x - y) / y)
                    if abs(x / y) <= MAX_RATIO:
                        ratios.add(x / y)
    return sorted(differences), sorted(ratios)


def invented_numbers(prose: str, prompt: str, facts: Mapping[str, Any]) -> int:
    """How many numbers of the answer neither the summary nor the reference gives or derives
    (small counts, years and list markers aside; a whole number may round a given figure, a
    difference or a percentage change)."""
    given = sorted(_prompt_numbers(prompt) | _figures(facts))
    unmatched = []
    for token in _NUMBER_TOKEN.findall(_LIST_MARKER.sub(" ", prose)):
        readings = numbers_in(token.rstrip("%"))
        if not readings or any(v.is_integer() and (0 <= v <= 10 or 1990 <= v <= 2100 or v == 100) for v in readings):
            continue
        tolerances = [(v, _precision(token, v)) for v in readings]
        if not any(_near(given, v, tolerance) for v, tolerance in tolerances):
            unmatched.append(tolerances)
    if not unmatched:
        return 0
    differences, ratios = _derived(given, _figures(facts))
    return sum(not any(_near(differences, v, tolerance) or _near(ratios, v, tolerance) for v, tolerance in tolerances)
               for tolerances in unmatched)


def _precision(token: str, value: float) -> float:
    """Half a unit of the last digit written: "129,46" is not 129.07, "20%" may round 20.4."""
    if value.is_integer():
        return 0.5
    decimals = len(re.split(r"[.,]", token.rstrip("%"))[-1])
    return 0.5 * 10 ** -decimals + 1e-9


def invented_entities(prose: str, folded: str, prompt: str, facts: Mapping[str, Any]) -> int:
    """How many states (by code or name) and product categories the answer names that neither the
    summary nor the reference does (an analysis of the South that finds its worst state in the
    North invents it). ``folded`` is the answer through ``vocab.fold``."""
    prompt = " ".join([prompt, *(v for v in facts.values() if isinstance(v, str))])
    given = fold(prompt)
    codes = {STATE_NAMES[code] for code in _STATE_CODE.findall(prose) if code in STATE_NAMES}
    named = set(_PLACES.findall(folded)) | codes
    return sum(name not in given and (name not in _CODE_OF or _CODE_OF[name] not in prompt) for name in named)


def _near(sorted_values: list[float], value: float, tolerance: float) -> bool:
    i = bisect.bisect_left(sorted_values, value - tolerance)
    return i < len(sorted_values) and sorted_values[i] <= value + tolerance


def _metric_after(folded: str, end: int) -> str | None:
    """The kind of the first metric within a few words after a verb ("problem" | "goal" | None)."""
    window = " ".join(folded[end:end + 80].split()[:_WORD_WINDOW])
    for m in _METRIC.finditer(window):  # leftmost first; the longest stem wins at one position
        if m.group(0) == "frete" and _FREE.match(window, m.start()):
            continue  # "ampliar o frete grátis" lowers the customer's freight
        return _METRIC_KIND[m.group(0)]
    return None


def directions(folded: str) -> tuple[int, int]:
    """(advice pointing the right way, advice pointing the wrong way) in a folded text."""
    good = bad = 0
    for pattern, up in ((_INCREASE, True), (_DECREASE, False)):
        for m in pattern.finditer(folded):
            before = folded[max(0, m.start() - 8): m.start()].split()
            if before and before[-1] in NEGATIONS:
                continue
            kind = _metric_after(folded, m.end())
            if kind is None:
                continue
            if (kind == "goal") == up:
                good += 1
            else:
                bad += 1
    return good, bad


def recommendations(folded: str) -> list[str]:
    """Recommendation sentences of a folded text: a sentence of five words or more with an advice
    verb, or any list item of that length under a recommendations header ("## Recomendações":
    "1. Programa de fidelidade com cashback." is advice without a verb)."""
    found, in_advice = [], False
    for line in folded.splitlines():
        if _HEADER.match(line) and not _LIST_ITEM.match(line):
            in_advice = bool(_ADVICE_HEADER.search(line))
            continue
        if in_advice and _LIST_ITEM.match(line) and len(line.split()) >= ACTION_MIN_WORDS:
            found.append(line)
            continue
        found.extend(u for u in _UNIT_SPLIT.split(line)
                     if len(u.split()) >= ACTION_MIN_WORDS and _ACTION.search(u))
    return found


def _prose(text: str) -> str | None:
    """The text without fences; None when it is a JSON object (an answer in another format)."""
    before, block, after = split_object(text)
    if block and len(block) >= 0.5 * len(text.strip()):
        return None
    return _FENCE.sub(" ", text)


def _gated(text: str) -> tuple[str, str, list[str]] | None:
    """(prose, folded prose, its words) when the answer passes the format gate, else None."""
    prose = _prose(text)
    if prose is None:
        return None
    folded = fold(prose)
    words = tokens(folded)
    return (prose, folded, words) if len(words) >= MIN_WORDS else None


def in_format(record: Mapping[str, Any], text: str) -> bool:
    """The format gate: prose or markdown of at least ``MIN_WORDS`` words, not a JSON object."""
    return _gated(text) is not None


def components(record: Mapping[str, Any], text: str, **_) -> dict[str, float]:
    gated = _gated(text)
    if gated is None:
        return {}
    prose, folded, words = gated
    prompt = user_text(record)
    factor = (length_factor(len(words))
              * portuguese_score(prose, folded, words)
              * fluency(words)
              * repetition_factor(words)
              * novelty_factor(words, prompt))
    if factor == 0.0 or addressed_to_grader(text):
        return {}  # cheap checks first: a salad or a copy costs no fact matching
    reference = record.get("reference") or {}
    reference = reference if isinstance(reference, Mapping) else {}
    facts = reference.get("facts") if isinstance(reference.get("facts"), Mapping) else {}
    topic_terms = _TOPIC_TERMS.get(reference.get("topic"))
    action_units = recommendations(folded)
    naming = [names_a_fact(facts, u) for u in action_units]
    specific = [u for u, named in zip(action_units, naming) if named or topic_terms is None or topic_terms.search(u)]
    grounded = any(naming)
    good, bad = directions(folded)
    if bad > good:
        factor *= WRONG_DIRECTION_FACTOR
    stated, contradicted = facts_stated(facts, prose, prompt)
    if contradicted:
        factor *= WRONG_ROLE_FACTOR
    if not specific:
        factor *= GENERIC_ADVICE_FACTOR
    invented = invented_numbers(prose, prompt, facts) + invented_entities(prose, folded, prompt, facts)
    factor *= INVENTED_FACTOR ** min(MAX_INVENTED, invented)
    # Advice that ignores the data is boilerplate: the other components count in full only for
    # an answer that states the summary's facts.
    uses_data = FACTLESS_CREDIT + (1.0 - FACTLESS_CREDIT) * stated
    parts = {
        "actions": min(1.0, len(specific) / SPECIFIC_FOR_FULL_CREDIT) * uses_data,
        "grounded": float(grounded),
        "direction": (1.0 if good and not bad else 0.5 if not (good or bad) and action_units else 0.0) * uses_data,
        "structure": min(1.0, len(_STRUCTURE_LINE.findall(prose)) / 3) * uses_data,
    }
    return {name: value * factor for name, value in {"facts": stated, **parts}.items()}
