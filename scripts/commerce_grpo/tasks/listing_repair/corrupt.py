"""Seeded, typed corruptions of a clean listing, recorded so that a reward (and the audit) can replay them.

A corruption is a JSON-ready dict: ``kind``, ``spans`` (the listing spans it breaks, see
``listing``) and the parameters that make ``apply`` a pure function of (clean listing, list of
corruptions): the corrupted values of the spans it edits, the section it drops or repeats, the
broken line it writes. The corruptions of one listing touch disjoint spans, so any subset of them
can be applied (the audit's partly repaired answers) and each one has a single right repair.
Every corruption changes each of its spans (or makes it unreadable): an unchanged echo of the
input repairs nothing.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Callable

from .listing import DESCRIPTION, FIELDS, SECTIONS, TITLE, Listing, blocks, join, read, span_id

KINDS = ("section_dropped", "section_duplicated", "fields_swapped", "markup_broken", "price_format",
         "unit_error", "accents_dropped", "typo")
MAX_CORRUPTIONS = 3
# Field pairs whose values a swap exchanges: the description states both, so the swap is evident.
SWAPS = (("Especificações", "Peso", "Dimensões"), ("Vendedor", "Cidade", "Estado"),
         ("Preço", "Valor", "Frete médio"))
_WORD = re.compile(r"[^\W\d_]{5,}")
_MONEY = re.compile(r"R\$ (\d{1,3}(?:\.\d{3})*),(\d{2})")


def section_spans(section: str) -> list[str]:
    return [DESCRIPTION] if section == DESCRIPTION else [span_id(section, k) for k in FIELDS[section]]


def strip_accents(text: str) -> str:
    return unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", text)
                                                 if not unicodedata.combining(c)))


def _free(spans, free: set[str]) -> bool:
    return all(s in free for s in spans)


def _pick(rng, options: list):
    return options[int(rng.integers(len(options)))] if options else None


def _dropped(listing: Listing, rng, free: set[str]) -> dict | None:
    section = _pick(rng, [s for s in FIELDS if _free(section_spans(s), free)])
    return section and {"kind": "section_dropped", "section": section, "spans": section_spans(section)}


def _duplicated(listing: Listing, rng, free: set[str]) -> dict | None:
    section = _pick(rng, [s for s in SECTIONS if _free(section_spans(s), free)])
    return section and {"kind": "section_duplicated", "section": section, "at": _pick(rng, ["after", "end"]),
                        "spans": section_spans(section)}


def _swapped(listing: Listing, rng, free: set[str]) -> dict | None:
    pairs = [(span_id(s, a), span_id(s, b)) for s, a, b in SWAPS
             if _free([span_id(s, a), span_id(s, b)], free) and listing.fields[s][a] != listing.fields[s][b]]
    pair = _pick(rng, pairs)
    if pair is None:
        return None
    values = listing.spans()
    return {"kind": "fields_swapped", "values": {pair[0]: values[pair[1]], pair[1]: values[pair[0]]},
            "spans": list(pair)}


def _markup(listing: Listing, rng, free: set[str]) -> dict | None:
    """A heading, the title line or one field line written outside the format."""
    options = []
    if TITLE in free:
        options += [(TITLE, 0, form.format(listing.title), [TITLE]) for form in ("#{}", "{}", "## {}")]
    for index, section in enumerate(SECTIONS):
        # A line that is no heading folds the section into the block before it: when that block is
        # the description, the description is broken too. "## Preço:" heads a section of its own.
        for form, folds in (("##{}", True), ("{}", True), ("### {}", True), ("**{}**", True), ("## {}:", False)):
            spans = section_spans(section) + ([DESCRIPTION] if folds and index == 1 else [])
            if _free(spans, free):
                options.append((section, 0, form.format(section), spans))
    for section, keys in FIELDS.items():
        for line, key in enumerate(keys, 1):
            if span_id(section, key) in free:
                value = listing.fields[section][key]
                options += [(section, line, form.format(key, value), [span_id(section, key)])
                            for form in ("{}: {}", "-{}: {}", "* {}: {}", "- {} {}", "- {} = {}")]
    chosen = _pick(rng, options)
    return chosen and {"kind": "markup_broken", "section": chosen[0], "line": chosen[1], "text": chosen[2],
                       "spans": chosen[3]}


def _price(listing: Listing, rng, free: set[str]) -> dict | None:
    """``R$ 1.234,56`` written as ``R$ 1234.56``, ``R$ 1,234.56``, ``1.234,56`` or ``R$1.234,56``."""
    span = _pick(rng, [span_id("Preço", k) for k in FIELDS["Preço"] if span_id("Preço", k) in free])
    if span is None:
        return None
    value = listing.spans()[span]
    integer, cents = _MONEY.fullmatch(value).groups()
    forms = [f"R$ {integer.replace('.', '')}.{cents}", f"R$ {integer.replace('.', ',')}.{cents}",
             f"{integer},{cents}", f"R${integer},{cents}"]
    return {"kind": "price_format", "values": {span: _pick(rng, forms)}, "spans": [span]}


def _unit(listing: Listing, rng, free: set[str]) -> dict | None:
    """A unit changed without converting the number: kg ↔ g, cm → mm or m."""
    spans = [s for s in (span_id("Especificações", "Peso"), span_id("Especificações", "Dimensões")) if s in free]
    span = _pick(rng, spans)
    if span is None:
        return None
    value = listing.spans()[span]
    if span.endswith("Peso"):
        new = value[:-3] + " g" if value.endswith(" kg") else value[:-2] + " kg"
    else:
        new = value[:-3] + _pick(rng, [" mm", " m"])
    return {"kind": "unit_error", "values": {span: new}, "spans": [span]}


def _text_spans(listing: Listing, free: set[str]) -> list[str]:
    return [s for s in (TITLE, DESCRIPTION, span_id("Especificações", "Categoria")) if s in free]


def _accents(listing: Listing, rng, free: set[str]) -> dict | None:
    values = listing.spans()
    span = _pick(rng, [s for s in _text_spans(listing, free) if strip_accents(values[s]) != values[s]])
    return span and {"kind": "accents_dropped", "values": {span: strip_accents(values[span])}, "spans": [span]}


def misspell(word: str, rng) -> str:
    """One PT-BR typo: a spelling confusion (ç/ss, s/z, lh/li, nh/n, qu/q) or a slip of the hand."""
    confusions = [(a, b) for a, b in (("ç", "ss"), ("ss", "ç"), ("s", "z"), ("lh", "li"), ("nh", "n"), ("qu", "q"),
                                      ("x", "ch"), ("ge", "je"), ("gi", "ji")) if a in word[1:]]
    slips = ["swap", "drop", "double"]
    op = _pick(rng, confusions + slips)
    i = 1 + int(rng.integers(len(word) - 2))  # the first letter stays
    if op == "swap":
        new = word[:i] + word[i + 1] + word[i] + word[i + 2:]
    elif op == "drop":
        new = word[:i] + word[i + 1:]
    elif op == "double":
        new = word[:i] + word[i] + word[i:]
    else:
        a, b = op
        at = word.index(a, 1)
        new = word[:at] + b + word[at + len(a):]
    return new


def _typo(listing: Listing, rng, free: set[str]) -> dict | None:
    values = listing.spans()
    span = _pick(rng, [s for s in _text_spans(listing, free) if _WORD.search(values[s])])
    if span is None:
        return None
    text = values[span]
    match = _pick(rng, list(_WORD.finditer(text)))
    for _ in range(10):
        word = misspell(match[0], rng)
        if word != match[0]:
            return {"kind": "typo", "values": {span: text[:match.start()] + word + text[match.end():]}, "spans": [span]}
    return None


PLANNERS: dict[str, Callable[[Listing, object, set[str]], dict | None]] = {
    "section_dropped": _dropped, "section_duplicated": _duplicated, "fields_swapped": _swapped,
    "markup_broken": _markup, "price_format": _price, "unit_error": _unit, "accents_dropped": _accents,
    "typo": _typo,
}


def plan(listing: Listing, rng, first: str) -> list[dict]:
    """1–3 corruptions of distinct kinds, ``first`` among them, on disjoint spans."""
    others = [k for k in KINDS if k != first]
    kinds = [first] + [others[i] for i in rng.permutation(len(others))[: int(rng.integers(MAX_CORRUPTIONS))]]
    free = set(listing.spans())
    chosen = []
    for kind in kinds:
        corruption = PLANNERS[kind](listing, rng, free)
        if corruption is not None and consistent(listing, chosen + [corruption]):
            chosen.append(corruption)
            free -= set(corruption["spans"])
    return chosen


def consistent(listing: Listing, corruptions: list[dict]) -> bool:
    """Whether, read back, the corrupted text has every corrupted span wrong (or unreadable) and every
    other span right. Corruptions interact (a heading broken after a dropped section folds into the
    block before it); a combination that breaks a span it does not record is not used."""
    found, clean = read(apply(listing, corruptions)).spans(), listing.spans()
    touched = {s for c in corruptions for s in c["spans"]}
    return all(found.get(s) != value if s in touched else found.get(s) == value for s, value in clean.items())


def _set_value(lines: list[str], name: str, span: str, value: str) -> None:
    if span == TITLE:
        lines[0] = f"# {value}"
    elif span == DESCRIPTION:
        lines[1] = value
    else:
        key = span.split(".", 1)[1]
        lines[1 + FIELDS[name].index(key)] = f"- {key}: {value}"


def apply(listing: Listing, corruptions: list[dict]) -> str:
    """The listing's text with the corruptions applied: values, then broken lines, then sections."""
    doc = blocks(listing)
    by_name = dict(doc)
    for c in corruptions:
        for span, value in c.get("values", {}).items():
            name = TITLE if span == TITLE else span.split(".", 1)[0]
            _set_value(by_name[name], name, span, value)
    for c in corruptions:
        if c["kind"] == "markup_broken":
            by_name[c["section"]][c["line"]] = c["text"]
    for c in corruptions:
        if c["kind"] == "section_duplicated":
            index = next(i for i, (name, _) in enumerate(doc) if name == c["section"])
            copy = (c["section"], list(doc[index][1]))
            doc.insert(index + 1 if c["at"] == "after" else len(doc), copy)
    dropped = {c["section"] for c in corruptions if c["kind"] == "section_dropped"}
    return join([block for block in doc if block[0] not in dropped])


def corrupt(listing: Listing, rng, first: str) -> tuple[str, list[dict]]:
    """(corrupted text, corruptions) for a clean listing."""
    corruptions = plan(listing, rng, first)
    return apply(listing, corruptions), corruptions
