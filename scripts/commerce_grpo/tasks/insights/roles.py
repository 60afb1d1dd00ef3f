"""Facts in their role: which entity is best or worst, highest or lowest, peak or trough.

An analysis that names the worst state must name the one the data makes worst, not the first
bullet of the summary (issue 27: best/worst by bullet order scored like the gold). A role fact —
the leading category, the state with most delays, the peak month — counts only when the answer
states it in its role; the fact in the opposite role, or another entity of the summary in its
role, contradicts the data.

An entity's role is read from the role words of its sentence, each given to the entity mention
nearest to it (a tie goes to the mention after it: "pico em março e vale em julho"): "BA tem a
maior taxa de atraso" puts BA high. A role word about another metric does not count for the fact
("SP, com o maior volume de pedidos" says nothing of SP's ticket), nor one after an ordinal
("o segundo maior"); a comparative ranks the entity before it ("RJ tem atraso maior que SP"). Entities are matched as people write them: a state by code or name, a month
with or without its year (or as 03/2018), a complaint by its short name.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Mapping

from commerce_grpo.tasklib.text import tokens
from commerce_grpo.tasklib.vocab import STATE_NAMES, fold

# Role words, as token sequences; a last token ending in "*" is a stem ("mais car*": caro, cara).
_HIGH = ("maior", "maiores", "lider", "lidera", "lideram", "liderou", "lideranca", "topo", "campea*", "recorde*",
         "pico", "auge", "mais alt*", "mais car*", "mais pes*", "pesa mais", "mais forte", "mais vend*", "mais fatur*",
         "primeiro lugar", "mais elevad*", "concentra*")
_LOW = ("menor", "menores", "mais baix*", "lanterna", "ultimo lugar", "mais frac*", "vale", "queda", "fundo",
        "mais barat*", "menos vend*", "mais devagar")
_GOOD = ("melhor", "melhores", "bem avaliad*", "destaque positivo", "referencia")
_BAD = ("pior", "piores", "critic*", "problematic*", "gargalo", "mal avaliad*", "preocupa*", "ponto fraco")
_UP = ("principal", "principais", "mais usad*", "mais comum", "mais comuns", "predomin*", "maioria", "preferid*",
       "domina*", "mais frequente*", "lider", "lidera", "maior", "maiores", "responde por", "concentra*")
_NEGATIONS = frozenset(("nao", "nem", "nunca", "jamais"))
_ORDINALS = frozenset(("segundo", "segunda", "terceiro", "terceira", "quarto", "quarta", "quinto", "quinta"))
_NOT_A_ROLE = re.compile(r"vale\s+(?:a\s+pena|reforcar|lembrar|destacar|notar|ressaltar|observar|mencionar)")
# "mais"/"menos" followed by the fact's own metric ("mais atrasos", "menos pedidos").
_MORE, _LESS = "mais", "menos"
# Words naming a metric; a role word followed within three words by another fact's metric (and
# none of its own) is about that metric.
_METRIC_STEMS = ("fatur", "receita", "venda", "vend", "nota", "avaliac", "avaliad", "satisfac", "atras", "prazo",
                 "entrega", "frete", "custo", "ticket", "gasto", "valor", "pedido", "volume", "demanda",
                 "participac", "uso", "reclamac", "queixa", "pagamento", "parcela",
                 "cliente", "compra")
_KINDS = {
    "up_good": (_HIGH + _GOOD, _LOW + _BAD),
    "up_bad": (_HIGH + _BAD, _LOW + _GOOD),
    "down_bad": (_LOW + _BAD, _HIGH + _GOOD),
    "up": (_UP, _LOW),
    "any": (_HIGH + _LOW + _GOOD + _BAD, ()),
}
# Each role fact of the pair builder (reference.facts key): its kind and its metric's stems.
ROLE_FACTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "categoria_lider": ("up_good", ("fatur", "receita", "venda", "vend", "pedido", "volume", "compra", "valor")),
    "pior_nota_categoria": ("down_bad", ("nota", "avaliac", "avaliad", "satisfac")),
    "pior_estado": ("up_bad", ("atras", "prazo")),
    "estado_frete_mais_caro": ("up_bad", ("frete", "custo", "valor")),
    "estado_maior_ticket": ("up_good", ("ticket", "gasto", "valor", "compra")),
    "estado_menor_ticket": ("down_bad", ("ticket", "gasto", "valor", "compra")),
    "mes_pico": ("up_good", ("pedido", "venda", "vend", "demanda", "volume", "fatur", "receita", "compra")),
    "mes_vale": ("down_bad", ("pedido", "venda", "vend", "demanda", "volume", "fatur", "receita", "compra")),
    "forma_principal": ("up", ("pedido", "pagamento", "uso", "participac", "compra", "venda")),
    "principal_reclamacao": ("up", ("reclamac", "queixa", "problema", "motivo")),
}
# Two sibling bullets ranked by a pair of reference figures: ((fact, phrase of its bullet's label),
# (fact, phrase), metric stems); the bullet of the higher figure ranks up (satisfacao_entrega:
# orders on time vs late, by rating).
ROLE_PAIRS = ((("nota_no_prazo", "no prazo"), ("nota_com_atraso", "com atraso"), ("nota", "avaliac", "satisfac")),)
WINDOW = 8
_CONJUNCTIONS = frozenset(("e", "ou", "nem"))
_CLAUSE = re.compile(r"\n+|[.;!?]+(?:\s|$)|\s+(?:mas|enquanto|porem|ja)\s+")
_MONTHS = ("janeiro", "fevereiro", "marco", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
           "novembro", "dezembro")
_MONTH_VALUE = re.compile(r"^(\w+) de (\d{4})$")
_BULLET = re.compile(r"(?m)^\s*-\s*([^:\n]{1,60}):\s*(.+)$")
_DIGITS = re.compile(r"\d[\d.,]*")


def aliases(value: Any) -> frozenset[tuple[str, ...]]:
    """The token sequences that name ``value``: its words, and the forms people use for it."""
    return _aliases(value) if isinstance(value, str) and value.strip() else frozenset()


@lru_cache(maxsize=4096)
def _aliases(value: str) -> frozenset[tuple[str, ...]]:
    folded = fold(value.strip())
    names = {tuple(tokens(folded))}
    code = value.strip().upper()
    if code in STATE_NAMES:
        names.add(tuple(STATE_NAMES[code].split()))
    month = _MONTH_VALUE.match(folded)
    if month and month.group(1) in _MONTHS:
        name, year = month.groups()
        number = f"{_MONTHS.index(name) + 1:02d}"
        names |= {(name,), (number, year), (name[:3], year), (name[:3], year[2:]), (year, number),
                  (str(int(number)), year)}
    for cut in ("(", " ou "):
        if cut in folded:
            names.add(tuple(tokens(folded.split(cut)[0])))
    head = re.match(r"^(\w{5,}) d[oa] ", folded)
    if head:
        names.add((head.group(1),))
    return frozenset(name for name in names if name)


def bullet_entities(prompt: str, value: Any) -> set[tuple[str, ...]]:
    """The other entities of the summary of the same kind as ``value``: the labels of the bullets
    shaped like its own bullet ("- BA: 120 entregas, ..." beside "- SP: 300 entregas, ...")."""
    own = aliases(value)
    bullets = _bullets(prompt)
    shapes = {shape for label, _, shape in bullets if label in own}
    return {label for label, _, shape in bullets if shape in shapes and label not in own}


@lru_cache(maxsize=1024)
def _bullets(prompt: str) -> tuple[tuple[tuple[str, ...], str, str], ...]:
    """The summary's bullets: (label's tokens, label, the figures' shape: "# entregas, #% com atraso")."""
    return tuple((tuple(tokens(fold(label))), label, _DIGITS.sub("#", rest).strip())
                 for label, rest in _BULLET.findall(prompt))


