"""TRL reward functions: one per task component, None for other tasks, weights in the same order."""
import json

import pytest
from task_names import TASKS

from commerce_grpo.rewards import score
from commerce_grpo.rewards.config import settings
from commerce_grpo.rewards.trl import make_reward_functions, reward_weights

PUSH_REF = {"intent": "delay_apology", "facts": {"first_name": "Ana"}, "max_chars": 120}
EXTRACTION_REF = {"sentiment": "positivo", "sentiment_score": 5, "delivery_issue": False, "product_quality_issue": False,
                  "wrong_or_missing_item": False, "seller_service_issue": False, "complaint_category": "nenhuma",
                  "would_recommend": True, "churn_risk": 0.1,
                  "summary": 'Cliente satisfeito: "Ótimo"; recomenda a loja.'}


@pytest.fixture
def batch(record):
    push = record("push", "Cliente Ana, pedido atrasado", PUSH_REF)
    ext = record("extraction", "Avaliação do pedido (nota 5/5):\nÓtimo", EXTRACTION_REF, review_score=5)
    sql = record("sql_qa", "Pedidos?", {"sql": "SELECT COUNT(*) FROM orders"})
    completions = [
        [{"role": "assistant", "content": "Ana, seu pedido atrasou. Desculpa! Já está a caminho 💙"}],
        [{"role": "assistant", "content": json.dumps(EXTRACTION_REF) + "\nEspero ter ajudado"}],
        "```sql\nSELECT COUNT(*) FROM orders\n```\nSão 150 pedidos no total da base de clientes.",
    ]
    return [push, ext, sql], completions


STUDY = {"preset": "study"}


@pytest.mark.parametrize("config", [None, STUDY])
def test_names_order_and_weights_match(config):
    funcs = make_reward_functions(db=None, config=config, tasks=TASKS)
    weights = reward_weights(config, tasks=TASKS)
    names = [f.__name__ for f in funcs]
    assert len(funcs) == len(weights) == sum(len(settings(config).weights[task]) for task in TASKS)
    assert [n.split("/")[0] for n in names] == sorted((n.split("/")[0] for n in names), key=TASKS.index)
    if config is None:
        assert names[0] == "extraction/sentiment" and "extraction/format" in names
        assert all(w > 0 for w in weights)
    else:
        assert names[0] == "extraction/json_valid" and "push/formal" in names
        assert weights[names.index("push/formal")] == -0.2


def test_subset_of_tasks():
    funcs = make_reward_functions(db=None, config=None, tasks=("push",))
    assert [f.__name__ for f in funcs] == ["push/intent", "push/content", "push/length", "push/call_to_action",
                                           "push/tone"]
    assert reward_weights(None, tasks=("push",)) == [0.3, 0.3, 0.15, 0.15, 0.1]
    funcs = make_reward_functions(db=None, config=STUDY, tasks=("push",))
    assert [f.__name__ for f in funcs] == ["push/length", "push/portuguese", "push/intent", "push/creativity", "push/formal"]
    assert reward_weights(STUDY, tasks=("push",)) == [0.4, 0.2, 0.2, 0.2, -0.2]
    with pytest.raises(ValueError, match="unknown task"):
        make_reward_functions(db=None, config=None, tasks=("chat",))


@pytest.mark.parametrize("config", [None, STUDY])
def test_functions_score_their_task_and_return_none_for_others(batch, commerce_db, config):
    records, completions = batch
    funcs = make_reward_functions(db=commerce_db, config=config, tasks=TASKS)
    weights = reward_weights(config, tasks=TASKS)
    kwargs = {"prompts": [r["prompt"] for r in records], "completions": completions,
              "task": [r["task"] for r in records], "reference": [r["reference"] for r in records],
              "source": [r["source"] for r in records], "trainer_state": None, "log_metric": None}
    outputs = {f.__name__: f(**kwargs) for f in funcs}
    for i, rec in enumerate(records):
        expected = score(rec, completions[i], db=commerce_db, config=config)
        mine = {name.split("/")[1]: out[i] for name, out in outputs.items() if name.startswith(rec["task"] + "/")}
        others = [out[i] for name, out in outputs.items() if not name.startswith(rec["task"] + "/")]
        assert mine == dict(expected.components)
        assert all(v is None for v in others)
        weighted = sum(w * outputs[f.__name__][i] for f, w in zip(funcs, weights) if outputs[f.__name__][i] is not None)
        assert min(1.0, max(0.0, weighted)) == pytest.approx(expected.total)


def test_missing_task_column_uses_the_classifier_and_json_references(batch):
    records, completions = batch
    funcs = {f.__name__: f for f in make_reward_functions(db=None, config=None, tasks=TASKS)}
    out = funcs["push/length"](prompts=[r["prompt"] for r in records], completions=completions,
                               reference=[json.dumps(r["reference"]) for r in records])
    assert out[0] == 1.0 and out[1] is None and out[2] is None
    assert funcs["extraction/sentiment"]([records[1]["prompt"]], [completions[1]],
                                         reference=[json.dumps(EXTRACTION_REF)]) == [1.0]


def test_identical_items_are_scored_once(batch, monkeypatch):
    import commerce_grpo.rewards.trl as trl_module

    calls = []
    real = trl_module.score
    monkeypatch.setattr(trl_module, "score", lambda *a, **k: calls.append(1) or real(*a, **k))
    records, completions = batch
    funcs = make_reward_functions(db=None, config=None, tasks=("push",))
    for f in funcs:
        f([records[0]["prompt"]] * 4, [completions[0]] * 4, task=["push"] * 4, reference=[PUSH_REF] * 4)
    assert len(calls) == 1
