"""Push reward (correctness preset): one short PT-BR notification that does what *this* prompt asks,
about *this* prompt's product and offer.

Format (the gate): one plain-text message — not JSON or code, not a list of alternatives, at
most two lines — of at most 200 characters (full length credit up to the reference's
``max_chars``, a steep decay after it; L-push-length). Anything else scores 0.

Components: ``intent`` (the message does the intent: apologises *for the delay*, asks for a
review, invites back, recalls the cart — a word of the intent's subject and one of its act, so
"atraso" alone is not an apology), ``content`` (the prompt's own product category, and the
intent's own fact: the discount on offer, a little for the cart's price), ``length``,
``call_to_action`` (an imperative or a question that asks the customer to act; for an apology, also the
reassurance that the order is on its way) and ``tone`` (informal: no e-mail formulas, which
also cost 40 % of the whole message).

A message that reads its prompt is what earns (the swap test, ``audit.max_swap_ratio``): every
component is multiplied by factors a word list cannot game (L-reward-spec) —

- the prompt's product named (when it gives one), or 20 % (a per-intent template blind to the
  product, and another prompt's honest message, earn little);
- no fact the prompt never gave, or 20 %: a number (price, discount, days, date) the prompt does
  not hold, an offer it does not make (coupon, free shipping, gift or raffle, cashback, refund,
  installments, price drop), a deadline, stock claim or excuse ("por causa da greve"), another
  category or state, a coupon code, an unfilled placeholder;
- the intent done, or 30 %; its opposite said ("sem atraso nenhum", "o cupom expirou",
  "não precisa avaliar", "seu carrinho está vazio"), 0;
- no hedging about its own facts ("se houve algum atraso"), or 25 %;
- at least eight words (4 or fewer: 0; a telegraphic stub earns little);
- Portuguese, fluency (function words; a keyword salad has none, and a message doing three
  intents at once is a salad too), no repetition, not a copy of the prompt, no insult, and
  nothing addressed to a grader (0).
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from commerce_grpo.data.ptbr import CATEGORY_LABELS
from commerce_grpo.tasklib.numbers import mentions, numbers_in
from commerce_grpo.tasklib.prompts import PUSH_MAX_CHARS
from commerce_grpo.tasklib.text import (
    addressed_to_grader, fluency, novelty_factor, portuguese_score, repetition_factor, tokens, user_text,
)
from commerce_grpo.tasklib.vocab import (
    ACTION_REQUEST_STEMS, FORMAL_STEMS, HEDGE_STEMS, INSULT_STEMS, OFFER_CONCEPTS, PUSH_INVENTED_CLAIMS,
    PUSH_INTENT_ACT_STEMS, PUSH_INTENT_SUBJECT_STEMS, STATE_NAMES, fold, stem_pattern, word_pattern,
)

ZERO_CREDIT_CHARS = 200
MIN_CHARS = 20
MAX_LINES = 2
ZERO_WORDS, FULL_WORDS = 4, 8
WRONG_INTENT_FACTOR = 0.3
UNGROUNDED_FACTOR = 0.2
INVENTED_FACTOR = 0.2
HEDGE_FACTOR = 0.25
# E-mail formulas ("Prezado", "Atenciosamente") break the system prompt's informal tone.
FORMAL_FACTOR = 0.6
# The facts that make a message concrete, per intent (the pair builder's reference.facts keys),
# with their share of ``content``: the product always; the offer of a re-engagement as much; the
# cart's price a little (naming the product already recalls the cart).
KEY_FACTS = {
    "delay_apology": {"categoria": 1.0},
    "review_request": {"categoria": 1.0},
    "reengagement": {"categoria": 0.5, "desconto_pct": 0.5},
    "cart_reminder": {"categoria": 0.75, "preco": 0.25},
}
_SUBJECT = {intent: stem_pattern(stems) for intent, stems in PUSH_INTENT_SUBJECT_STEMS.items()}
_ACT = {intent: stem_pattern(stems) for intent, stems in PUSH_INTENT_ACT_STEMS.items()}
_CALL_TO_ACTION = stem_pattern(ACTION_REQUEST_STEMS)
_FORMAL = stem_pattern(FORMAL_STEMS)
_INSULT = stem_pattern(INSULT_STEMS)
_HEDGE = re.compile(word_pattern(HEDGE_STEMS).pattern + r"|(?<!\w)(?:se|caso)\s+(?:\w+\s+){0,6}?(?:houve|teve|tenha\s+"
                    r"(?:atrasado|chegado|havido|sido|recebido|finalizado|comprado)|ja\s+(?:chegou|recebeu|finalizou|"
                    r"comprou)|chegou|recebeu|atrasou|finalizou)(?!\w)|(?<!\w)ignore\s+(?:esta|essa)\s+mensagem")
_CLAIMS = word_pattern(PUSH_INVENTED_CLAIMS)
_OFFERS = {concept: word_pattern(words) for concept, words in OFFER_CONCEPTS.items()}
# What an apology for a delay asks of no one but promises: the order is on its way.
_REASSURANCE = stem_pattern(("a caminho", "chega", "chegando", "em breve", "acompanh", "rastrei", "novo prazo"))
_NOT_PLAIN = re.compile(r"(?im)\A\s*[{\[]|```|^\s*(?:op[çc][ãa]o|vers[ãa]o|alternativa)\s*\d|^\s*(?:[-*•]|\d+[.)])\s")
_NUMBER_TOKEN = re.compile(r"\d[\d.,]*\d|\d")
_PLACEHOLDER = re.compile(r"\{[^}]*\}|\[[^\]]*\]|<[^>]*>|\b(?:fulano|cliente x|xxx+)\b", re.I)
# A coupon code the prompt never gave ("VOLTA15").
_CODE = re.compile(r"\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{4,}\b")
# A rating scale is not a fact ("dá uma nota de 1 a 5").
_SCALE = re.compile(r"(?<!\w)(?:de\s+)?[01]\s+a\s+(?:5|10)(?!\w)")
_STATES = word_pattern(set(STATE_NAMES.values()) - {"para"})
_STOPWORDS = frozenset(("e", "de", "da", "do", "das", "dos", "em", "para", "com", "linha"))
# Words of category labels that name no product on their own ("acessórios", "presentes", "casa").
_GENERIC_PRODUCT_WORDS = frozenset(("acessorios", "artigos", "itens", "geral", "interesse", "branca", "casa", "sala",
                                    "lazer", "saude", "presentes", "conforto", "natal", "cool", "stuff", "shop",
                                    "marketplace", "utilidades", "construcao", "decoracao", "escritorio", "musicais",
                                    "tecnicos"))
# The catalogue's product words, as stems matched at a word start ("relogi" for relógio, relógios).
_PRODUCT_STEMS = re.compile(r"(?<!\w)(" + "|".join(sorted({
    re.escape(w[:max(4, len(w) - 3)]) if len(w) > 3 else re.escape(w) + r"(?!\w)"
    for label in CATEGORY_LABELS.values() for w in tokens(fold(label))
    if w not in _STOPWORDS and w not in _GENERIC_PRODUCT_WORDS}, key=len, reverse=True)) + ")")
_NEGATION = re.compile(r"(?<!\w)(?:nao|nem|nunca|jamais)(?!\w)")
_W = r"(?:\w+\W+)"  # one more word in between (any punctuation around it)
# Saying the opposite of the intent, or of the prompt's facts: each asserted (not negated) match
# contradicts the prompt.
_CONTRARY_ASSERTED = {
    "delay_apology": (r"(?:chegou|chegaram|entregue|entregamos|veio|vieram|chegara)\W+" + _W + r"{0,3}?"
                      r"(?:no\s+prazo|dentro\s+do\s+prazo|antes\s+do\s+prazo|em\s+dia|adiantad\w*|pontualmente|"
                      r"na\s+data\s+(?:certa|prevista|combinada)|mais\s+cedo)",
                      r"sempre\s+no\s+prazo", r"(?:super|bem|muito)\s+rapid\w*"),
    "review_request": (r"(?:atrasou|atrasado|atrasada|atraso|demorou|extraviad\w*|perdid\w*|cancelad\w*)",),
    "reengagement": (),
    "cart_reminder": (r"(?:ja|voce)\s+(?:(?!nao|nem)\w+\s+)?(?:finalizou|concluiu|comprou|fechou|pagou)",
                      r"(?:compra|pedido)\s+(?:ja\s+)?(?:foi\s+)?(?:finalizad|concluid|aprovad|confirmad|entregue|enviad)\w*",
                      r"(?:esgot|indisponivel|sem\s+estoque|fora\s+de\s+estoque|acabou\s+o\s+estoque)\w*"),
}
_CONTRARY_NEGATING = {
    "delay_apology": (r"(?:sem|nenhum|nenhuma|zero|nada\s+de|nao\s+(?:houve|teve|tem|ha|existe))\W+" + _W + r"{0,2}?"
                      r"(?:atras|demor|espera)\w*",
                      r"(?:atraso|demora)\s+(?:\w+\s+)?(?:nenhum|nenhuma|zero|algum)",
                      r"(?:nao|nem|nunca)\W+" + _W + r"{0,2}?(?:atrasou|atrasamos|atrasaram|demorou|demoramos|"
                      r"demoraram|se\s+atrasou|atrasa|atrasam|demora)",
                      r"(?:nao|nem)\W+" + _W + r"{0,2}?(?:pedimos|pedir|vamos\s+pedir|precisa|devemos|devemos)\s+"
                      + _W + r"?(?:desculp|perdao)\w*",
                      r"(?:sem|nada\s+de)\s+desculp\w*", r"desculpas?\s+nenhuma",
                      r"(?:nao|nem)\s+(?:foi|e|era)\s+(?:culpa|problema)\s+(?:nossa|nosso|da\s+loja)",
                      r"(?:atras|demor)\w*\W+" + _W + r"{0,2}?nao\s+(?:houve|teve|existiu|aconteceu)"),
    "review_request": (r"(?:nao|nem|sem)\W+" + _W + r"{0,2}?(?:precisa|precisamos|queremos|quer|necessario|"
                       r"necessidade|pedimos|obrigatori\w*)\W+" + _W + r"{0,2}?(?:avali|opini|nota|feedback|coment|"
                       r"resenha|review)\w*",
                       r"(?:nao|nem)\s+(?:avalie|avaliar|comente|comentar|de\s+nota|deixe\s+(?:sua\s+)?"
                       r"(?:nota|avaliacao|opiniao))",
                       r"sem\s+(?:avaliar|avaliacao|nota|comentar)",
                       r"(?:ainda\s+)?nao\s+(?:chegou|foi\s+entregue|recebeu|recebido|entregamos)",
                       r"(?:avaliacao|opiniao|nota|feedback|review|resenha)\W+" + _W + r"{0,2}?(?:nao\s+(?:e|eh)\s+"
                       r"(?:necessaria|necessario|importante|obrigatoria|preciso)|desnecessari\w*|dispensad\w*|"
                       r"dispensavel|desativad\w*)"),
    "reengagement": (r"(?:nao|nem)\W+" + _W + r"{0,2}?(?:sentimos|sentiremos|estamos\s+com|temos)\s+(?:sua\s+)?"
                     r"(?:falta|saudade)",
                     r"(?:nao|nem)\s+(?:volte|precisa\s+voltar|queremos\s+(?:\w+\s+)?(?:volta|de\s+volta))"),
    "cart_reminder": (r"carrinho\s+(?:\w+\s+)?(?:esta\s+|ficou\s+|foi\s+)?(?:vazio|esvaziad\w*|limp\w*)",
                      r"(?:esvazi|remov|exclu|apag|limpamos|cancel|tiramos|retiramos)\w*\W+" + _W + r"{0,3}?"
                      r"(?:carrinho|item|itens|produto|pedido|compra)",
                      r"(?:nao|nem)\s+(?:precisa|precisamos)\W+" + _W + r"?(?:finaliz|conclu|fechar|comprar)\w*",
                      r"nao\s+(?:finalize|compre|conclua|feche)",
                      r"(?:saiu|sairam|removid\w*|retirad\w*|excluid\w*)\s+(?:do\s+|de\s+seu\s+|do\s+seu\s+)?carrinho"),
}
# Any intent: the offer withdrawn or expired.
_OFFER_WITHDRAWN = (r"(?:cupom|desconto|oferta|promocao|promo|off|codigo|voucher)\W+" + _W + r"{0,8}?"
                    r"(?:expirou|expirad\w*|vencid\w*|venceu|acabou|encerrad\w*|esgotad\w*|cancelad\w*|indisponivel|"
                    r"invalid\w*|nao\s+(?:vale|e\s+mais|esta\s+mais|existe|funciona))",
                    r"(?:cupom|desconto|oferta|promocao)\W+" + _W + r"{0,8}?ja\s+era",
                    r"(?:expirou|venceu|acabou|encerrou|cancelamos|cancelou|encerramos)\W+" + _W + r"{0,3}?"
                    r"(?:cupom|desconto|oferta|promocao)",
                    r"(?:sem|nenhum|nenhuma)\s+(?:\w+\s+)?(?:cupom|desconto|oferta)")
_ASSERTED = {intent: [re.compile(rf"(?<!\w){p}(?!\w)") for p in patterns] for intent, patterns in _CONTRARY_ASSERTED.items()}
_NEGATING = {intent: [re.compile(rf"(?<!\w){p}(?!\w)") for p in patterns + _OFFER_WITHDRAWN]
             for intent, patterns in _CONTRARY_NEGATING.items()}
# Category names a push may not bring in from elsewhere (folded; the prompt's own label, and
# labels inside it or around it, excluded per record).
_LABELS = word_pattern({fold(label) for label in CATEGORY_LABELS.values()} - {"marketplace"})


def is_single_message(message: str) -> bool:
    """One plain-text notification: not JSON/code, not a list of options, at most two lines."""
    lines = [line for line in message.splitlines() if line.strip()]
    return 0 < len(lines) <= MAX_LINES and not _NOT_PLAIN.search(message)


def reference_and_limit(record: Mapping[str, Any]) -> tuple[Mapping[str, Any], int]:
    """The record's reference (empty when malformed) and the message's character limit: the one the
    prompt gave, or the task's default when missing or out of range."""
    reference = record.get("reference") or {}
    if not isinstance(reference, Mapping):
        reference = {}
    max_chars = reference.get("max_chars")
    if isinstance(max_chars, bool) or not isinstance(max_chars, int) or not 0 < max_chars < ZERO_CREDIT_CHARS:
        max_chars = PUSH_MAX_CHARS
    return reference, max_chars


