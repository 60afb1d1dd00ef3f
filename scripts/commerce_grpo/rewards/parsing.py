"""Read the JSON object a small model meant to write; never raises.

Seed 001 (V4.1 change 1): the model wrote ``"sentiment_score": 4,5`` (correct PT-BR notation),
``json.loads`` rejected it and correct answers scored near zero; fixing the parser tripled the
extraction reward. The order here: strip fences, plain JSON, the first balanced ``{...}`` block,
PT-BR decimal commas outside strings, json-repair last.
"""
from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

import json_repair

# Longer texts are cut before json-repair, whose cost grows with the input (a runaway completion
# must not stall a training step).
MAX_REPAIR_CHARS = 8_000

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n?(.*?)(?:```|\Z)", re.S)
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
    """The content of the first code fence (a json/sql fence preferred), or the text itself."""
    blocks = _FENCE.findall(text)
    if not blocks:
        return text.strip()
    return blocks[0][1].strip()


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """Every ``` fence as (language tag in lower case, content); an unclosed last fence counts."""
    return [(lang.lower(), body.strip()) for lang, body in _FENCE.findall(text)]


def first_object(text: str) -> str | None:
    """The first balanced ``{...}`` block (braces inside strings ignored); to the end if unclosed."""
    start = text.find("{")
    if start < 0:
        return None
    depth, in_string, escape = 0, False, False
    for i in range(start, len(text)):
        c = text[i]
        if in_string:
            if escape:
                escape = False
            elif c == "\\":
                escape = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
    return text[start:]


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
    try:
        repaired = json_repair.loads(normalized[:MAX_REPAIR_CHARS])
    except Exception:  # json-repair is a heuristic; any failure of it just means "no object"
        return Parsed(None, "none")
    if isinstance(repaired, dict) and repaired:
        return Parsed(repaired, "repair")
    return Parsed(None, "none")
