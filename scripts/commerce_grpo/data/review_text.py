"""Synthetic review text: one comment per review, composed from its latent facts over ``review_bank``.

The facts come first (``reviews``): score, delivery outcome, up to two complaint topics and the
recommendation. The comment states each topic with one clause, states the recommendation whenever
it differs from what the score suggests, and adds only fact-free material whose tone fits the
score (praise at four or five stars, feelings, threats and questions to nobody at one or two), so
the labels stay exact by construction and a reader of the comment alone labels it the same way
(tested against the Olist-mode labeller). Attributes and defects fit the product's kind.

The form follows real reviews, per delivery outcome and score band (figures in
``data/real_review_stats.json``, compared by ``benchmarks/bench_text_stats.py``): the topics'
flavours (the order's own dates, tracking status, carrier, days late, questions), anonymised shop
names, threats to complain, very short comments, letter-style greetings, ``\\r\\n`` line breaks,
trailing spaces, case mix, and the slips people make: synonyms, chat abbreviations, phonetic
spellings, keyboard slips, words split or run together, accents left out, no space after a full
stop, run-on sentences. Slips that would make the labeller read other labels than the review's
are undone. Each batch draws from a ``random.Random`` seeded by the generator's numpy stream, so
a seed gives the same text byte for byte.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass

import numpy as np

from . import review_bank as bank
from .labeller import label_review
from .ptbr import MONTHS

MAX_CHARS = 200
# Rates per band ("group/score band", bands as in ``band_of``), set from the real figures per band.
TINY_RATE = {"5": 0.25, "4": 0.18, "3": 0.1, "1-2": 0.05}  # comments of at most three words
SHORT_RATE = {"5": 0.55, "4": 0.45, "3": 0.35, "1-2": 0.3}  # the facts and nothing else
LONG_RATE = {"5": 0.07, "4": 0.1, "3": 0.14, "1-2": 0.2}  # context and story besides
FLAVOUR_RATE = {  # how a complaint is told, when its topic has clauses for it
    "late": {"date": 0.14, "carrier": 0.16, "status": 0.05, "days": 0.07, "question": 0.03},
    "undelivered": {"date": 0.09, "carrier": 0.06, "status": 0.06, "days": 0.0, "question": 0.06},
    "on_time": {"date": 0.03, "carrier": 0.4, "status": 0.12, "days": 0.0, "question": 0.04},
}
SHOP_RATE = {"on_time/5": 0.05, "on_time/4": 0.02, "on_time/3": 0.03, "on_time/1-2": 0.09, "late/1-2": 0.1,
             "undelivered/1-2": 0.11}
SHOP_RATE_OTHER = 0.05
THREAT_RATE = {"1-2": 0.033, "3": 0.005}  # with a delivery or seller complaint only
DEMAND_RATE = 0.07  # undelivered at one or two stars: "quero meu dinheiro de volta"
QUESTION_RATE = {"1-2": 0.02, "3": 0.02, "4": 0.0, "5": 0.004}  # fact-free questions
FOLLOWUP_RATE = {"1-2": 0.35, "3": 0.15}
REMARK_RATE = {"5": 0.4, "4": 0.45, "3": 0.4, "1-2": 0.45}  # a fact-free remark that fits the tone
KIND_REMARK_SHARE = 0.7
ACTIVITY_RATE = 0.4  # content 4–5★ comments that say what the customer did with the product  # of positive remarks: one about using this kind of product
LEAD_SHARE = {"product": 0.3, "delivery": 0.18, "kind": 0.3, "detail": 0.22}  # how a 4–5★ comment opens
LEAD_SHARE_LATE = {"product": 0.4, "kind": 0.35, "detail": 0.25}  # the main complaint told again in other words
OPENER_RATE = 0.07
NEGATIVE_EXTRA_RATE, GREETING_RATE, SIGNOFF_RATE = 0.3, 0.012, 0.02
CONTEXT_RATE, USAGE_RATE, EXTRA_PRAISE_RATE, CLOSER_RATE = 0.25, 0.18, 0.4, 0.35
SENTENCE_BREAK_RATE = 0.07  # a sentence break written as a new line
LOWERCASE_RATE, SHOUT_RATE = 0.13, {"1-2": 0.06, "other": 0.02}
REWORD_RATE, REWORD_PER_WORD = 0.5, 0.3  # a word swapped for another that means the same
INFORMAL_RATE = 0.08  # chat abbreviations, word by word
TYPO_RATE, TYPO_PER_WORD = 0.3, 0.25  # phonetic spellings
SPACING_RATE = 0.05  # a word split or two run together
SLIP_RATE, SLIP_PER_WORD = 0.31, 0.072  # keyboard slips: a letter missed, doubled or hit beside
NO_ACCENT_RATE, DROP_ACCENT_RATE, DROP_ACCENT_PER_WORD = 0.13, 0.2, 0.25
NO_SPACE_AFTER_STOP_RATE = 0.12
RUN_ON_RATE = 0.05  # of comments of 20 words or more
TRAILING_SPACE_RATE = 0.19
ENDINGS = {".": 0.48, "": 0.31, "!": 0.1, "!!": 0.018, "!!!": 0.022, "...": 0.07}
TINY_ENDINGS = {"": 0.55, ".": 0.18, "!": 0.13, "!!": 0.03, "!!!": 0.04, "...": 0.05, " :)": 0.01, " 👍": 0.01}

_ALT = re.compile(r"\[([^\[\]]*)\]")
_SLOT = re.compile(r"\{(\w+)\}")
_TOKEN = re.compile(r"\w+|\W+")
_ACCENTED_WORD = re.compile(r"\w*[áàâãéêíóôõúüç]\w*", re.I)
_STOP_SPACE = re.compile(r"(?<=[^\W\d_]{2})([.,!?]) (?=[^\W\d_])")
DELIVERY_SELLER = {"entrega", "atendimento"}


@dataclass(frozen=True)
class Review:
    """What one comment must say (its facts) and the order details it may quote."""
    score: int
    group: str
    topics: tuple[str, ...]  # complaint topics (``reviews.TOPICS``), at most two
    recommend: bool
    labels: dict  # what a reader must read off the comment (``labeller.LABEL_FIELDS`` → value)
    noun: str
    gender: str
    kind: str
    days_late: int
    days_early: int
    purchased: np.datetime64
    estimated: np.datetime64
    delivered: np.datetime64

    @property
    def band(self) -> str:
        return band_of(self.score)

    @property
    def stratum(self) -> str:
        return f"{self.group}/{self.band}"


def band_of(score: int) -> str:
    return "1-2" if score <= 2 else str(score)


def compose(rng, reviews: list[Review], categories: dict[str, str]) -> np.ndarray:
    """One comment per review → array of str. ``categories`` maps a topic to its category."""
    rnd = random.Random(int(rng.integers(0, 2**63)))
    return np.array([_Writer(rnd, review, categories).comment() for review in reviews], dtype=object)


class _Writer:
    """Writes one review's comment."""

    def __init__(self, rnd, review: Review, categories: dict[str, str]):
        self.rnd, self.review = rnd, review
        self.categories = [categories[t] for t in review.topics]
        self.slots = _Slots(rnd, review)

    def pick(self, phrases: list[str]) -> str:
        return _pick(self.rnd, phrases, self.slots)

    def comment(self) -> str:
        review, rnd = self.review, self.rnd
        tiny = self._tiny()
        if tiny is not None:
            return self._finish(tiny + _weighted(rnd, TINY_ENDINGS))
        flavours = {name for name, rate in FLAVOUR_RATE[review.group].items() if rnd.random() < rate} \
            if review.topics else set()
        length = rnd.random()
        long = length < LONG_RATE[review.band]
        short = not long and length < LONG_RATE[review.band] + SHORT_RATE[review.band]
        parts = self._parts(flavours, short=short, long=long)
        text = self._assemble(parts)
        return self._finish(text)

    def _tiny(self) -> str | None:
        """A comment of at most three words, when one short phrase can say all the review's facts."""
        review, rnd = self.review, self.rnd
        default = review.score >= 4
        if len(review.topics) > 1 or review.recommend != default or rnd.random() >= TINY_RATE[review.band]:
            return None
        if not review.topics:
            if review.score == 3:
                return self.pick(bank.TINY["neutral"])
            if review.score <= 2:
                return self.pick(bank.TINY["dissatisfied"])
            return self.pick(bank.TINY["recommend"] if review.recommend and rnd.random() < 0.15 else bank.TINY["ok"])
        topic = review.topics[0]
        if review.score >= 4 or topic not in bank.TINY:
            return None
        return self.pick(bank.TINY[topic])

    def _parts(self, flavours: set[str], *, short: bool, long: bool) -> dict:
        review, rnd = self.review, self.rnd
        positive, neutral, low = review.score >= 4, review.score == 3, review.score <= 2
        clauses = [self._complaint(topic, flavours) for topic in review.topics]
        if not review.topics and low:
            clauses = [self.pick(bank.DISSATISFIED)]
        parts = dict.fromkeys(("greeting", "date", "context", "story", "lead", "extra", "usage", "activity", "remark", "again",
                               "remark2", "closer", "feeling", "threat", "question", "shop", "signoff", "interjection"), "")
        parts["clauses"] = clauses
        if review.topics[:1] and review.topics[0] in bank.FOLLOWUPS and not short \
                and rnd.random() < FOLLOWUP_RATE.get(review.band, 0):
            parts["again"] = self.pick(bank.FOLLOWUPS[review.topics[0]])
        lead = ""
        if positive:
            lead = _weighted(rnd, LEAD_SHARE if review.group == "on_time" else LEAD_SHARE_LATE)
            parts["lead"] = self.pick({"product": bank.PRAISE_PRODUCT, "delivery": bank.PRAISE_DELIVERY,
                                       "kind": bank.KIND_REMARKS[review.kind], "detail": ["{detalhe}"]}[lead])
        elif neutral and (not review.topics or rnd.random() < 0.4):
            parts["lead"] = self.pick(bank.NEUTRAL)
        if positive and not review.topics and not short and (long or rnd.random() < EXTRA_PRAISE_RATE):
            extra = bank.PRAISE_DELIVERY if review.group == "on_time" and rnd.random() < 0.6 else bank.PRAISE_SELLER
            parts["extra"] = self.pick(extra)
        if positive and not review.topics and not short and (long or rnd.random() < USAGE_RATE):
            parts["usage"] = self.pick(bank.USAGE)
        if not short and (long or rnd.random() < CONTEXT_RATE):
            parts["context"] = self.pick(bank.CONTEXT)
        if long:
            parts["story"] = self.pick(bank.STORY)
        if positive and not review.topics and not short and lead != "kind" and (long or rnd.random() < ACTIVITY_RATE):
            parts["activity"] = self.pick(bank.KIND_ACTIVITIES[review.kind])
        if not short and (long or rnd.random() < REMARK_RATE[review.band]):
            tone = self.categories[0] if low and review.topics else "neutral" if neutral else "positive"
            remarks = bank.REMARKS[tone if tone != "nenhuma" else "neutral"]
            if tone == "positive" and lead != "kind" and rnd.random() < KIND_REMARK_SHARE:
                remarks = bank.KIND_REMARKS[review.kind]
            parts["remark"] = self.pick(remarks)
            if long:
                parts["remark2"] = self.pick(bank.REMARKS[tone if tone != "nenhuma" else "neutral"])
        if "date" in flavours and not any("{data" in c for c in self._used):
            parts["date"] = self.pick(bank.DATE_CONTEXT)
        parts["closer"] = self._closer(short)
        if low and review.topics and not short and rnd.random() < NEGATIVE_EXTRA_RATE:
            parts["feeling"] = self.pick(bank.NEGATIVE_EXTRA)
        if set(self.categories) & DELIVERY_SELLER and rnd.random() < THREAT_RATE.get(review.band, 0):
            parts["threat"] = self.pick(bank.THREATS)
        if low and review.group == "undelivered" and "undelivered" in review.topics and rnd.random() < DEMAND_RATE:
            parts["feeling"] = rnd.choice(["quero meu dinheiro de volta", "quero meu dinheiro de volta ou o produto",
                                           "só quero meu dinheiro de volta"])
        if rnd.random() < QUESTION_RATE[review.band]:
            tone = "negative" if low else "neutral" if neutral else "positive"
            parts["question"] = self.pick(bank.QUESTIONS[tone])
        if rnd.random() < SHOP_RATE.get(review.stratum, SHOP_RATE_OTHER):
            tone = "negative" if low else "positive" if positive and not review.topics else "any"
            parts["shop"] = self.pick(bank.SHOP[tone] + (bank.SHOP["any"] if tone != "any" else []))
        parts["greeting"] = self.pick(bank.GREETINGS) if rnd.random() < GREETING_RATE else ""
        if not parts["greeting"] and rnd.random() < OPENER_RATE:
            parts["greeting"] = rnd.choice(bank.OPENERS["negative" if low else "neutral" if neutral else "positive"])
        if rnd.random() < SIGNOFF_RATE + 0.3 * bool(parts["greeting"]):
            parts["signoff"] = self.pick(bank.SIGNOFFS)
        if positive and rnd.random() < 0.03:
            parts["interjection"] = rnd.choice(bank.INTERJECTIONS)
        return parts

    @property
    def _used(self) -> list[str]:
        return self.slots.templates

    def _complaint(self, topic: str, flavours: set[str]) -> str:
        by_flavour = bank.TOPIC_CLAUSES[topic]
        if topic == "defect" and (self.rnd.random() < 0.7 or "plain" not in by_flavour):
            phrases = bank.KIND_DEFECTS[self.review.kind]
            if "question" in flavours and "question" in by_flavour:
                phrases = by_flavour["question"]
            return self.pick(phrases)
        usable = [f for f in ("question", "date", "status", "carrier", "days") if f in flavours and f in by_flavour]
        flavour = self.rnd.choice(usable) if usable else "plain"
        if flavour != "plain":
            flavours.discard(flavour)
        return self.pick(by_flavour.get(flavour) or by_flavour["plain"])

    def _closer(self, short: bool) -> str:
        review, rnd = self.review, self.rnd
        default = review.score >= 4
        if review.recommend != default:
            if review.recommend:
                return self.pick(bank.RECOMMEND_ANYWAY if review.topics else bank.RECOMMEND_MILD)
            return self.pick(bank.NOT_RECOMMEND_MILD if review.score >= 3 else bank.NOT_RECOMMEND)
        if review.score == 3 or short or rnd.random() >= CLOSER_RATE:
            return ""
        if review.recommend:
            return "" if review.topics and review.score < 4 else self.pick(bank.RECOMMEND)
        return self.pick(bank.NOT_RECOMMEND)

    def _assemble(self, parts: dict) -> str:
        rnd = self.rnd
        front = [p for p in (parts["date"], parts["context"], parts["story"]) if p]
        body = ". ".join(_cap(p) for p in front)
        sentence = parts["lead"]
        for index, clause in enumerate(parts["clauses"]):
            if not sentence:
                sentence = clause
                continue
            connector = rnd.choice(bank.MIXED_CONNECTORS if index == 0 and parts["lead"] else bank.COMPLAINT_CONNECTORS)
            sentence = _join(sentence, clause, connector)
        for part, connectors in ((parts["again"], [". ", ", ", "! "]), (parts["extra"], [". ", ", ", "! "]),
                                 (parts["usage"], [". ", ", "]), (parts["activity"], [". ", ", ", " e "]),
                                 (parts["remark"], [". ", ", ", "! "]),
                                 (parts["remark2"], [". ", ", "]), (parts["shop"], [". ", ", "]), (parts["closer"], [". ", "! ", ", "]),
                                 (parts["feeling"], [". ", "! ", ", "]), (parts["threat"], [". ", "! ", ", "])):
            sentence = _join(sentence, part, rnd.choice(connectors)) if sentence else part
        if parts["question"]:
            sentence = _join(sentence, parts["question"], rnd.choice([". ", "! ", " "])) if sentence else parts["question"]
        sentence = _cap(sentence)
        if not sentence.endswith("?"):
            sentence += _weighted(rnd, ENDINGS)
        if parts["interjection"]:
            sentence += " " + parts["interjection"]
        text = body + ". " + sentence if body else sentence
        if rnd.random() < SENTENCE_BREAK_RATE:
            text = re.sub(r"([.!?]) (?=\S)", r"\1\n", text, count=1)
        if parts["greeting"]:
            inline = rnd.random() >= 0.6
            if inline and parts["greeting"].endswith(","):
                text = text[:1].lower() + text[1:]
            text = parts["greeting"] + (" " if inline else "\n") + text
        if parts["signoff"]:
            text = text + ("\n" if rnd.random() < 0.7 else " ") + _cap(parts["signoff"])
        if len(text) > MAX_CHARS:  # optional parts dropped, least needed first, until it fits
            for name in ("story", "remark2", "context", "activity", "remark", "usage", "extra", "again", "date", "question", "feeling", "shop", "signoff",
                         "greeting", "interjection", "threat", "lead"):
                if parts[name]:
                    parts[name] = ""
                    return self._assemble(parts)
        return text

    def _finish(self, text: str) -> str:
        """Writing slips as real reviews show them; slips that would make a reader read other labels
        than the review's are undone (accents, case and spacing around stops never change them)."""
        review, rnd = self.review, self.rnd
        slipped = _slips(rnd, text)
        if slipped != text and label_review(review.score, slipped) == review.labels:
            text = slipped
        text = _accents_and_stops(rnd, text)
        draw = rnd.random()
        shout = SHOUT_RATE["1-2" if review.score <= 2 else "other"]
        if draw < shout:
            text = text.upper()
        elif draw < shout + LOWERCASE_RATE:
            text = text.lower()
        text = text.replace("\n", "\r\n")
        if rnd.random() < TRAILING_SPACE_RATE:
            text += " "
        return text