def length_score(n_chars: int, max_chars: int = PUSH_MAX_CHARS) -> float:
    if n_chars < MIN_CHARS:
        return n_chars / MIN_CHARS
    if n_chars <= max_chars:
        return 1.0
    if n_chars >= ZERO_CREDIT_CHARS:
        return 0.0
    return ((ZERO_CREDIT_CHARS - n_chars) / (ZERO_CREDIT_CHARS - max_chars)) ** 2


def words_factor(n_words: int) -> float:
    """0 up to ``ZERO_WORDS`` words, rising linearly to 1 at ``FULL_WORDS`` (a stub is no message)."""
    return max(0.0, min(1.0, (n_words - ZERO_WORDS) / (FULL_WORDS - ZERO_WORDS)))


def _stem(word: str) -> str:
    return word[:max(4, len(word) - 3)] if len(word) > 3 else word


def _has(word: str, present: set[str]) -> bool:
    """The word, or one sharing its stem (singular, plural, accents: "bebê" for "bebês")."""
    return word in present or (len(word) > 3 and any(x.startswith(_stem(word)) for x in present))


def _content_words(label: str) -> list[str]:
    return [w for w in tokens(fold(label)) if w not in _STOPWORDS]


def names_category(label: Any, words: list[str]) -> bool:
    """Whether the message names the category: every content word of its label ("cama, mesa e
    banho" → cama, mesa, banho), or one of its product words the way people name what they bought
    ("seu jogo de cama", "suas ferramentas"; not a generic word such as "acessórios")."""
    if not isinstance(label, str) or not _content_words(label):
        return False
    present = set(words)
    wanted = _content_words(label)
    return all(_has(w, present) for w in wanted) or any(
        w not in _GENERIC_PRODUCT_WORDS and _has(w, present) for w in wanted)


