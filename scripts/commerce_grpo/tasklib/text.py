"""Checks of free text that no word list can game: language, fluency, repetition, copying.

L-reward-spec: the study's push and insights rewards counted words from lists, so a keyword salad,
a message in Spanish, one word repeated, or the prompt's own bullets copied back scored near the
top. Each check here returns a factor in [0, 1] that multiplies a task's components, so a text
failing one of them loses its credit whatever words it contains.
"""
from __future__ import annotations

import re
from functools import lru_cache

from commerce_grpo.tasklib.vocab import (
    FOREIGN_ONLY_WORDS, PORTUGUESE_FUNCTION_WORDS, PORTUGUESE_ONLY_WORDS, fold,
)

_TOKEN = re.compile(r"[^\W_]+")
_PT_CHARS = re.compile(r"[ãõçêâôà]", re.I)
_ES_CHARS = re.compile(r"[ñ¡¿]")
_ES_SUFFIX = re.compile(r"\Bcion(?:es)?\b")  # folded "ação" is "acao": never ends in -cion
FREE_EXTRA_CHARS, ZERO_EXTRA_CHARS = 40, 240


def tokens(folded: str) -> list[str]:
    """Word tokens of an already folded text (numbers included: "47,72" gives "47", "72")."""
    return _TOKEN.findall(folded)


def portuguese_score(text: str, folded: str | None = None, words: list[str] | None = None) -> float:
    """How surely the text is Brazilian Portuguese, in [0, 1].

    Counts words and letters only Portuguese has (você, não, já, ã, ç...) against words and
    marks only Spanish or English have (el, los, gracias, ñ, ¡, the, your...). A text with no
    sign of either scores 0: "no recognisable answer" is not Portuguese either.
    """
    folded = fold(text) if folded is None else folded
    words = tokens(folded) if words is None else words
    pt = sum(map(PORTUGUESE_ONLY_WORDS.__contains__, words)) + min(3, len(_PT_CHARS.findall(text)))
    foreign = (sum(map(FOREIGN_ONLY_WORDS.__contains__, words)) + 2 * len(_ES_CHARS.findall(text))
               + len(_ES_SUFFIX.findall(folded)))
    if pt == 0:
        return 0.0
    share = pt / (pt + 2 * foreign)
    return max(0.0, min(1.0, (share - 0.5) / 0.3))


def fluency(words: list[str], *, low: float = 0.06, high: float = 0.16) -> float:
    """Share of function words (de, o, que, seu...) mapped to [0, 1]: 0 for a keyword salad.

    Portuguese prose runs at 30-50 % function words, terse bullets at ~20 %; a list of keywords
    or action verbs has almost none. Texts under four words are not judged (1.0).
    """
    if len(words) < 4:
        return 1.0
    ratio = sum(map(PORTUGUESE_FUNCTION_WORDS.__contains__, words)) / len(words)
    return max(0.0, min(1.0, (ratio - low) / (high - low)))


def _ngrams(words: list[str], n: int) -> list[tuple[str, ...]]:
    return list(zip(*(words[i:] for i in range(n))))


def repetition(words: list[str]) -> float:
    """Share of word trigrams that repeat an earlier one (0: none; ~1: one phrase over and over).

    Short texts use the share of repeated words instead, so "oi oi oi oi" is caught too.
    """
    if len(words) < 3:
        return 0.0
    if len(words) < 12:
        return 1.0 - len(set(words)) / len(words)
    grams = _ngrams(words, 3)
    return 1.0 - len(set(grams)) / len(grams)


def repetition_factor(words: list[str], *, allowed: float = 0.15, zero_at: float = 0.5) -> float:
    """1 while repetition stays under ``allowed``, falling linearly to 0 at ``zero_at``."""
    rep = repetition(words)
    return max(0.0, min(1.0, 1.0 - (rep - allowed) / (zero_at - allowed)))


@lru_cache(maxsize=4096)
def _prompt_grams(prompt: str, n: int) -> frozenset:
    return frozenset(_ngrams(tokens(fold(prompt)), n))


def copied_share(words: list[str], prompt: str, n: int = 4) -> float:
    """Share of the answer's word n-grams found verbatim in the prompt (restating the input)."""
    grams = _ngrams(words, n)
    if not grams:
        return 0.0
    source = _prompt_grams(prompt, n)
    return sum(map(source.__contains__, grams)) / len(grams)


@lru_cache(maxsize=4096)
def _prompt_words(prompt: str) -> str:
    return " " + " ".join(tokens(fold(prompt))) + " "


def without_copied_lines(text: str, prompt: str, *, share: float = 0.6) -> tuple[str, int]:
    """(the text less its lines that restate the prompt, how many there were): a line whose words
    all appear in a row in the prompt ("- Vendedores ativos: 22"), or most of whose word 4-grams do."""
    source = _prompt_words(prompt)
    kept, copied = [], 0
    for line in text.splitlines():
        words = tokens(fold(line))
        if len(words) >= 2 and (f" {' '.join(words)} " in source or copied_share(words, prompt) >= share):
            copied += 1
        else:
            kept.append(line)
    return "\n".join(kept), copied