@lru_cache(maxsize=None)
def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern:
    """One regex over space-joined tokens matching any phrase ("mais car*": caro, cara...)."""
    alternatives = sorted((re.escape(p.rstrip("*")) + (r"\w*" if p.endswith("*") else "") for p in phrases),
                          key=len, reverse=True)
    return re.compile(r"(?<!\S)(?:" + "|".join(alternatives) + r")(?!\S)")


def _role_words(words: list[str], kind_words: tuple[str, ...]) -> list[tuple[int, int]]:
    """(start, end) token spans of the given role words in ``words``."""
    joined = " ".join(words)
    index = {}
    position = 0
    for i, word in enumerate(words):
        index[position] = i
        position += len(word) + 1
    return [(index[m.start()], index[m.start()] + m.group(0).count(" ") + 1)
            for m in _phrase_pattern(kind_words).finditer(joined)]


def _about_metric(words: list[str], end: int, metrics: tuple[str, ...]) -> bool:
    """Whether a role word ending at ``end`` is about the fact's metric (or no metric at all)."""
    after = words[end:end + 3]
    other = any(w.startswith(_METRIC_STEMS) and not w.startswith(metrics) for w in after)
    return not other or any(w.startswith(metrics) for w in after)


def _ranked_pairs(facts: Mapping[str, Any], prompt: str) -> dict[str, tuple[str, str, tuple[str, ...]]]:
    """Role facts read off a pair of reference figures (``ROLE_PAIRS``): {key: (bullet label, kind,
    metrics)} for the two sibling bullets the pair ranks."""
    labels = [label for _, label, _ in _bullets(prompt)]
    found = {}
    for (high_key, high_phrase), (low_key, low_phrase), metrics in ROLE_PAIRS:
        high, low = facts.get(high_key), facts.get(low_key)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (high, low)) or high == low:
            continue
        if high < low:
            high_phrase, low_phrase = low_phrase, high_phrase
        for phrase, kind in ((high_phrase, "up_good"), (low_phrase, "down_bad")):
            label = next((x for x in labels if f" {phrase} " in f" {' '.join(tokens(fold(x)))} "), None)
            if label is not None:
                found[f"{high_key}/{phrase}"] = (label, kind, metrics)
    return found