def _slips(rnd, text: str) -> str:
    if rnd.random() < REWORD_RATE:
        text = _SYNONYM.sub(lambda m: _swap(rnd, m.group(0)), text)
    if rnd.random() < INFORMAL_RATE:
        text = "".join(_abbreviate(rnd, token) for token in _TOKEN.findall(text))
    if rnd.random() < TYPO_RATE:
        text = "".join(_phonetic(rnd, token) for token in _TOKEN.findall(text))
    if rnd.random() < SLIP_RATE:
        text = "".join(_slip(rnd, token) for token in _TOKEN.findall(text))
    if rnd.random() < SPACING_RATE:
        found = [(right, wrong) for right, wrong in bank.SPACING.items() if re.search(rf"\b{right}\b", text)]
        if found:
            right, wrong = rnd.choice(found)
            text = re.sub(rf"\b{right}\b", wrong, text, count=1)
    if len(text.split()) >= 20 and rnd.random() < RUN_ON_RATE:
        text = re.sub(r"\s*[.,;!]+\s*", " ", text).strip()
    return text


def _accents_and_stops(rnd, text: str) -> str:
    """Accents left out (all or some) and no space after a stop: the labeller reads through both."""
    draw = rnd.random()
    if draw < NO_ACCENT_RATE:
        text = text.translate(bank.ACCENTS)
    elif draw < NO_ACCENT_RATE + DROP_ACCENT_RATE:
        text = _ACCENTED_WORD.sub(
            lambda m: m.group(0).translate(bank.ACCENTS) if rnd.random() < DROP_ACCENT_PER_WORD else m.group(0), text)
    if rnd.random() < NO_SPACE_AFTER_STOP_RATE:
        text = _STOP_SPACE.sub(lambda m: m.group(1) if rnd.random() < 0.7 else m.group(0), text)
    return text


