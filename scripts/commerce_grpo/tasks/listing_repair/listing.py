"""The listing format: a clean listing as data, its markdown text, and a strict reader of that text.

One listing is a ``# title`` line and four sections in a fixed order: ``## Descrição`` (one
paragraph), then ``## Especificações``, ``## Preço`` and ``## Vendedor``, whose bodies are
``- Campo: valor`` lines with fixed fields whose values have a fixed shape (``R$ 1.234,56``,
``1,2 kg``, ``32 x 30 x 12 cm``, a state's two letters). The writer (``blocks``/``to_text``) and the
reader (``read``) share the constants below, and the reader is as strict as the writer: a heading
``##Preço``, a line ``Peso: 1,2 kg`` or a price ``R$ 1234.56`` is not the format.

A listing's *spans* are the units a repair is judged on: the title, the description and each
field. A span is read only from a block that occurs exactly once (two ``## Vendedor`` sections
leave both of its fields unread), so repeating a listing never pays.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from commerce_grpo.data.marginals import STATE_NAMES
from commerce_grpo.tasklib.vocab import fold

TITLE = "title"
DESCRIPTION = "Descrição"
# Field sections and their fields, in order.
FIELDS: dict[str, tuple[str, ...]] = {
    "Especificações": ("Categoria", "Peso", "Dimensões"),
    "Preço": ("Valor", "Frete médio"),
    "Vendedor": ("Cidade", "Estado"),
}
SECTIONS = (DESCRIPTION, *FIELDS)
BLOCKS = (TITLE, *SECTIONS)

_NUMBER = r"\d{1,3}(?:\.\d{3})*"
_TEXT = re.compile(r"[^\W\d_][^\d:#*`|<>{}\[\]]*")  # words, no digits or markup
_VALUE_SHAPES = {
    "Categoria": _TEXT,
    "Peso": re.compile(rf"{_NUMBER}(?:,\d{{1,3}})? (?:g|kg)"),
    "Dimensões": re.compile(r"\d{1,4} x \d{1,4} x \d{1,4} cm"),
    "Valor": re.compile(rf"R\$ {_NUMBER},\d{{2}}"),
    "Frete médio": re.compile(rf"R\$ {_NUMBER},\d{{2}}"),
    "Cidade": _TEXT,
    "Estado": re.compile("|".join(sorted(STATE_NAMES))),
}
_TITLE_LINE = re.compile(r"# (\S.*)")
_HEADING_LINE = re.compile(r"## (\S.*)")
_FIELD_LINE = re.compile(r"- ([^\W\d_][^\W\d_ ]*(?: [^\W\d_]+)*): (\S.*)")
_FENCE_LINE = re.compile(r"```[\w-]*")

_SPACE = re.compile(r"\s+")
MAX_VALUE_CHARS = 48  # the longest field value a listing has (a category label or a city) is shorter
_NON_LETTERS = re.compile(r"[^a-z]")


def span_id(section: str, key: str | None = None) -> str:
    """``"title"``, ``"Descrição"`` or ``"Preço.Valor"``."""
    return section if key is None else f"{section}.{key}"


_KNOWN_SECTIONS = {_NON_LETTERS.sub("", fold(s)): s for s in SECTIONS}
# Per field section, each field's line with its markup broken: another bullet or none, bold, "="
# or no colon, the name without its accents; group 1 is the value.
_BROKEN_FIELD_LINES = {
    section: {key: re.compile(rf"[-*•]?\s*(?:\*\*)?(?i:{re.escape(key)}|{re.escape(fold(key))})(?:\*\*)?\s*[:=]?\s*(\S.*)")
              for key in keys}
    for section, keys in FIELDS.items()
}
SPANS = (TITLE, DESCRIPTION, *(span_id(s, k) for s, keys in FIELDS.items() for k in keys))


def valid_value(key: str, value: str) -> bool:
    """Whether a field's value has the shape the format gives that field."""
    shape = _VALUE_SHAPES.get(key)
    return shape is not None and shape.fullmatch(value) is not None


def normalize(value: str) -> str:
    return _SPACE.sub(" ", value).strip()


@dataclass(frozen=True)
class Listing:
    """A clean listing: title, one-paragraph description, and each field section's values."""

    title: str
    description: str
    fields: dict[str, dict[str, str]]

    @classmethod
    def from_spans(cls, spans: dict[str, str]) -> Listing:
        return cls(title=spans[TITLE], description=spans[DESCRIPTION],
                   fields={s: {k: spans[span_id(s, k)] for k in keys} for s, keys in FIELDS.items()})

    def spans(self) -> dict[str, str]:
        out = {TITLE: self.title, DESCRIPTION: self.description}
        out.update({span_id(s, k): self.fields[s][k] for s, keys in FIELDS.items() for k in keys})
        return out


def blocks(listing: Listing) -> list[tuple[str, list[str]]]:
    """The listing as (block name, lines) in order; corruptions edit these before they are joined."""
    out = [(TITLE, [f"# {listing.title}"]), (DESCRIPTION, [f"## {DESCRIPTION}", listing.description])]
    for section, keys in FIELDS.items():
        out.append((section, [f"## {section}", *(f"- {k}: {listing.fields[section][k]}" for k in keys)]))
    return out


def join(blocks_: list[tuple[str, list[str]]]) -> str:
    return "\n\n".join("\n".join(lines) for _, lines in blocks_)


def to_text(listing: Listing) -> str:
    return join(blocks(listing))


