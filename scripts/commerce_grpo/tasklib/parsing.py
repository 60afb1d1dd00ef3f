"""Read the JSON object a small model meant to write; never raises.

L-parser (V4.1 change 1): the model wrote ``"sentiment_score": 4,5`` (correct PT-BR notation),
``json.loads`` rejected it and correct answers scored near zero; fixing the parser tripled the
extraction reward. The order here: strip fences, plain JSON, the first balanced ``{...}`` block,
PT-BR decimal commas outside strings, json-repair last.
"""
from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

import json_repair

# json-repair's cost grows with the input and much faster with nesting ('{' * 8000 took 1.6 s, 1 MB
# of '{' 3 s through an 8,000-character cut). The schema is flat, so json-repair only ever sees a
# bounded, shallow block: at most MAX_REPAIR_CHARS characters nested at most MAX_REPAIR_DEPTH deep
# (a runaway completion must not stall a training step; L-parser).
MAX_REPAIR_CHARS = 2_000
MAX_REPAIR_DEPTH = 4

# A fence opened and closed on one line (```SELECT 1 FROM t```), else one whose body starts on
# the next line and runs to the closing fence or the end (an unclosed last fence counts).
_FENCE = re.compile(r"```(?:[ \t]*(?P<line>[^\n`]+?)[ \t]*```|[ \t]*(?P<lang>[A-Za-z0-9_+-]*)[^\n]*\n?(?P<body>.*?)(?:```|\Z))",
                    re.S)
# Language tags a one-line fence may open with before its content ("```sql SELECT 1```").
FENCE_TAGS = frozenset(("sql", "duckdb", "postgresql", "postgres", "sqlite", "json", "markdown", "md", "text",
                        "txt", "python", "py"))
_TAGGED_LINE = re.compile(r"([A-Za-z0-9_+-]+)\s+(\S.*)", re.S)
_STRUCTURAL = re.compile(r'[{}"]')
_IN_STRING = re.compile(r'["\\]')
MAX_OBJECT_DEPTH = 64
_FENCE_MARK = re.compile(r"```[ \t]*[A-Za-z0-9_+-]*")
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
# A decimal comma is only a number's when it follows a key's colon (or a unary minus) and ends
# the value: `[1,2]` and `"a": 1, "b": 2` are left alone.
_PT_DECIMAL = re.compile(r"(:\s*-?)(\d+),(\d+)(?=\s*(?:[,}\]\n]|$))")


class Parsed(NamedTuple):
    """A parse result: the object (None when nothing parses) and the step that produced it."""

    value: dict | None
    method: str  # "json" | "block" | "pt_decimal" | "repair" | "none"


def completion_text(completion: Any) -> str:
    """The text of a completion given as a string or as TRL's conversational message list."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        content = completion.get("content", "")
        return content if isinstance(content, str) else ""
    if isinstance(completion, (list, tuple)):
        parts = [completion_text(m) for m in completion
                 if isinstance(m, dict) and m.get("role", "assistant") == "assistant"]
        return "\n".join(p for p in parts if p)
    return ""


def strip_fences(text: str) -> str:
    """The content of the first code fence, or the text itself."""
    blocks = fenced_blocks(text)
    return blocks[0][1] if blocks else text.strip()


def _block(m: re.Match) -> tuple[str, str]:
    line = m["line"]
    if line is None:
        return m["lang"].lower(), m["body"].strip()
    tagged = _TAGGED_LINE.fullmatch(line)
    if tagged and tagged[1].lower() in FENCE_TAGS:
        return tagged[1].lower(), tagged[2].strip()
    return "", line.strip()


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """Every ``` fence as (language tag in lower case, content): one-line fences too
    (```sql SELECT 1 FROM t```); an unclosed last fence counts."""
    return [_block(m) for m in _FENCE.finditer(text)]


def first_object(text: str) -> str | None:
    """The first balanced ``{...}`` block (braces inside strings ignored); to the end if unclosed.

    None when there is no ``{`` or the block nests deeper than MAX_OBJECT_DEPTH (no answer nests
    like that; 1 MB of '{' must not cost a character-by-character walk). The scan jumps between
    structural characters with a regex, so long strings and prose cost C time, not Python time.
    """
    start = text.find("{")
    if start < 0:
        return None
    depth, pos = 0, start
    while True:
        m = _STRUCTURAL.search(text, pos)
        if m is None:
            return text[start:]
        c, pos = m.group(), m.end()
        if c == '"':
            while True:
                s = _IN_STRING.search(text, pos)
                if s is None:
                    return text[start:]
                pos = s.end()
                if s.group() == '"':
                    break
                pos += 1  # a backslash escapes the next character
        elif c == "{":
            depth += 1
            if depth > MAX_OBJECT_DEPTH:
                return None
        else:
            depth -= 1
            if depth == 0:
                return text[start:pos]


def nesting_depth(text: str) -> int:
    """The deepest ``{``/``[`` nesting outside strings (cheap: one pass, no recursion)."""
    depth = deepest = 0
    in_string = escape = False
    for c in text:
        if in_string:
            if escape:
                escape = False
            elif c == "\\":
                escape = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "{[":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "}]":
            depth = max(0, depth - 1)
    return deepest


def split_object(text: str) -> tuple[str, str, str]:
    """(text before the first ``{...}`` block, the block, text after it); ("", "", text) if none.

    Fence markers (```json, ```) around the block belong to neither side: they are format, not
    content, so an answer's extra text is what ``before`` and ``after`` hold once they are gone.
    """
    block = first_object(text)
    if block is None:
        return "", "", text
    start = text.find("{")
    end = start + len(block)
    return _FENCE_MARK.sub("", text[:start]), block, _FENCE_MARK.sub("", text[end:])


def normalize_pt_decimals(text: str) -> str:
    """Turn PT-BR decimal commas in values (``4,5``) into points (``4.5``), never inside strings."""
    out, last = [], 0
    for m in _STRING.finditer(text):
        out.append(_PT_DECIMAL.sub(r"\1\2.\3", text[last : m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(_PT_DECIMAL.sub(r"\1\2.\3", text[last:]))
    return "".join(out)


def _loads_dict(text: str) -> dict | None:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def parse_json(text: Any) -> Parsed:
    """Parse the JSON object in a completion. Never raises; ``value`` is None when none is found."""
    text = completion_text(text)
    body = strip_fences(text)
    value = _loads_dict(body)
    if value is not None:
        return Parsed(value, "json")
    block = first_object(body) or first_object(text)
    if block is None:
        return Parsed(None, "none")
    value = _loads_dict(block)
    if value is not None:
        return Parsed(value, "block")
    normalized = normalize_pt_decimals(block)
    value = _loads_dict(normalized)
    if value is not None:
        return Parsed(value, "pt_decimal")
    bounded = normalized[:MAX_REPAIR_CHARS]
    if nesting_depth(bounded) > MAX_REPAIR_DEPTH:
        return Parsed(None, "none")
    try:
        repaired = json_repair.loads(bounded)
    except Exception:  # json-repair is a heuristic; any failure of it just means "no object"
        return Parsed(None, "none")
    if isinstance(repaired, dict) and repaired:
        return Parsed(repaired, "repair")
    return Parsed(None, "none")