# Neighbouring keys on a Brazilian ABNT2 keyboard (letters only).
_NEIGHBOURS = {row[i]: row[max(i - 1, 0):i] + row[i + 1:i + 2]
               for row in ("qwertyuiop", "asdfghjklç", "zxcvbnm") for i in range(len(row))}


def _slip(rnd, token: str) -> str:
    """A keyboard slip in a word of four or more letters: a letter left out, doubled or a neighbour hit."""
    if len(token) < 4 or not token.isalpha() or rnd.random() >= SLIP_PER_WORD:
        return token
    i = rnd.randrange(1, len(token))
    kind = rnd.random()
    if kind < 0.45:
        return token[:i] + token[i + 1:]
    if kind < 0.65:
        return token[:i] + token[i] + token[i:]
    near = _NEIGHBOURS.get(token[i].lower())
    return token[:i] + rnd.choice(near) + token[i + 1:] if near else token


_SYNONYM = re.compile(r"\b(" + "|".join(sorted(map(re.escape, bank.SYNONYMS), key=len, reverse=True)) + r")\b", re.I)


def _swap(rnd, word: str) -> str:
    if rnd.random() >= REWORD_PER_WORD:
        return word
    other = rnd.choice(bank.SYNONYMS[word.lower()])
    return other.capitalize() if word[:1].isupper() else other


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