def read_roles(text: str, facts: Mapping[str, Any], prompt: str) -> tuple[dict[str, bool], bool]:
    """({role fact key: stated in its role}, whether the text contradicts the data's ranking).

    Contradictions: a role fact in the opposite role, another entity of its kind in its role, or a
    role word given to a bullet that ranks nothing ("Clientes únicos lidera")."""
    roles = {k: (v, *ROLE_FACTS[k]) for k, v in facts.items() if k in ROLE_FACTS and aliases(v)}
    roles.update(_ranked_pairs(facts, prompt))
    names = {k: aliases(value) for k, (value, _, _) in roles.items()}
    named = set().union(*names.values()) if names else set()
    siblings = {k: bullet_entities(prompt, value) - named for k, (value, _, _) in roles.items()}
    labels = {label for label, _, _ in _bullets(prompt)}
    unranked = labels - named - set().union(set(), *siblings.values())
    all_names = frozenset(named | unranked | set().union(set(), *siblings.values()))
    stated, contradicted = {k: False for k in roles if k in facts}, False
    if not all_names:
        return stated, contradicted
    for clause in _CLAUSE.split(_NOT_A_ROLE.sub(" ", fold(text))):
        words = tokens(clause)
        entities = _entity_spans(words, all_names) if words else []
        if not entities:
            continue
        for key, (_, kind, metrics) in roles.items():
            own, opposite = _assigned(words, entities, kind, metrics)
            for mention in own:
                if mention[1] in names[key] and key in stated:
                    stated[key] = True
                elif mention[1] in siblings[key]:
                    contradicted = True
            for mention in opposite:
                if mention[1] in names[key] and not any(
                        other != key and mention[1] in names[other]
                        and mention in _assigned(words, entities, other_kind, other_metrics)[0]
                        for other, (_, other_kind, other_metrics) in roles.items()):
                    contradicted = True
        if any(mention[1] in unranked for mention in _assigned(words, entities, "any", ())[0]):
            contradicted = True
    return stated, contradicted


def _entity_spans(words: list[str], names: frozenset) -> list[tuple[tuple[int, int], tuple[str, ...]]]:
    """Non-overlapping entity mentions, leftmost-longest: ((start, end), name)."""
    joined = " ".join(words)
    index, position = {}, 0
    for i, word in enumerate(words):
        index[position] = i
        position += len(word) + 1
    found = []
    for m in _names_pattern(names).finditer(joined):
        start = index[m.start()]
        name = tuple(m.group(0).split(" "))
        found.append(((start, start + len(name)), name))
    return found


@lru_cache(maxsize=1024)
def _names_pattern(names: frozenset) -> re.Pattern:
    alternatives = sorted((" ".join(name) for name in names), key=len, reverse=True)
    return re.compile(r"(?<!\S)(?:" + "|".join(map(re.escape, alternatives)) + r")(?!\S)")


def _assigned(words, entities, kind, metrics) -> tuple[set, set]:
    """The entity mentions ((span, name)) given an own-role word of ``kind``, and those given an
    opposite-role word."""
    own_words, opposite_words = _KINDS[kind]
    result = (set(), set())
    for side, role_words in enumerate((own_words, opposite_words)):
        spans = _role_words(words, role_words)
        direction = (_MORE, _LESS) if kind != "down_bad" else (_LESS, _MORE)
        spans += [(i, i + 2) for i, w in enumerate(words[:-1])
                  if w == direction[side] and words[i + 1].startswith(metrics)]
        for start, end in spans:
            if start and words[start - 1] in _ORDINALS or not _about_metric(words, end, metrics):
                continue
            # "RJ não é o pior": a negated role word says the opposite role.
            negated = bool(_NEGATIONS & set(words[max(0, start - 4):start]))
            # A comparative ("RJ tem atraso maior que SP") ranks the entity before it, not the one after.
            comparative = words[end:end + 1] == ["que"] or words[end:end + 2] == ["do", "que"]
            entity = _nearest([e for e in entities if e[0][1] <= start] if comparative else entities, start, end)
            if entity is not None and (kind != "any" or not negated):
                result[side ^ negated].update(_group(entities, entity, words))
    return result


def _group(entities, entity, words) -> set:
    """The mention and the mentions listed with it ("RS, SC e PR": one group)."""
    index = entities.index(entity)
    low = high = index
    while low > 0 and set(words[entities[low - 1][0][1]:entities[low][0][0]]) <= _CONJUNCTIONS:
        low -= 1
    while high + 1 < len(entities) and set(words[entities[high][0][1]:entities[high + 1][0][0]]) <= _CONJUNCTIONS:
        high += 1
    return set(entities[low:high + 1])


def _nearest(entities, start: int, end: int):
    best, best_distance = None, WINDOW + 1
    for span, name in entities:
        distance = start - span[1] + 1 if span[1] <= start else span[0] - end + 1 if span[0] >= end else 0
        if distance < best_distance or (distance == best_distance and span[0] >= end):
            best, best_distance = (span, name), distance
    return best
