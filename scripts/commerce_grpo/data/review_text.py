"""Synthetic review text: one comment per review, composed from its latent facts over ``review_bank``.

The facts come first (``reviews``); the comment then states each complaint flag with one clause,
states the recommendation whenever it differs from what the score suggests, and adds only
fact-free material (greetings, context, praise, sign-offs). So the labels stay exact by
construction and a reader of the comment alone labels it the same way (tested against the
Olist-mode labeller).

The form follows real reviews (figures in ``text_stats.REAL_OLIST``): about one comment in eight
of at most three words, letter-style greetings and sign-offs with line breaks, a long tail up to
~200 characters, some all-caps and all-lowercase comments, chat abbreviations word by word,
curated and random typos (never on the words that carry a fact), and many word types (people,
occasions, cities, shop names, colours, products). Each comment draws from a ``random.Random``
seeded by the generator's numpy stream, so a seed gives the same text byte for byte.
"""
from __future__ import annotations

import random
import re
import unicodedata

import numpy as np

from . import review_bank as bank
from .labeller import label_review

MAX_CHARS = 205
# Shares tuned so the synthetic figures land near the real ones (bench_text_stats.py).
TINY_RATE = {"positive": 0.15, "other": 0.09}
SHORT_RATE = 0.35  # one clause and (when needed) the recommendation, nothing else
GREETING_RATE, SIGNOFF_RATE, CONTEXT_RATE, USAGE_RATE = 0.09, 0.07, 0.25, 0.2
LONG_RATE = 0.2  # reviews that tell a story: context, story, usage and extra praise all present
LINE_BREAK_RATE = 0.04  # a sentence break written as a new line (besides greetings/sign-offs)
LOWERCASE_RATE, NO_ACCENT_RATE, INFORMAL_RATE = 0.13, 0.3, 0.3
CURATED_TYPO_RATE, RANDOM_TYPO_RATE, RANDOM_TYPO_PER_WORD = 0.08, 0.65, 0.14
SHOUT_RATE = {"negative": 0.05, "other": 0.02}
INTERJECTION_RATE = 0.06
TINY_ENDINGS_PLAIN = ["", "", "!", "!!", "!!!", ".", "...", "!!!!"]
TINY_ENDINGS = [*TINY_ENDINGS_PLAIN, " :)", " 👍", " rs"]

_ALT = re.compile(r"\[([^\[\]]*)\]")
_SLOT = re.compile(r"\{(\w+)\}")
_TOKEN = re.compile(r"\w+|\W+")
# Words that carry a fact (or a negation) keep their spelling apart from the curated typos, so a
# random typo never hides what the review says.
_PROTECTED = re.compile(
    r"^(atras|demor|cheg|receb|entreg|defeit|quebr|funcion|errad|falt|vei|vier|cancel|estorn|reembol|estoq"
    r"|esgot|car|barat|prec|recomend|indic|respond|respost|retorn|atend|vended|loj|nao|sem|nunc|nenhum"
    r"|nada|corre|agenc|retir|busc|cobr|duplic|devol|troc|qualidad|frete|prazo|rastre|transport|aguard"
    r"|esper|pedid|produt|incomplet|diferent|manual|nota|fiscal|embalag|caix|trinc|risc|manch|desbot"
    r"|liga|carreg|vizinh|endere|compr|vale|pena|fuj|ninguem|resolv|gross|cade|extrav|parou|pec|parte"
    r"|restant|resto|outr|cor|tamanho|modelo|original|falsific|usad|solt|fino|menor|foto|anunc|mand"
    r"|envi|vez|fatura|cart|boleto|site|aplicativo|acabament|materia|tecid|ziper|costur|rasg|arranh"
    r"|suj|acend|esquent|gel|serv|corresp|levou|semana|dias|uma|um|so|apenas|somente|cancel)")