def _phonetic(rnd, token: str) -> str:
    options = bank.PHONETIC.get(token.lower())
    if not options or rnd.random() >= TYPO_PER_WORD:
        return token
    wrong = rnd.choice(options)
    return wrong.capitalize() if token[:1].isupper() else wrong


class _Slots:
    """Slot values of one review: the order's own (product, dates, days) and random ones."""

    def __init__(self, rnd, review: Review):
        self.rnd, self.review = rnd, review
        feminine = review.gender == "f"
        noun = _expand(rnd, review.noun)
        writer = rnd.choice("ao")
        self.templates: list[str] = []
        self.fixed = {
            "produto": noun, "do_produto": ("da " if feminine else "do ") + noun.split(" ", 1)[1],
            "o": "a" if feminine else "o", "bom": "boa" if feminine else "bom",
            "dias": _days(max(review.days_late, 1)), "antes": _days(max(review.days_early, 1)),
            "a_cliente": writer, "meu_nome": rnd.choice(bank.NAMES_F if writer == "a" else bank.NAMES_M),
            "loja": _shop(rnd),
            "data_compra": _date(rnd, review.purchased), "data_prazo": _date(rnd, review.estimated),
            "data_entrega": _date(rnd, review.delivered),
            "dia_prazo": str(int(str(review.estimated.astype("datetime64[D]"))[8:10])),
        }

    def __call__(self, match) -> str:
        name = match.group(1)
        if name in self.fixed:
            return self.fixed[name]
        rnd, kind = self.rnd, self.review.kind
        if name in ("detalhe", "detalhe2"):
            return _pick(rnd, bank.KIND_DETAILS[kind] + bank.KIND_DETAILS["generico"], self)
        if name == "adjetivo":
            return _pick(rnd, bank.KIND_ADJECTIVES[kind] + bank.GENERIC_ADJECTIVES, self)
        if name == "uso":
            return rnd.choice(bank.KIND_USES[kind])
        if name == "motivo":
            return rnd.choice(bank.REASONS + bank.KIND_REASONS.get(kind, []))
        return rnd.choice({"cidade": bank.CITIES, "nome": bank.NAMES, "sobrenome": bank.SURNAMES,
                           "pessoa": bank.PEOPLE, "ocasiao": bank.OCCASIONS, "cor": bank.COLOURS,
                           "tempo": bank.TIMES, "marca": bank.BRANDS, "pet": bank.PETS, "adv": bank.ADVERBS,
                           "n": [str(k) for k in range(2, 7)]}[name])


