"""A reward that raises scores 0 and is counted: training never dies of a reward."""
import pytest

from commerce_grpo.rewards import score
from commerce_grpo.rewards.trl import make_reward_functions
from commerce_grpo.tasklib import errors
from commerce_grpo.tasks.extraction import reward as extraction, study_reward as study_extraction


def _boom(*args, **kwargs):
    raise RuntimeError("bug in the reward")


def test_raising_reward_scores_zero_and_is_counted(monkeypatch, record, caplog):
    monkeypatch.setattr(extraction, "components", _boom)
    rec = record("extraction", "Avaliação do pedido (nota 5/5):\nbom", {})
    for _ in range(3):
        reward = score(rec, '{"sentiment": "positivo"}')
        assert reward.total == 0.0 and set(reward.components) >= {"sentiment", "issues", "format"}
    assert errors.count("extraction") == 3 and errors.count() == 3
    assert errors.snapshot() == {"extraction": 3}
    assert "bug in the reward" in caplog.text
    errors.reset()
    assert errors.count() == 0


def test_a_raising_study_reward_is_counted_too(monkeypatch, record):
    monkeypatch.setattr(study_extraction, "components", _boom)
    reward = score(record("extraction", "x", {}), "{}", config={"preset": "study"})
    assert reward.total == 0.0 and set(reward.components) >= {"json_valid", "sentiment_mismatch"}
    assert errors.count("extraction") == 1


def test_trl_functions_survive_a_raising_reward(monkeypatch, record):
    monkeypatch.setattr(extraction, "components", _boom)
    funcs = make_reward_functions(db=None, config=None, tasks=("extraction",))
    rec = record("extraction", "x", {})
    out = funcs[0](prompts=[rec["prompt"]], completions=["{}"], task=["extraction"], reference=[{}])
    assert out == [0.0]
    assert errors.count("extraction") == 1


def test_bad_config_is_a_clear_error_not_a_silent_zero(record):
    with pytest.raises(ValueError, match="rewards.push.lenght"):
        score(record("push"), "oi", config={"push": {"lenght": 0.4}})
