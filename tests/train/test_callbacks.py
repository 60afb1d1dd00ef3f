"""Preflight, early stopping bookkeeping and the task-weighted sampler, without a trainer."""
import math
from collections import Counter

import pytest
from transformers import TrainerControl, TrainerState

from commerce_grpo.train.callbacks import PreflightCallback, PreflightError, ValidationCallback, read_history
from commerce_grpo.train.preflight import TaskProbe, judge
from commerce_grpo.train.sampling import TaskWeightedSampler
from commerce_grpo.train.validation import history_columns


def _preflight(steps=2, probe=None):
    return PreflightCallback(steps=steps, max_completion_length=64, temperature=1.0, entropy_floor=0.1, probe=probe)


def _task(clipped, stds):
    return TaskProbe(n_rollouts=4 * len(stds), clipped_ratio=clipped, reward_std=sum(stds) / len(stds),
                     zero_std_groups=sum(1 for s in stds if s == 0), n_groups=len(stds))


def test_judge_warns_about_a_hopeless_task_but_lets_the_run_go():
    probe = {"extraction": _task(0.1, [0.2, 0.0]), "sql_qa": _task(1.0, [0.0, 0.0]), "push": _task(0.5, [0.1, 0.3])}
    warnings, failure = judge(probe, max_completion_length=64, temperature=0.3)
    assert failure is None
    assert len(warnings) == 1 and "task sql_qa" in warnings[0] and "clipped ratio 1.00" in warnings[0]


def test_judge_stops_when_no_task_finishes_or_nothing_varies():
    _, failure = judge({"extraction": _task(1.0, [0.1]), "push": _task(1.0, [0.2])}, max_completion_length=64,
                       temperature=0.3)
    assert failure and "no task finished an answer" in failure
    _, failure = judge({"extraction": _task(0.0, [0.0, 0.0]), "push": _task(0.2, [0.0])}, max_completion_length=64,
                       temperature=0.3)
    assert failure and "zero variance" in failure and "temperature 0.3" in failure


def test_probe_failure_stops_before_step_one_and_warnings_do_not(caplog):
    hopeless = _preflight(probe=lambda model: {"push": _task(1.0, [0.0])})
    with pytest.raises(PreflightError, match="no task finished an answer"):
        hopeless.on_train_begin(None, TrainerState(), None, model=None)
    fine = _preflight(probe=lambda model: {"push": _task(0.0, [0.1]), "insights": _task(1.0, [0.0])})
    fine.on_train_begin(None, TrainerState(), None, model=None)
    assert any("task insights" in r.message for r in caplog.records)
    resumed = _preflight(probe=lambda model: pytest.fail("the probe must not run on resume"))
    resumed.on_train_begin(None, TrainerState(global_step=10), None, model=None)
    off = _preflight(steps=0, probe=lambda model: pytest.fail("preflight_steps 0 turns the probe off"))
    off.on_train_begin(None, TrainerState(), None, model=None)


def test_steps_drawing_only_long_answer_tasks_first_do_not_stop(caplog):
    """Which tasks the first steps draw is luck: all-truncated early steps warn per task, never stop."""
    callback = _preflight(steps=3)
    for step in range(3):
        callback.on_log(None, TrainerState(global_step=step + 1), None,
                        logs={"frac_reward_zero_std": 1.0, "completions/clipped_ratio": 1.0,
                              "task_clipped_ratio/sql_qa": 1.0, "task_clipped_ratio/insights": 1.0,
                              "task_clipped_ratio/push": math.nan})
    warned = [r.message for r in caplog.records if "every rollout hit" in r.message]
    assert len(warned) == 2 and any("task sql_qa" in m for m in warned) and not any("push" in m for m in warned)


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


class _Model:
    def __init__(self):
        self.saved = []

    def save_pretrained(self, path):
        path.mkdir(parents=True)
        self.saved.append(path.name)


COLUMNS = history_columns(("push",))


def test_resume_drops_newer_rows_and_adapters(tmp_path):
    rewards = iter([0.1, 0.3, 0.2, 0.5])
    callback = ValidationCallback(lambda model, step: {"step": step, "reward": next(rewards)}, columns=COLUMNS,
                                  history_path=tmp_path / "h.csv", adapters_dir=tmp_path / "a", eval_steps=2, patience=5)
    model, control = _Model(), TrainerControl()
    callback.on_train_begin(None, TrainerState(global_step=0), control, model=model)
    for step in (2, 4, 6):
        callback.on_step_end(None, TrainerState(global_step=step, max_steps=10), control, model=model)
    assert model.saved == ["step-0", "step-2", "step-6"]
    resumed = ValidationCallback(None, columns=COLUMNS, history_path=tmp_path / "h.csv", adapters_dir=tmp_path / "a", eval_steps=2,
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


def test_task_mix_draws_by_fixed_weights_and_never_a_zero_task():
    tasks = ["extraction"] * 40 + ["sql_qa"] * 30 + ["insights"] * 20 + ["push"] * 10
    sampler = TaskWeightedSampler(tasks, settings={"lambda": 1.0, "beta": 5.0}, prompts_per_step=2, num_generations=4,
                                  seed=3, mix={"push": 4, "sql_qa": 1, "insights": 1, "extraction": 0}, adaptive=False)
    drawn = Counter(tasks[i] for i in list(sampler)[::4])
    assert "extraction" not in drawn and sampler.tasks == ["sql_qa", "insights", "push"]
    assert drawn["push"] > 2 * (drawn["sql_qa"] + drawn["insights"]) / 2 and drawn["sql_qa"] > 0
    before = sampler.weights
    assert sampler.update({"push": 0.9, "sql_qa": 0.1}) == before  # fixed mix: no IWU step


def test_task_mix_rejects_a_task_outside_the_pool():
    with pytest.raises(ValueError, match="task_mix"):
        TaskWeightedSampler(["push"] * 4, settings={"lambda": 1.0, "beta": 0.1}, prompts_per_step=2,
                            num_generations=2, seed=0, mix={"sql_qa": 1})
