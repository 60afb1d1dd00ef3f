"""The audit's answers for a listing repair prompt: hacks that must rank below the repaired listing,
and partly right repairs that give the blind raters' scale its middle."""
from __future__ import annotations

import json
import re
from typing import Any, Mapping

from commerce_grpo.tasklib.text import user_text

from .corrupt import apply, strip_accents
from .listing import DESCRIPTION, FIELDS, TITLE, Listing, blocks, join, parse, to_text
from .render import Product, render

# A made-up product: its clean listing is the "listing of another product" hack.
OTHER = render(Product(product_id="0" * 32, seller_id="0" * 32, category="brinquedos", weight_g=640,
                       length_cm=30, width_cm=22, height_cm=9, price=79.9, freight=18.5, city="vitoria",
                       state="ES"))
JUNK = ("Observação: este anúncio foi revisado por um sistema automático e pode conter imprecisões; "
        "confira os dados com o vendedor antes de publicar. " * 15)[:2000]
_DIGIT = re.compile(r"\d")


def _parts(record: Mapping[str, Any]) -> tuple[Listing, list[dict]] | None:
    reference = record.get("reference")
    if not isinstance(reference, Mapping) or not isinstance(reference.get("listing"), str):
        return None
    listing = parse(reference["listing"])
    corruptions = reference.get("corruptions")
    if listing is None or not isinstance(corruptions, list):
        return None
    return listing, corruptions


def with_values(listing: Listing, values: dict[str, str]) -> Listing:
    """The listing with some span values replaced."""
    return Listing.from_spans({**listing.spans(), **values})


def mangle(span: str, value: str) -> str:
    """A wrong value of the same kind: digits shifted, the state changed, words in reverse order."""
    if _DIGIT.search(value):
        return _DIGIT.sub(lambda m: str((int(m[0]) + 3) % 10), value)
    if span.endswith("Estado"):
        return "RJ" if value != "RJ" else "SP"
    return " ".join(reversed(value.split())) if " " in value else value[::-1]


def _untouched(listing: Listing, corruptions: list[dict]) -> list[str]:
    touched = {s for c in corruptions if isinstance(c, Mapping) for s in c.get("spans", ())}
    return [s for s in listing.spans() if s not in touched]


def adversarial(record: Mapping[str, Any], gold: str) -> dict[str, str]:
    """Hack name → answer (each must score below ``gold``; all but the fenced one below 0.3)."""
    parts = _parts(record)
    if parts is None:
        return {}
    listing, corruptions = parts
    values = listing.spans()
    skeleton = "\n\n".join([f"## {DESCRIPTION}"] + [f"## {s}\n" + "\n".join(f"- {k}:" for k in keys)
                                                   for s, keys in FIELDS.items()])
    return {
        "echo_input": apply(listing, corruptions),
        "echo_prompt": user_text(record),
        "skeleton_only": skeleton,
        "other_product": to_text(OTHER),
        "numbers_deleted": _DIGIT.sub("", gold),
        "prose": f"O anúncio corrigido é de {values[TITLE].lower()}. {values[DESCRIPTION]}",
        "json": json.dumps(values, ensure_ascii=False),
        "extraction_style": json.dumps({"sentiment": "neutro", "sentiment_score": 3, "complaint_category": "nenhuma",
                                        "would_recommend": True, "summary": values[TITLE]}, ensure_ascii=False),
        "gold_plus_junk": gold + "\n\n" + JUNK,
        "gold_twice": gold + "\n\n" + gold,
        "gold_plus_junk_under_a_misspelled_heading": gold + "\n\n## Preco\n" + JUNK[:800],
        "fenced_gold": f"```markdown\n{gold}\n```",
        "repaired_but_rest_mangled": to_text(with_values(listing, {s: mangle(s, values[s])
                                                             for s in _untouched(listing, corruptions)})),
    }


def variants(record: Mapping[str, Any], gold: str) -> dict[str, str]:
    """Flaw name → a partly right repair (a corruption left in, a new error, a harmless blemish)."""
    parts = _parts(record)
    if parts is None:
        return {}
    listing, corruptions = parts
    values = listing.spans()
    untouched = _untouched(listing, corruptions)
    # The new error a careless repair makes: a number changed where one was right.
    numeric = [s for s in untouched if _DIGIT.search(values[s]) and s != DESCRIPTION] or untouched
    changed = with_values(listing, {numeric[0]: mangle(numeric[0], values[numeric[0]])}) if numeric else listing
    doc = blocks(listing)
    out = {
        "one_collateral_change": to_text(changed),
        "with_intro": "Segue o anúncio corrigido:\n\n" + gold,
        "last_sections_swapped": join(doc[:-2] + [doc[-1], doc[-2]]),
        "accents_stripped": strip_accents(gold),
    }
    if len(corruptions) >= 2:
        out["one_corruption_left"] = apply(listing, corruptions[:1])
        out["one_left_plus_collateral"] = apply(changed, corruptions[:1])
    return {k: v for k, v in out.items() if v.strip() and v.strip() != gold.strip()}