def compose(rng, *, score, group, primary, secondary, recommend, category, days_late, days_early) -> np.ndarray:
    """One comment per row (numpy arrays of equal length) → array of str."""
    rnd = random.Random(int(rng.integers(0, 2**63)))
    nouns = {cat: bank.PRODUCT_NOUNS.get(cat, bank.GENERIC_NOUNS) for cat in set(map(str, category))}
    out = []
    for i in range(score.size):
        noun, gender = rnd.choice(nouns[str(category[i])])
        out.append(_comment(rnd, int(score[i]), str(group[i]), str(primary[i]), str(secondary[i]),
                            bool(recommend[i]), noun, gender, int(days_late[i]), int(days_early[i])))
    return np.array(out, dtype=object)


def _comment(rnd, score, group, primary, secondary, recommend, noun, gender, days_late, days_early) -> str:
    complaints = [c for c in (primary, secondary) if c not in ("nenhuma",)]
    default_recommend = score >= 4
    positive, neutral, low = score >= 4, score == 3, score <= 2
    slots = _Slots(rnd, noun, gender, days_late, days_early)

    tiny = _tiny(rnd, score, group, complaints, recommend, default_recommend)
    if tiny is not None:
        ending = TINY_ENDINGS if score >= 3 and tiny not in bank.TINY["recommend"] else TINY_ENDINGS_PLAIN
        return _noise(rnd, tiny + rnd.choice(ending), low)

    long = rnd.random() < LONG_RATE
    short = not long and rnd.random() < SHORT_RATE
    lead = ""
    if short and complaints:
        lead = ""
    elif positive:
        lead = _pick(rnd, bank.PRAISE_PRODUCT, slots)
    elif neutral and (not complaints or rnd.random() < 0.4):
        lead = _pick(rnd, bank.NEUTRAL, slots)
    elif low and complaints and group == "on_time" and "entrega" not in complaints and rnd.random() < 0.25:
        lead = _pick(rnd, bank.PRAISE_DELIVERY, slots)
    clauses = [_complaint(rnd, c, group, slots) for c in complaints]
    extra = ""
    if positive and not complaints and not short and (long or rnd.random() < 0.45):
        extra = _pick(rnd, bank.PRAISE_DELIVERY if group == "on_time" and rnd.random() < 0.6
                      else bank.PRAISE_SELLER, slots)
    usage = _pick(rnd, bank.USAGE, slots) if positive and not complaints and (long or rnd.random() < USAGE_RATE) else ""
    context = _pick(rnd, bank.CONTEXT, slots) if long or (not short and rnd.random() < CONTEXT_RATE) else ""
    story = _pick(rnd, bank.STORY, slots) if long else ""
    surprising = recommend != default_recommend or neutral
    closer = ""
    if surprising or (not short and rnd.random() < 0.45):
        closer = _pick(rnd, bank.RECOMMEND if recommend else bank.NOT_RECOMMEND, slots)
    outburst = _pick(rnd, bank.NEGATIVE_EXTRA, slots) if low and not short and rnd.random() < 0.3 else ""
    greeting = _pick(rnd, bank.GREETINGS, slots) if rnd.random() < GREETING_RATE else ""
    signoff = _pick(rnd, bank.SIGNOFFS, slots) if rnd.random() < SIGNOFF_RATE + 0.3 * bool(greeting) else ""
    interjection = rnd.choice(bank.INTERJECTIONS) if positive and rnd.random() < INTERJECTION_RATE else ""

    # Optional parts are dropped (least needed first) until the comment fits real reviews' length.
    if rnd.random() < RANDOM_TYPO_RATE:  # never on a protected word: a typo must not hide a fact
        lead, usage, context, story, extra, outburst, greeting, signoff = (
            _misspell(rnd, part) for part in (lead, usage, context, story, extra, outburst, greeting, signoff))
        closer = _misspell_keeping_facts(rnd, closer, score)
        clauses = [_misspell_keeping_facts(rnd, clause, score) for clause in clauses]
    optional = ["story", "usage", "context", "extra", "outburst", "interjection", "signoff", "greeting", "lead"]
    parts = {"lead": lead, "usage": usage, "context": context, "story": story, "extra": extra, "outburst": outburst,
             "interjection": interjection, "signoff": signoff, "greeting": greeting}
    while True:
        text = _assemble(rnd, parts, clauses, closer)
        if len(text) <= MAX_CHARS or not optional:
            break
        parts[optional.pop(0)] = ""
    return _noise(rnd, text, low)


