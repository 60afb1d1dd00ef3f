"""The parser reads what small models write (L-parser: the decimal-comma bug tripled extraction)."""
import json

import pytest
from hypothesis import given, settings, strategies as st

from commerce_grpo.tasklib.numbers import precisions_in
from commerce_grpo.tasklib.parsing import (
    completion_text, fenced_blocks, first_object, normalize_pt_decimals, parse_json, strip_fences,
)


def test_seed_001_decimal_comma_parses():
    parsed = parse_json('{"sentiment": "positivo", "sentiment_score": 4,5, "churn_risk": 0,15}')
    assert parsed.value == {"sentiment": "positivo", "sentiment_score": 4.5, "churn_risk": 0.15}
    assert parsed.method == "pt_decimal"
    with pytest.raises(json.JSONDecodeError):
        json.loads('{"sentiment_score": 4,5}')


def test_decimal_commas_inside_strings_are_kept():
    text = '{"summary": "nota 4,5 e preço 10,90", "churn_risk": 0,2}'
    assert parse_json(text).value == {"summary": "nota 4,5 e preço 10,90", "churn_risk": 0.2}


def test_integer_lists_and_separate_keys_are_not_decimals():
    assert normalize_pt_decimals('{"a": [1,2,3], "b": 1,"c": 2}') == '{"a": [1,2,3], "b": 1,"c": 2}'
    assert normalize_pt_decimals('{"a": -1,5}') == '{"a": -1.5}'
    assert normalize_pt_decimals('{"a": "x\\"y: 1,5"}') == '{"a": "x\\"y: 1,5"}'


@pytest.mark.parametrize("text", [
    '```json\n{"a": 1}\n```',
    '```\n{"a": 1}\n```',
    'Aqui está o JSON:\n```json\n{"a": 1}\n```\nEspero ter ajudado!',
    '{"a": 1}\n\nEspero ter ajudado! {qualquer coisa}',
    'Resposta: {"a": 1} e mais texto }',
    '```json\n{"a": 1}',  # unclosed fence
])
def test_fences_and_prose_around_the_object(text):
    assert parse_json(text).value == {"a": 1}


def test_first_balanced_block_ignores_braces_in_strings():
    assert first_object('x {"a": "}{", "b": {"c": 1}} y {"z": 2}') == '{"a": "}{", "b": {"c": 1}}'
    assert first_object("sem chaves") is None


def test_json_repair_is_last_and_reported():
    parsed = parse_json("{'sentiment': 'positivo', 'would_recommend': True}")
    assert parsed.value == {"sentiment": "positivo", "would_recommend": True}
    assert parsed.method == "repair"
    assert parse_json('{"a": 1}').method == "json"


@pytest.mark.parametrize("text", ["", "   ", "nada aqui", "[1, 2, 3]", '"só uma string"', "42", "{", "}{"])
def test_no_object_gives_none(text):
    assert parse_json(text).value is None


def test_completion_text_accepts_trl_shapes():
    assert completion_text("oi") == "oi"
    assert completion_text([{"role": "assistant", "content": "oi"}]) == "oi"
    assert completion_text([{"role": "user", "content": "x"}, {"role": "assistant", "content": "oi"}]) == "oi"
    assert completion_text({"content": "oi"}) == "oi"
    assert completion_text(None) == "" and completion_text(42) == "" and completion_text([{"content": 3}]) == ""


def test_strip_fences_returns_the_first_block():
    assert strip_fences("a\n```sql\nSELECT 1\n```\nb\n```json\n{}\n```") == "SELECT 1"
    assert strip_fences("  sem cerca  ") == "sem cerca"


@pytest.mark.parametrize("text,blocks", [
    ("```sql SELECT 1 FROM t```", [("sql", "SELECT 1 FROM t")]),
    ("Rodei ```SELECT 1 FROM t``` e deu 3.", [("", "SELECT 1 FROM t")]),
    ('```json {"a": 1}``` e ```sql\nSELECT 2\n```', [("json", '{"a": 1}'), ("sql", "SELECT 2")]),
    ("```sql\nSELECT 1\n```", [("sql", "SELECT 1")]),
    ("```\nSELECT 1", [("", "SELECT 1")]),  # unclosed
    ("```with a as (select 1) select * from a```", [("", "with a as (select 1) select * from a")]),
])
def test_fences_opened_and_closed_on_one_line_are_blocks(text, blocks):
    assert fenced_blocks(text) == blocks
    assert parse_json('Segue: ```json {"a": 1}```').value == {"a": 1}


def test_numbers_are_read_with_the_decimals_they_show():
    assert precisions_in("3,4% dos pedidos") == {(3.4, 1), (34.0, 0)}
    assert precisions_in("R$ 73.025,82 e 12,70 dias") == {(73025.82, 2), (12.7, 2), (1270.0, 0)}
    assert (1370.0, 0) in precisions_in("1.370 pedidos") and (1.37, 3) in precisions_in("1.370 pedidos")


JSONISH = st.lists(st.sampled_from(list('{}[]",:0123456789.-truefalsn \n\\`') + ["4,5", "```", "json", '"a": ']),
                   max_size=80).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), JSONISH))
def test_parse_json_never_raises(text):
    parsed = parse_json(text)
    assert parsed.value is None or isinstance(parsed.value, dict)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=8), st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                                                        st.booleans(), st.text(max_size=20), st.none()), max_size=6))
def test_valid_json_objects_round_trip_in_a_fence(obj):
    assert parse_json("```json\n" + json.dumps(obj, ensure_ascii=False) + "\n```").value == obj


def test_nesting_depth_ignores_braces_in_strings():
    from commerce_grpo.tasklib.parsing import nesting_depth

    assert nesting_depth('{"a": {"b": [1, 2]}}') == 3
    assert nesting_depth('{"a": "{{{{[[["}') == 1
    assert nesting_depth("{" * 50) == 50 and nesting_depth("sem nada") == 0


def test_deep_nesting_is_never_handed_to_json_repair(monkeypatch):
    """L-parser: json-repair is quadratic on nested input; the flat schema never needs depth > 4."""
    import commerce_grpo.tasklib.parsing as parsing

    calls = []
    monkeypatch.setattr(parsing.json_repair, "loads", lambda text: calls.append(text) or {})
    assert parse_json("{" * 8000).value is None and calls == []
    parse_json("{'a': 1, 'b': {'c': 2")
    assert calls and all(len(c) <= parsing.MAX_REPAIR_CHARS for c in calls)


def test_split_object_separates_extra_text_from_the_object():
    from commerce_grpo.tasklib.parsing import split_object

    before, block, after = split_object('Aqui:\n```json\n{"a": 1}\n```\nFim')
    assert (before.strip(), block, after.strip()) == ("Aqui:", '{"a": 1}', "Fim")
    assert split_object("sem objeto") == ("", "", "sem objeto")