def other_categories(label: Any, folded: str) -> int:
    """How many other product words of the catalogue's categories the (folded) message names (a
    message about one product naming two or more others is a salad of products, not this
    prompt's)."""
    own = {_stem(w) for w in _content_words(label)} if isinstance(label, str) else set()
    return len(set(_PRODUCT_STEMS.findall(folded)) - own)


def without_label(words: list[str], label: Any) -> list[str]:
    """The message's words less one occurrence of each word of the category's label: a stub
    does not grow into a message by naming a long category ("cama, mesa e banho: volte!")."""
    rest = list(words)
    for word in tokens(fold(label)) if isinstance(label, str) else ():
        if word in rest:
            rest.remove(word)
    return rest


def _does(intent: str, folded: str, message: str = "") -> bool:
    """A word of the intent's subject and one of its act (or a question, when ``message`` is given)."""
    return bool(_SUBJECT[intent].search(folded)) and (bool(_ACT[intent].search(folded)) or "?" in message)


def does_intent(record: Mapping[str, Any], text: str) -> bool:
    """Whether the answer does its record's intent (any intent when the record names none)."""
    intent = reference_and_limit(record)[0].get("intent")
    message = text.strip()
    folded = fold(message)
    return _does(intent, folded, message) if intent in _SUBJECT else any(_does(i, folded, message) for i in _SUBJECT)