def _shop(rnd) -> str:
    name = _weighted(rnd, bank.SHOP_WEIGHTS)
    return name.capitalize() if rnd.random() < 0.25 else name


def _date(rnd, day) -> str:
    """A date as customers write it: "12/03", "12/03/2018", "12 de março"."""
    text = str(np.datetime64(day, "D"))
    year, month, dom = text[:4], int(text[5:7]), int(text[8:10])
    style = rnd.random()
    if style < 0.5:
        return f"{dom:02d}/{month:02d}"
    if style < 0.75:
        return f"{dom:02d}/{month:02d}/{year}"
    if style < 0.85:
        return f"{dom}/{month}"
    return f"{dom} de {MONTHS[month - 1]}"


def _days(n: int) -> str:
    return f"{n} dia" if n == 1 else f"{n} dias"


def _pick(rnd, phrases: list[str], slots: _Slots) -> str:
    """One template of ``phrases`` filled in; a template the comment already used is drawn again
    (a few times), so a comment does not say the same sentence twice."""
    template = rnd.choice(phrases)
    for _ in range(3):
        if template not in slots.templates:
            break
        template = rnd.choice(phrases)
    slots.templates.append(template)
    return re.sub(r"  +", " ", _SLOT.sub(slots, _expand(rnd, template))).strip()


def _expand(rnd, template: str) -> str:
    """One choice per "[a|b]" alternative, innermost first (alternatives may nest)."""
    while "[" in template:
        template = _ALT.sub(lambda m: rnd.choice(m.group(1).split("|")), template)
    return template


def _weighted(rnd, table: dict[str, float]) -> str:
    draw = rnd.random() * sum(table.values())
    for value, weight in table.items():
        draw -= weight
        if draw < 0:
            return value
    return value


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
