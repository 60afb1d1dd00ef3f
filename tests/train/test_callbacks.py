"""Preflight, early stopping bookkeeping and the task-weighted sampler, without a trainer."""
import math
from collections import Counter

import pytest
from transformers import TrainerControl, TrainerState

from commerce_grpo.train.callbacks import PreflightCallback, PreflightError, ValidationCallback, read_history
from commerce_grpo.train.sampling import TaskWeightedSampler


def _preflight(steps=2):
    return PreflightCallback(steps=steps, max_completion_length=64, temperature=1.0, entropy_floor=0.1)


def test_preflight_passes_when_any_early_step_has_signal():
    callback = _preflight()
    callback.on_log(None, TrainerState(), None, logs={"frac_reward_zero_std": 1.0, "completions/clipped_ratio": 1.0})
    callback.on_log(None, TrainerState(), None, logs={"frac_reward_zero_std": 0.5, "completions/clipped_ratio": 0.9})


def test_preflight_zero_means_off():
    callback = _preflight(steps=0)
    for _ in range(3):
        callback.on_log(None, TrainerState(), None, logs={"frac_reward_zero_std": 1.0})


def test_entropy_collapse_is_logged_once(caplog):
    callback = _preflight(steps=0)
    for entropy in (0.5, 0.05, 0.01):
        callback.on_log(None, TrainerState(global_step=3), None, logs={"frac_reward_zero_std": 0.0, "entropy": entropy})
    assert sum("entropy collapse" in r.message for r in caplog.records) == 1


def test_fully_masked_step_is_not_an_entropy_collapse(caplog):
    callback = _preflight(steps=0)
    callback.on_log(None, TrainerState(), None,
                    logs={"frac_reward_zero_std": 0.0, "entropy": 0.0, "completions/clipped_ratio": 1.0})
    assert not any("entropy collapse" in r.message for r in caplog.records)


def test_preflight_names_both_causes():
    callback = _preflight(steps=1)
    with pytest.raises(PreflightError, match="max_completion_length=64.*frac_reward_zero_std = 1"):
        callback.on_log(None, TrainerState(), None, logs={"frac_reward_zero_std": 1.0, "completions/clipped_ratio": 1.0})


class _Model:
    def __init__(self):
        self.saved = []

    def save_pretrained(self, path):
        path.mkdir(parents=True)
        self.saved.append(path.name)


def test_resume_drops_newer_rows_and_adapters(tmp_path):
    rewards = iter([0.1, 0.3, 0.2, 0.5])
    callback = ValidationCallback(lambda model, step: {"step": step, "reward": next(rewards)},
                                  history_path=tmp_path / "h.csv", adapters_dir=tmp_path / "a", eval_steps=2, patience=5)
    model, control = _Model(), TrainerControl()
    callback.on_train_begin(None, TrainerState(global_step=0), control, model=model)
    for step in (2, 4, 6):
        callback.on_step_end(None, TrainerState(global_step=step, max_steps=10), control, model=model)
    assert model.saved == ["step-0", "step-2", "step-6"]
    resumed = ValidationCallback(None, history_path=tmp_path / "h.csv", adapters_dir=tmp_path / "a", eval_steps=2,
                                 patience=5)
    resumed.on_train_begin(None, TrainerState(global_step=4), control, model=model)
    assert [row["step"] for row in read_history(tmp_path / "h.csv")] == [0, 2, 4]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["step-0", "step-2"]
    assert resumed.best["step"] == 2 and resumed.evals_since_best() == 1


def test_sampler_repeats_each_prompt_and_follows_the_weights():
    tasks = ["extraction"] * 50 + ["push"] * 50
    sampler = TaskWeightedSampler(tasks, settings={"lambda": 1.0, "beta": 5.0}, prompts_per_step=2,
                                  num_generations=4, seed=0)
    indices = list(sampler)
    assert len(indices) == len(sampler) == 400
    groups = [indices[i:i + 4] for i in range(0, len(indices), 4)]
    assert all(len(set(group)) == 1 for group in groups)
    for _ in range(5):  # extraction keeps scoring high: IWU moves weight to the stagnating task
        sampler.update({"extraction": 0.9, "push": 0.1})
    assert sampler.weights["push"] > 0.6
    drawn = Counter(tasks[i] for i in list(sampler)[::4])
    assert drawn["push"] > drawn["extraction"]
    assert math.isclose(sum(sampler.update({"push": float("nan")}).values()), 1.0)
