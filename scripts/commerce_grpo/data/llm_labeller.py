"""The optional LLM labeller (``data.labeller.kind: llm``): a model reads each review's labels.

Keyword rules miss what they were never shown; a capable instruct model served beside the
pipeline (vLLM on a GPU node) reads the guide the people who built the reference set read. This
is the path for teams with such a model; the label audit measures it exactly as it measures the
rules, against the same blind reference set.

Contract:
- the model gets the labelling guide (``data/labeller/README.md``, from "How to label" on) as its
  instructions and one review as the question: the score and the message, nothing else (the
  extraction prompt shows no more); it answers one JSON object with the guide's seven fields;
- calls go through ``llm_client.ChatClient`` (one deadline per call, a reply-size cap, bounded
  retries, identical reviews sent once and cached by hash);
- an answer that is no JSON object, or a field it lacks or gives an unallowed value, takes the
  rules' value (``labeller.label_review``) for that field, counted per field; the category is
  then the guide's fixed rule over the final flags (the model's own when it fits them);
- a failed call is counted and its review gets the rules' labels under origin ``llm_failed``:
  the label audit refuses to pass while any such row exists (rerun once the endpoint is back);
- a review without a comment needs no model: the rules label it (score only).
"""
from __future__ import annotations

import json
import logging
from collections import Counter
from typing import Mapping, Sequence

from ..llm_client import ChatClient
from .labelled_set import CATEGORIES, SET_DIR
from .labeller import FLAGS, LABEL_FIELDS, PRIORITY, RULES_ORIGIN, complaint_category, label_review, normalise

log = logging.getLogger(__name__)

# review_facts.origin of a row: every field from the model; some from the rules; the call failed.
LLM_ORIGIN, FALLBACK_ORIGIN, FAILED_ORIGIN = "llm", "llm_fallback", "llm_failed"
GUIDE = SET_DIR / "README.md"
GUIDE_FROM = "## How to label"
# Reviews handed to the client at a time (it runs max_concurrency of them at once): progress is logged per chunk.
CHUNK = 256
INSTRUCTIONS = ("Você rotula avaliações de clientes de um marketplace brasileiro seguindo o guia abaixo. "
                "Leia só a nota e o comentário. Responda SOMENTE com um objeto JSON com as chaves "
                + ", ".join(LABEL_FIELDS) + " (true/false, e complaint_category um de "
                + ", ".join(CATEGORIES) + ").\n\n")


def guide_text() -> str:
    """The guide from its "How to label" section on: the model's instructions."""
    text = GUIDE.read_text(encoding="utf-8")
    if GUIDE_FROM not in text:
        raise ValueError(f"{GUIDE}: no {GUIDE_FROM!r} section for the LLM labeller's instructions")
    return text[text.index(GUIDE_FROM):]


def conversation(system: str, score: int, message: str) -> list[dict]:
    return [{"role": "system", "content": system},
            {"role": "user", "content": f"Nota: {score}/5\nComentário:\n{message}"}]


def parse_answer(answer: str | None) -> dict | None:
    """The JSON object in the model's answer (fences or prose around it allowed), else None."""
    if answer is None or "{" not in answer or "}" not in answer:
        return None
    try:
        value = json.loads(answer[answer.index("{"):answer.rindex("}") + 1])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _allowed(field: str, value) -> bool:
    return value in CATEGORIES if field == "complaint_category" else isinstance(value, bool)


def merge(answer: Mapping | None, score: int, message: str) -> tuple[dict, list[str]]:
    """(labels, the fields taken from the rules): the model's value where it is allowed, the
    rules' elsewhere; the category must fit the final flags by the guide's rule."""
    rules = label_review(score, message)
    answer = answer or {}
    labels = {f: answer[f] if _allowed(f, answer.get(f)) else rules[f] for f in LABEL_FIELDS}
    fallback = [f for f in LABEL_FIELDS if not _allowed(f, answer.get(f))]
    fits = next((cat for flag, cat in PRIORITY if labels[flag]), None)
    if labels["complaint_category"] != fits and not (fits is None and labels["complaint_category"] in ("outro", "nenhuma")):
        labels["complaint_category"] = complaint_category({f: labels[f] for f in FLAGS}, score, normalise(message))
        fallback = sorted(set(fallback) | {"complaint_category"}, key=LABEL_FIELDS.index)
    return labels, fallback


class LlmLabeller:
    """Labels reviews through one endpoint (``data.labeller.llm``); ``counts`` says what happened."""

    def __init__(self, settings: Mapping):
        self.client = ChatClient(base_url=settings["base_url"], model=settings["model"],
                                 timeout_s=settings["timeout_s"], max_concurrency=settings["max_concurrency"],
                                 retries=settings["retries"], max_tokens=settings["max_tokens"],
                                 max_response_bytes=settings["max_response_bytes"], cache=settings["cache"])
        self.system = INSTRUCTIONS + guide_text()
        self.counts: Counter = Counter()

    def label_reviews(self, reviews: Sequence[tuple[int, str | None]]) -> list[tuple[dict, str]]:
        """(labels, origin) per (score, message), in order."""
        commented = [i for i, (_, message) in enumerate(reviews) if message and message.strip()]
        read: list[tuple[dict, str]] = [(label_review(score, message), RULES_ORIGIN) for score, message in reviews]
        for start in range(0, len(commented), CHUNK):
            chunk = commented[start:start + CHUNK]
            answers = self.client.complete_batch([conversation(self.system, *reviews[i]) for i in chunk])
            for i, answer in zip(chunk, answers):
                read[i] = self._one(answer, *reviews[i])
            log.info("llm labeller: %d of %d commented reviews; %s", start + len(chunk), len(commented),
                     dict(self.counts))
        return read

    def _one(self, answer: str | None, score: int, message: str) -> tuple[dict, str]:
        if answer is None:
            self.counts["failed_calls"] += 1
            return label_review(score, message), FAILED_ORIGIN
        parsed = parse_answer(answer)
        self.counts["invalid_answers"] += parsed is None
        labels, fallback = merge(parsed, score, message)
        self.counts.update(f"fallback:{field}" for field in fallback)
        return labels, FALLBACK_ORIGIN if fallback else LLM_ORIGIN