def _tiny(rnd, score, group, complaints, recommend, default_recommend) -> str | None:
    """A comment of at most three words, when one short phrase can say all the review's facts."""
    rate = TINY_RATE["positive" if score >= 4 else "other"]
    if recommend != default_recommend or len(complaints) > 1 or rnd.random() >= rate:
        return None
    if not complaints:
        if score == 3:
            return rnd.choice(["ok", "Regular", "Razoável", "Mais ou menos", "Normal", "OK", "Médio"])
        if score <= 2:
            return None
        return rnd.choice(bank.TINY["recommend"] if recommend and rnd.random() < 0.15 else bank.TINY["ok"])
    key = complaints[0]
    if key == "entrega":
        key = {"late": "entrega_late", "undelivered": "entrega_undelivered"}.get(group)
    elif key == "outro":
        return rnd.choice(["Péssimo", "PÉSSIMO", "Horrível", "Não gostei", "Decepcionante", "Ruim"]) if score <= 2 else None
    elif key == "atendimento" and group != "undelivered":
        return rnd.choice(["Atendimento péssimo", "Sem resposta"])
    return rnd.choice(bank.TINY[key]) if key in bank.TINY else None


def _complaint(rnd, category, group, slots) -> str:
    if category == "entrega":
        phrases = {"late": bank.LATE, "undelivered": bank.UNDELIVERED}.get(group, bank.DELIVERY_OTHER)
    elif category == "atendimento":
        phrases = bank.SELLER_CANCELLED if group == "undelivered" else bank.SELLER
    else:
        phrases = {"qualidade": bank.QUALITY, "item_errado": bank.WRONG_ITEM, "preco": bank.PRICE,
                   "outro": bank.OTHER}[category]
    return _pick(rnd, phrases, slots)


def _assemble(rnd, parts, clauses, closer) -> str:
    body = " ".join(_cap(p) + "." for p in (parts["context"], parts["story"]) if p)
    sentence = parts["lead"]
    for index, clause in enumerate(clauses):
        if not sentence:
            sentence = clause
            continue
        connector = rnd.choice(bank.MIXED_CONNECTORS if index == 0 else bank.COMPLAINT_CONNECTORS)
        sentence = _join(sentence, clause, connector)
    for part, connectors in ((parts["extra"], [". ", ", ", "! ", " e "]), (parts["usage"], [". ", ", "]),
                             (closer, [". ", "! ", ", "]), (parts["outburst"], [". ", "! "])):
        sentence = _join(sentence, part, rnd.choice(connectors)) if sentence else part
    sentence = _cap(sentence) + rnd.choice([".", ".", ".", "!", "", "!!", "...", "!!!"])
    if parts["interjection"]:
        sentence += " " + parts["interjection"]
    text = _join(body, sentence, " ") if body else sentence
    if rnd.random() < LINE_BREAK_RATE:
        text = re.sub(r"([.!]) (?=\S)", r"\1\n", text, count=1)
    if parts["greeting"]:
        text = parts["greeting"] + ("\n" if rnd.random() < 0.6 else " ") + text
    if parts["signoff"]:
        text = text + ("\n" if rnd.random() < 0.7 else " ") + _cap(parts["signoff"])
    return text