def _asserted(pattern: re.Pattern, folded: str) -> bool:
    """A match not negated by one of the three words before it ("não chegou no prazo" negates)."""
    for m in pattern.finditer(folded):
        if not _NEGATION.search(" ".join(folded[:m.start()].split()[-3:])):
            return True
    return False


def contradicts(intent: str, folded: str) -> bool:
    """Whether the message says the opposite of its intent or of the prompt's facts."""
    return (any(p.search(folded) for p in _NEGATING.get(intent, ()))
            or any(_asserted(p, folded) for p in _ASSERTED.get(intent, ())))


def invented(message: str, folded: str, prompt: str, label: Any) -> bool:
    """Whether the message states a fact the prompt never gave: a number it does not hold, an offer
    it does not make (a refund, a raffle...), a deadline, stock claim or excuse, another category
    or state, a coupon code, an unfilled placeholder."""
    given = numbers_in(prompt)
    for token in _NUMBER_TOKEN.findall(_SCALE.sub(" ", folded)):
        if not any(abs(value - g) <= max(0.005 * abs(g), 0.005) for value in numbers_in(token) for g in given):
            return True
    prompt_folded = fold(prompt)
    if any(p.search(folded) and not p.search(prompt_folded) for p in _OFFERS.values()):
        return True
    if _PLACEHOLDER.search(message) or _CODE.search(message):
        return True
    if any(m not in prompt_folded for m in _CLAIMS.findall(folded) + _STATES.findall(folded)):
        return True
    own = fold(label) if isinstance(label, str) else ""
    return any(other not in own and own not in other and other not in prompt_folded
               for other in _LABELS.findall(folded)) or other_categories(label, folded) >= 2