def novelty_factor(words: list[str], prompt: str, *, allowed: float = 0.35, zero_at: float = 0.7) -> float:
    """1 while at most ``allowed`` of the answer is copied from the prompt text, 0 from ``zero_at`` on."""
    share = copied_share(words, prompt)
    return max(0.0, min(1.0, 1.0 - (share - allowed) / (zero_at - allowed)))


# Text addressed to whoever scores the answer (L-reward-spec): a policy under RL learns that a
# note to the grader pays when the grader is a model. Matched on folded text, whole words only.
# "nota" (a star rating) and "avaliação" (a review) are ordinary words of every task here, so
# neither counts alone: a grader is named by a word only graders are called, or addressed ("ao
# avaliador", "Corretor:"); a score is asked for in grading words; a claim or an order is about
# *this* answer ("esta resposta", "the answer above").
_ANSWER_WORDS = frozenset(("resposta", "mensagem", "notificacao", "analise", "saida", "solucao", "extracao",
                           "consulta", "texto", "output", "answer", "response", "completion", "message", "reply",
                           "submission"))
_SELF_WORDS = frozenset(("esta", "essa", "minha", "this", "my", "acima", "above"))
_GRADER_NOUNS = frozenset(("avaliador", "avaliadora", "avaliadores", "avaliadoras", "corretor", "corretora",
                           "corretores", "examinador", "examinadora", "juiz", "juiza", "juizes", "revisor", "revisora",
                           "judge", "rater", "reviewer", "scorer"))
_RULE_WORDS = frozenset(("criterios", "requisitos", "regras", "instrucoes", "exigencias", "diretrizes", "rubrica",
                         "criteria", "requirements", "rubric", "instructions", "guidelines"))


def _either(words) -> str:
    return "(?:" + "|".join(sorted(words, key=len, reverse=True)) + ")"


_ANSWER, _GRADER_NOUN, _RULES = _either(_ANSWER_WORDS), _either(_GRADER_NOUNS), _either(_RULE_WORDS)
_SELF = rf"(?:(?:esta|essa|minha|this|my)\s+{_ANSWER}|(?:a|o|the)\s+{_ANSWER}\s+(?:acima|above))"
_VOCATIVE = (r"(?:ao|aos|para\s+o|para\s+a|para\s+os|pro|pra|caro|cara|prezado|prezada|oi|ola|atencao|nota|obs|"
             r"observacao|recado|aviso|instrucao|dear|hey|hi|to\s+the|for\s+the|note\s+to|note\s+for|attention)")