def _join(text: str, part: str, connector: str) -> str:
    if not part:
        return text
    if not text:
        return _cap(part)
    if connector.strip() and connector.strip()[-1] in ".!":
        part = _cap(part)
    return text + connector + part


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Slots:
    """Slot values of one review: the order's own (product, gender, days) and random ones."""

    def __init__(self, rnd, noun, gender, days_late, days_early):
        self.rnd = rnd
        feminine = gender == "f"
        self.fixed = {
            "produto": noun, "do_produto": ("da " if feminine else "do ") + noun[2:],
            "o": "a" if feminine else "o", "bom": "boa" if feminine else "bom",
            "dias": _days(max(days_late, 1)), "antes": _days(max(days_early, 1)),
            "a_cliente": rnd.choice("ao"),
        }

    def __call__(self, match) -> str:
        name = match.group(1)
        if name in self.fixed:
            return self.fixed[name]
        rnd = self.rnd
        return {"loja": lambda: rnd.choice(bank.STORES), "cidade": lambda: rnd.choice(bank.CITIES),
                "nome": lambda: rnd.choice(bank.NAMES), "sobrenome": lambda: rnd.choice(bank.SURNAMES), "pessoa": lambda: rnd.choice(bank.PEOPLE),
                "ocasiao": lambda: rnd.choice(bank.OCCASIONS), "cor": lambda: rnd.choice(bank.COLOURS),
                "detalhe": lambda: rnd.choice(bank.DETAILS), "detalhe2": lambda: rnd.choice(bank.DETAILS),
                "uso": lambda: rnd.choice(bank.USES), "tempo": lambda: rnd.choice(bank.TIMES),
                "motivo": lambda: rnd.choice(bank.REASONS), "marca": lambda: rnd.choice(bank.BRANDS),
                "pet": lambda: rnd.choice(bank.PETS), "adjetivo": lambda: rnd.choice(bank.ADJECTIVES),
                "n": lambda: str(rnd.randint(2, 6))}[name]()


def _days(n: int) -> str:
    return f"{n} dia" if n == 1 else f"{n} dias"


def _pick(rnd, phrases: list[str], slots: _Slots) -> str:
    template = rnd.choice(phrases)
    text = _ALT.sub(lambda m: rnd.choice(m.group(1).split("|")), template)
    return re.sub(r"  +", " ", _SLOT.sub(slots, text)).strip()


def _noise(rnd, text: str, negative: bool) -> str:
    """Writing noise as real reviews show it: case, accents, abbreviations, typos, shouting."""
    if rnd.random() < INFORMAL_RATE:
        text = "".join(_abbreviate(rnd, token) for token in _TOKEN.findall(text))
    if rnd.random() < CURATED_TYPO_RATE:
        old, new = rnd.choice(bank.TYPOS)
        text = re.sub(rf"\b{old}\b", new, text, count=1)  # whole words: the labeller knows these
    if rnd.random() < NO_ACCENT_RATE:
        text = text.translate(bank.ACCENTS)
    shout = SHOUT_RATE["negative" if negative else "other"]
    draw = rnd.random()
    if draw < shout:
        return text.upper()
    if draw < shout + LOWERCASE_RATE:
        return text.lower()
    return text


def _abbreviate(rnd, token: str) -> str:
    options = bank.ABBREVIATIONS.get(token.lower())
    if not options:
        return token
    draw = rnd.random()
    for short, chance in options:
        if draw < chance:
            return short.capitalize() if token[:1].isupper() else short
        draw -= chance
    return token


def _misspell(rnd, text: str) -> str:
    return "".join(_typo(rnd, token) for token in _TOKEN.findall(text))


def _misspell_keeping_facts(rnd, clause: str, score: int) -> str:
    """A fact-bearing clause gets a typo only if it still reads the same (by the Olist-mode labeller):
    people misspell complaints too, but a label must never rest on a word the typo destroyed."""
    typo = _misspell(rnd, clause)
    if typo == clause or label_review(score, typo) == label_review(score, clause):
        return typo
    return clause


def _typo(rnd, token: str) -> str:
    """Sometimes misspell one word of five or more letters that carries no fact."""
    if len(token) < 5 or not token.isalpha() or rnd.random() >= RANDOM_TYPO_PER_WORD:
        return token
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", token.lower()) if not unicodedata.combining(ch))
    if _PROTECTED.match(plain):
        return token
    i = rnd.randrange(1, len(token) - 1)
    kind = rnd.randrange(4)
    if kind == 0:
        return token[:i] + token[i + 1:]                         # a letter left out
    if kind == 1:
        return token[:i] + token[i] + token[i:]                  # a letter doubled
    if kind == 2:
        return token[:i] + token[i + 1] + token[i] + token[i + 2:]  # two letters swapped
    return token[:i] + rnd.choice("aeiosnrm") + token[i + 1:]    # a neighbouring slip
