"""Property tests: no string makes any reward raise or leave [0, 1] (issue 4, "Must show")."""
import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from task_names import TASKS

from commerce_grpo.rewards import score
from commerce_grpo.rewards.config import settings as reward_settings
from commerce_grpo.tasklib import errors
from commerce_grpo.tasklib.prompts import EXTRACTION_FIELDS

REFERENCES = {
    "extraction": {"sentiment": "negativo", "sentiment_score": 2, "delivery_issue": True, "product_quality_issue": False,
                   "wrong_or_missing_item": False, "seller_service_issue": False, "complaint_category": "entrega",
                   "would_recommend": False, "churn_risk": 0.7, "summary": "Atrasou"},
    "sql_qa": {"sql": "SELECT customer_state, COUNT(*) FROM orders_enriched GROUP BY 1", "rows": [["SP", 25]]},
    "insights": {"facts": {"taxa": 0.08, "estado": "BA", "pedidos": 1830}, "topic": "atrasos"},
    "push": {"intent": "cart_reminder", "facts": {"first_name": "Pedro", "cart_value": 249.9}, "max_chars": 120},
}
FRAGMENTS = [
    "```json\n", "```sql\n", "```", "{", "}", "[", "]", '"', ":", ",", "4,5", "0,9", "true", "false", "null",
    "SELECT ", "FROM orders_enriched ", "GROUP BY 1", "WITH a AS (SELECT 1) ", ";", "\n\n", "COPY ", "ATTACH ",
    "- ", "## ", "1. ", "recomendo ", "priorizar ", "cliente ", "pedido ", "Prezado ", "atenciosamente ",
    "Ana, ", "desculpa ", "carrinho ", "💙", "!", "R$ 1.234,56 ", "8% ", "\\", "\x00", "ção ",
    *[f'"{f}": ' for f in EXTRACTION_FIELDS],
]
TEXTS = st.one_of(st.text(max_size=400), st.lists(st.sampled_from(FRAGMENTS), max_size=60).map("".join))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
COMPLETIONS = st.one_of(TEXTS, TEXTS.map(lambda t: [{"role": "assistant", "content": t}]),
                        JSON_VALUES.map(lambda v: json.dumps({k: v for k in EXTRACTION_FIELDS}, default=str)))


def _check(reward, task, config=None):
    assert 0.0 <= reward.total <= 1.0
    assert set(reward.components) == set(reward_settings(config).weights[task])
    assert all(0.0 <= v <= 1.0 for v in reward.components.values())


@pytest.mark.parametrize("preset", ["correctness", "study"])
@pytest.mark.parametrize("task", TASKS)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(completion=COMPLETIONS)
def test_no_completion_raises_or_leaves_unit_interval(task, preset, completion, record, commerce_db):
    config = {"preset": preset, "sql": {"timeout_s": 0.5, "max_rows": 50}}
    reward = score(record(task, "pergunta", REFERENCES[task]), completion,
                   db=commerce_db if task == "sql_qa" else None, config=config)
    _check(reward, task, config)
    assert errors.count() == 0  # robust by construction, not by the safety net


@pytest.mark.parametrize("task", TASKS)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reference=JSON_VALUES, source=JSON_VALUES, completion=TEXTS)
def test_malformed_references_never_raise(task, reference, source, completion, record):
    rec = {**record(task), "reference": reference, "source": source}
    _check(score(rec, completion), task)
    assert errors.count() == 0


@settings(max_examples=100, deadline=None)
@given(record=JSON_VALUES, completion=JSON_VALUES)
def test_any_record_shape_never_raises(record, completion):
    reward = score(record, completion)
    assert 0.0 <= reward.total <= 1.0


@pytest.mark.parametrize("task", TASKS)
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(completion=TEXTS)
def test_score_is_deterministic_and_total_is_the_clipped_weighted_sum(task, completion, record):
    rec = record(task, "pergunta", REFERENCES[task])
    a, b = score(rec, completion), score(rec, completion)
    assert a == b
    weights = reward_settings().weights[task]
    raw = sum(weights[k] * v for k, v in a.components.items())
    assert a.total == pytest.approx(min(1.0, max(0.0, raw)))