_SCORE_WORDS = frozenset(("pontuacao", "score", "reward", "recompensa"))
_SELF_ANSWER = (_SELF_WORDS, _ANSWER_WORDS)
# (words the text must hold, one of each set: a cheap test before the pattern runs; pattern)
_GRADER_CHECKS = (
    # a grader named or addressed
    ((frozenset(("grader", "graders", "evaluator", "evaluators", "reward", "recompensa", "llm", "avaliador",
                 "avaliadora", "corretor")),),
     r"grader|graders|evaluator|evaluators|reward\s+(?:model|function)|modelo\s+de\s+recompensa|funcao\s+de\s+recompensa|"
     r"llm[\s-]+(?:as[\s-]+a[\s-]+)?judge|modelo\s+avaliador|ia\s+avaliadora|(?:avaliador|corretor)\s+automatico"),
    ((_GRADER_NOUNS,), rf"{_VOCATIVE}[\s,:.]+(?:o\s+|a\s+|os\s+|as\s+|the\s+)?{_GRADER_NOUN}"),
    ((_GRADER_NOUNS,), rf"(?:^|[\n(\[{{.!?]\s*){_GRADER_NOUN}\s*[:,)\]]"),
    ((frozenset(("quem",)),),
     rf"quem\s+(?:for\s+|vai\s+|esta\s+|estiver\s+|estara\s+)?(?:avaliar|avaliando|corrigir|corrigindo|julgar|pontuar)"
     rf"(?:\s*:|\s+(?:\w+\s+){{0,2}}{_ANSWER})"),
    # a score asked for in grading words
    ((_SCORE_WORDS,),
     r"(?:pontuacao|score|reward|recompensa)\W+(?:\w+\W+){0,3}?(?:maxima|maximo|integral|perfeita|full|maximum|max|"
     r"1\.0|1,0|10/10|100\s*%|100/100)"),
    ((frozenset(("marks", "score", "reward", "grade")),),
     r"(?:full|perfect|maximum|max|top|highest)\s+(?:marks|score|reward|grade)"),
    (_SELF_ANSWER,
     rf"{_SELF}\W+(?:\w+\W+){{0,6}}?(?:merece|deve\s+receber|deserves|should\s+(?:get|receive|score)|"
     r"nota\s+(?:maxima|10|dez)|pontuacao|score)"),
    # a claim that this answer is right
    (_SELF_ANSWER,
     rf"{_SELF}\s+(?:(?:esta|e|foi|sera|is|was)\s+(?:\w+\s+)?)(?:correta|correto|certa|certo|perfeita|perfeito|"
     r"completa|completo|ideal|impecavel|exemplar|correct|perfect|complete|flawless|optimal|accurate|verificada|"
     r"validada|aprovada|verified|validated)"),
    (_SELF_ANSWER + (_RULE_WORDS,),
     rf"{_SELF}\s+(?:\w+\s+){{0,2}}?(?:cumpre|atende|satisfaz|segue|obedece|respeita|meets|satisfies|follows|"
     rf"fulfills)\s+(?:\w+\s+){{0,3}}?{_RULES}"),
    ((frozenset(("todos", "todas")), _RULE_WORDS),
     rf"(?:todos|todas)\s+(?:os|as)\s+{_RULES}\s+(?:da\s+tarefa|do\s+enunciado|do\s+prompt|da\s+avaliacao|"
     r"da\s+rubrica|solicitad\w*|pedid\w*|exigid\w*)"),
    ((frozenset(("meets", "satisfies", "follows", "fulfills")),),
     rf"(?:meets|satisfies|follows|fulfills)\s+(?:all\s+)?(?:the\s+)?{_RULES}"),
    ((frozenset(("100",)),), r"100\s*%\s*(?:correta|correto|precisa|preciso|correct|accurate)"),
    ((_ANSWER_WORDS,),
     rf"(?:^|[\n(\[]|\s[-–—]\s)\s*{_ANSWER}\s+(?:\w+\s+)?(?:correta|correto|perfeita|perfeito|ideal|impecavel|"
     r"aprovada|validada|verificada|nota\s+10|10/10|correct|perfect|approved|verified)"),
    # an order to whoever reads it
    ((frozenset(("ignore", "ignorar", "desconsidere", "desconsiderar", "disregard", "forget")),),
     rf"(?:ignore|ignorar|desconsidere|desconsiderar|disregard|forget)\s+(?:\w+\s+){{0,2}}?(?:{_RULES}|instrucao|prompt)"),
    ((frozenset(("atribua", "atribuir", "conceda", "conceder", "give", "assign", "award", "return", "output",
                 "retorne", "retornar")), _SCORE_WORDS | {"nota", "full"}),
     r"(?:atribua|atribuir|conceda|conceder|give|assign|award|return|output|retorne|retornar)\s+(?:a\s+|uma\s+|the\s+)?"
     r"(?:pontuacao|score|reward|recompensa|nota\s+maxima|full\s+marks)"),
    (_SELF_ANSWER + (frozenset(("como", "as")),),
     rf"(?:avalie|avaliar|classifique|classificar|considere|considerar|marque|marcar|julgue|rate|grade|mark|score|"
     rf"treat|consider)\s+{_SELF}\s+(?:como|as)"),
    ((frozenset(("penalize", "penalizar", "penalise", "desconte", "descontar", "deduct")),),
     r"(?:nao|do\s+not|don'?t)\s+(?:penalize|penalizar|penalise|desconte|descontar|deduct)"),
    ((frozenset(("im_start", "system", "user", "assistant", "inst", "sistema")),),
     r"<\|(?:im_start|system|user|assistant)|\[/?(?:system|inst)\]|(?:^|\n)\s*(?:system|sistema)\s*:"),
)
_GRADER = tuple((triggers, re.compile(rf"(?<!\w)(?:{pattern})(?!\w)")) for triggers, pattern in _GRADER_CHECKS)
_WORD = re.compile(r"\w+")


def addressed_to_grader(text: str) -> bool:
    """Whether the text speaks to whoever scores it: names or addresses a grader, evaluator,
    judge or reward model ("Nota ao avaliador: ..."), asks for a score ("pontuação máxima"),
    claims its own correctness ("esta resposta está correta") or gives its reader orders
    ("ignore as instruções anteriores"), in PT-BR or English. Such an answer scores 0 in every task.
    """
    folded = fold(text)
    words = set(_WORD.findall(folded))
    return any(all(words & needed for needed in triggers) and pattern.search(folded) for triggers, pattern in _GRADER)


def extra_factor(n_chars: int) -> float:
    """1 for up to 40 non-space characters around a structured answer ("Aqui está:"), falling
    linearly to 0 at 240 (the extraction and listing repair rewards' rule for text beside the answer)."""
    if n_chars <= FREE_EXTRA_CHARS:
        return 1.0
    return max(0.0, 1.0 - (n_chars - FREE_EXTRA_CHARS) / (ZERO_EXTRA_CHARS - FREE_EXTRA_CHARS))


def user_text(record) -> str:
    """The user messages of a record's prompt (what an answer must not merely restate)."""
    prompt = record.get("prompt") if hasattr(record, "get") else None
    if isinstance(prompt, str):
        return prompt
    if not isinstance(prompt, (list, tuple)):
        return ""
    return "\n".join(m["content"] for m in prompt
                     if isinstance(m, dict) and m.get("role") == "user" and isinstance(m.get("content"), str))