@dataclass
class Block:
    name: str  # TITLE, a section's heading text, or "" for text before any title or heading
    head: str = ""
    body: list[str] = field(default_factory=list)  # non-blank lines, stripped


@dataclass
class Document:
    """What ``read`` found in a text: its blocks in order, and whether a code fence wrapped it."""

    blocks: list[Block]
    fenced: bool
    counts: Counter = field(init=False)

    def __post_init__(self):
        self.counts = Counter(b.name for b in self.blocks)

    def count(self, name: str) -> int:
        return self.counts[name]

    def unique(self, name: str) -> Block | None:
        found = [b for b in self.blocks if b.name == name]
        return found[0] if len(found) == 1 else None

    def is_listing(self) -> bool:
        """The format gate: at least two of the four section headings, strictly written."""
        return sum(self.count(s) > 0 for s in SECTIONS) >= 2

    def spans(self) -> dict[str, str]:
        """Span → value, for the spans readable without ambiguity (see the module docstring)."""
        out = {}
        title = self.unique(TITLE)
        if title is not None:
            out[TITLE] = normalize(title.head)
        description = self.unique(DESCRIPTION)
        if description is not None and description.body:
            out[DESCRIPTION] = normalize(" ".join(description.body))
        for section in FIELDS:
            block = self.unique(section)
            if block is None:
                continue
            found: dict[str, list[str]] = {}
            for line in block.body:
                match = _FIELD_LINE.fullmatch(line)
                if match:
                    found.setdefault(match[1], []).append(normalize(match[2]))
            out.update({span_id(section, k): v[0] for k, v in found.items() if len(v) == 1 and k in FIELDS[section]})
        return out

    def _block_ok(self, name: str) -> bool:
        block = self.unique(name)
        if block is None:
            return False
        if name == TITLE:
            return not block.body
        if name == DESCRIPTION:
            return bool(block.body) and not any(_FIELD_LINE.fullmatch(line) for line in block.body)
        matches = [_FIELD_LINE.fullmatch(line) for line in block.body]
        return (all(matches) and tuple(m[1] for m in matches) == FIELDS[name]
                and all(valid_value(m[1], normalize(m[2])) for m in matches))

    def structure(self) -> float:
        """Share of the five blocks present once, in their place in the order, and well formed."""
        order = [b.name for b in self.blocks if b.name in BLOCKS and self.count(b.name) == 1]
        ok = 0
        for name in BLOCKS:
            if name not in order or not self._block_ok(name):
                continue
            rank = BLOCKS.index(name)
            before = order[:order.index(name)]
            ok += all(BLOCKS.index(other) < rank for other in before) and \
                all(BLOCKS.index(other) > rank for other in order[order.index(name) + 1:])
        return ok / len(BLOCKS)

    def extra_chars(self) -> int:
        """Non-space characters outside the format: text before the listing, lines under the title,
        whole sections the format does not have, a second description under a mistyped heading, and
        in every field section (its heading right or mistyped: "## Preco") each line that is no
        field line of that section, whole or broken ("Peso: 1,2 kg" is the format broken, not extra)."""
        described = any(b.name == DESCRIPTION for b in self.blocks)
        extra = 0
        for block in self.blocks:
            section = _section_of(block.name)
            if block.name == "" or block.name == TITLE:
                lines = block.body
            elif section is None:
                lines = [block.head, *block.body]
            elif section == DESCRIPTION:  # a mistyped heading heads the description unless there is one
                lines = block.body if block.name != DESCRIPTION and described else []
                described = True
            else:
                lines = [line for line in block.body if not _field_like(section, line)]
            extra += sum(len(_SPACE.sub("", line)) for line in lines)
        return extra


def _section_of(name: str) -> str | None:
    """The section a heading names, written right or not ("Preço", "Preco", "PREÇO:"); None otherwise."""
    if name in SECTIONS:
        return name
    return _KNOWN_SECTIONS.get(_NON_LETTERS.sub("", fold(name))) if name not in ("", TITLE) else None


def _field_like(section: str, line: str) -> bool:
    """A field line of ``section``: strict (any value a field may hold), or broken ("Peso: 1,2 kg",
    "* Peso = 1,2 kg") with a value of the field's shape; anything else under the heading is extra."""
    strict = _FIELD_LINE.fullmatch(line)
    if strict:
        return strict[1] in FIELDS[section] and len(strict[2]) <= MAX_VALUE_CHARS
    return any((m := pattern.fullmatch(line)) is not None and len(m[1]) <= MAX_VALUE_CHARS
               and valid_value(key, normalize(m[1])) for key, pattern in _BROKEN_FIELD_LINES[section].items())


def read(text: str) -> Document:
    """Split a text into blocks at strict title and heading lines; fence lines are dropped (and noted)."""
    blocks_: list[Block] = [Block("")]
    fenced = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if _FENCE_LINE.fullmatch(line):
            fenced = True
            continue
        title, heading = _TITLE_LINE.fullmatch(line), _HEADING_LINE.fullmatch(line)
        if title:
            blocks_.append(Block(TITLE, head=title[1]))
        elif heading:
            blocks_.append(Block(heading[1].strip(), head=heading[1]))
        else:
            blocks_[-1].body.append(line)
    if not blocks_[0].body:
        blocks_.pop(0)
    return Document(blocks_, fenced)


def parse(text: str) -> Listing | None:
    """The listing a text holds when it is exactly in the format (every block once, in order, well
    formed, nothing around it), else None."""
    doc = read(text)
    if doc.structure() < 1.0 or doc.extra_chars() or doc.fenced:
        return None
    return Listing.from_spans(doc.spans())