def _content(intent: Any, facts: Any, message: str, folded: str, words: list[str]) -> float:
    """Share of the intent's key facts the message uses (any fact when the intent is unknown)."""
    if not isinstance(facts, Mapping) or not facts:
        return 0.0
    cited = numbers_in(message)
    keys = {k: w for k, w in KEY_FACTS.get(intent, {}).items() if facts.get(k) not in (None, "")}
    if not keys:
        return float(any(mentions(v, folded, cited) for v in facts.values()))
    credit = 0.0
    for key, weight in keys.items():
        value = facts[key]
        if key == "categoria":
            hit = names_category(value, words)
        elif key == "desconto_pct" and isinstance(value, (int, float)) and not isinstance(value, bool):
            hit = bool(re.search(rf"(?<![\d,.]){int(value)}\s*(?:%|por\s*cento)", folded))
        else:
            hit = mentions(value, folded, cited)
        credit += weight * hit
    return credit / sum(keys.values())


def _message(text: str) -> str | None:
    """The answer without surrounding quotes when it passes the format gate, else None."""
    message = text.strip().strip('"“”\'').strip()
    if not message or len(message) >= ZERO_CREDIT_CHARS or not is_single_message(message):
        return None
    return message


def in_format(record: Mapping[str, Any], text: str) -> bool:
    """The format gate: one plain-text message of at most two lines, under ``ZERO_CREDIT_CHARS``."""
    return _message(text) is not None


def components(record: Mapping[str, Any], text: str, **_) -> dict[str, float]:
    message = _message(text)
    if message is None:
        return {}
    reference, max_chars = reference_and_limit(record)
    folded = fold(message)
    words = tokens(folded)
    intent = reference.get("intent") if reference.get("intent") in _SUBJECT else None
    facts = reference.get("facts") if isinstance(reference.get("facts"), Mapping) else {}
    label = facts.get("categoria")
    prompt = user_text(record)
    own_words = without_label(words, label)
    factor = (length_score(len(message), max_chars)
              * portuguese_score(message, folded, words)
              * fluency(own_words)
              * words_factor(len(own_words))
              * repetition_factor(words, allowed=0.25, zero_at=0.6)
              * novelty_factor(words, prompt))
    if factor == 0.0 or _INSULT.search(folded) or (intent and contradicts(intent, folded)) \
            or sum(_does(name, folded) for name in _SUBJECT) >= 3 or addressed_to_grader(message):
        return {}  # cheap checks first; every intent at once is a salad, not a message
    done = does_intent(record, message)
    factor *= ((1.0 if done else WRONG_INTENT_FACTOR)
               * (UNGROUNDED_FACTOR if isinstance(label, str) and not names_category(label, words) else 1.0)
               * (INVENTED_FACTOR if invented(message, folded, prompt, label) else 1.0)
               * (HEDGE_FACTOR if _HEDGE.search(folded) else 1.0))
    formal = bool(_FORMAL.search(folded))
    acts = (_CALL_TO_ACTION.search(folded) or "?" in message
            or (intent == "delay_apology" and _REASSURANCE.search(folded)))
    parts = {
        "intent": float(done),
        "content": _content(intent, facts, message, folded, words),
        "length": 1.0,
        "call_to_action": float(bool(acts)),
        "tone": 0.0 if formal else 1.0,
    }
    factor *= FORMAL_FACTOR if formal else 1.0
    return {name: value * factor for name, value in parts.items()}
