"""GRPO: the recipe mapping, explicit rollout decoding, outputs, early stopping, preflight."""
import csv
import json
import shutil

import pytest
import torch
from transformers import GenerationConfig

from commerce_grpo.modeling import load_model
from commerce_grpo.train.callbacks import PreflightError
from commerce_grpo.train.grpo import WorkDir, build_trainer, grpo_config, train_grpo
from commerce_grpo.train.validation import ValidationEvaluator
from modeling.tiny_fixtures import TINY_MODEL
from train.train_fixtures import LORA, grpo_kwargs, grpo_section


def _rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_recipe_value_reaches_grpo_config(tmp_path):
    grpo = grpo_section(loss_type="dapo", scale_rewards="group", beta=0.04, num_generations=16, prompts_per_step=2,
                        max_completion_length=512, temperature=0.9, top_p=0.95, top_k=20, learning_rate=5e-6,
                        warmup_ratio=0.05, epsilon_high=0.28, mask_truncated_completions=True,
                        multi_objective_aggregation="normalize_then_sum", max_steps=1500, save_steps=100)
    args = grpo_config(grpo, seed=7, output_dir=tmp_path, weights=[1.0, -0.2])
    assert (args.loss_type, args.scale_rewards, args.beta) == ("dapo", "group", 0.04)
    assert (args.num_generations, args.per_device_train_batch_size, args.generation_batch_size) == (16, 32, 32)
    assert args.steps_per_generation == 1 and args.gradient_accumulation_steps == 1
    assert (args.max_completion_length, args.temperature, args.top_p, args.top_k) == (512, 0.9, 0.95, 20)
    assert args.learning_rate == 5e-6 and args.lr_scheduler_type == "constant_with_warmup"
    assert args.get_warmup_steps(1500) == 75  # 5 % of max_steps: transformers 5 reads warmup_steps < 1 as a ratio
    assert (args.epsilon_high, args.mask_truncated_completions) == (0.28, True)
    assert args.multi_objective_aggregation == "normalize_then_sum" and args.reward_weights == [1.0, -0.2]
    assert (args.max_steps, args.save_steps, args.seed) == (1500, 100, 7)
    assert args.use_cpu and not args.bf16 and not args.gradient_checkpointing


def test_outputs_appear_and_work_dir_goes(tiny_inputs, tiny_base, sft_adapter, tmp_path):
    kwargs = grpo_kwargs(tiny_inputs, tiny_base, tmp_path, grpo_section(task_weighting={"enabled": True, "lambda": 1.0, "beta": 0.5}),
                         init_adapter=sft_adapter)
    best = train_grpo(**kwargs)
    history = _rows(tmp_path / "eval_history.csv")
    assert [int(r["step"]) for r in history] == [0, 2, 4]
    assert {"reward_extraction", "reward_push", "extraction_json_valid_rate", "sql_qa_exec_match_rate",
            "push_within_120_rate"} <= set(history[0])
    metrics = _rows(tmp_path / "metrics.csv")
    assert [int(r["step"]) for r in metrics if r.get("loss")] == [1, 2, 3, 4]
    for column in ("frac_reward_zero_std", "entropy", "completions/clipped_ratio", "step_time", "grad_norm",
                   "learning_rate", "rewards/extraction/sentiment/mean", "task_weight/push",
                   "task_clipped_ratio/push", "task_reward_std/sql_qa"):
        assert column in metrics[0], column
    checkpoints = tmp_path / "checkpoints"
    assert (checkpoints / f"step-{best['step']}" / "adapter_config.json").exists()
    assert (checkpoints / "final" / "adapter_model.safetensors").exists()
    assert json.loads((checkpoints / "trainer_state.json").read_text())["global_step"] == 4
    assert not (tmp_path / "work").exists()


def test_model_generation_config_does_not_decide_rollouts(tiny_inputs, tiny_base, tmp_path):
    """L-gen-config: a base whose generation_config says temperature 0.1 must not change rollouts."""
    base = tmp_path / "base"
    shutil.copytree(tiny_base, base)
    GenerationConfig(do_sample=True, temperature=0.1, top_p=0.05, top_k=1, max_new_tokens=2,
                     eos_token_id=2, pad_token_id=0).save_pretrained(base)
    trainer, _ = build_trainer(train=tiny_inputs["train"], validation=tiny_inputs["validation"], base=base,
                               db=tiny_inputs["db"], init_adapter=None, seed=0, work=WorkDir(tmp_path / "work"),
                               model=TINY_MODEL, lora=LORA, rewards=None, grpo=grpo_section(max_steps=1))
    assert trainer.model.generation_config.temperature == 0.1  # the checkpoint's value is really there
    rollouts = []
    generate = trainer.model.generate

    def spy(*args, **kwargs):
        output = generate(*args, **kwargs)
        if kwargs.get("generation_config") is trainer.generation_config:  # rollouts, not validation evals
            rollouts.append(output)
        return output

    trainer.model.generate = spy
    trainer.train()
    assert rollouts, "no rollout generation was observed"
    completions = rollouts[-1][:, -32:]
    groups = completions.view(-1, 4, completions.shape[-1])
    assert all(len({tuple(row.tolist()) for row in group}) > 1 for group in groups)
    assert trainer.generation_config.temperature == 1.0 and trainer.generation_config.top_k == 0
    assert max(len(c) for c in completions.tolist()) == 32  # max_completion_length, not the checkpoint's 2


def test_small_patience_stops_early_and_keeps_the_peak(tiny_inputs, tiny_base, tmp_path, monkeypatch):
    scripted = iter([0.2, 0.5, 0.4, 0.3, 0.9, 0.9])  # peak at the second evaluation (step 2)

    def fake_eval(self, model, step):
        return {"step": step, "reward": next(scripted), "n_prompts": 0, "eval_seconds": 0.0}

    monkeypatch.setattr(ValidationEvaluator, "__call__", fake_eval)
    kwargs = grpo_kwargs(tiny_inputs, tiny_base, tmp_path, grpo_section(max_steps=12, eval_steps=2, save_steps=4, patience=2))
    best = train_grpo(**kwargs)
    assert best["step"] == 2
    assert [int(r["step"]) for r in _rows(tmp_path / "eval_history.csv")] == [0, 2, 4, 6]
    state = json.loads((tmp_path / "checkpoints" / "trainer_state.json").read_text())
    assert state["global_step"] == 6  # stopped after two evaluations without improvement, not at 12
    assert sorted(p.name for p in (tmp_path / "checkpoints").glob("step-*")) == ["step-0", "step-2"]


def test_identical_rollouts_trip_the_preflight(tiny_inputs, tiny_base, tmp_path):
    kwargs = grpo_kwargs(tiny_inputs, tiny_base, tmp_path,
                         grpo_section(temperature=1e-4, preflight_steps=2, max_steps=4, eval_steps=10, save_steps=10))
    with pytest.raises(PreflightError, match="zero variance"):
        train_grpo(**kwargs)
    assert not (tmp_path / "metrics.csv").exists()  # no outputs from a failed run


def test_completions_all_at_the_ceiling_trip_the_preflight(tiny_inputs, tiny_base, tmp_path):
    kwargs = grpo_kwargs(tiny_inputs, tiny_base, tmp_path,
                         grpo_section(max_completion_length=2, preflight_steps=2, max_steps=4, eval_steps=10, save_steps=10))
    with pytest.raises(PreflightError, match="max_completion_length=2"):
        train_grpo(**kwargs)


def test_gdpo_aggregation_and_dapo_loss_train(tiny_inputs, tiny_base, tmp_path):
    """The V4.2 options (GDPO per-component normalisation, dapo loss, group scaling) run end to end."""
    grpo = grpo_section(multi_objective_aggregation="normalize_then_sum", loss_type="dapo", scale_rewards="group",
                        max_steps=2, eval_steps=2, save_steps=2)
    best = train_grpo(**grpo_kwargs(tiny_inputs, tiny_base, tmp_path, grpo))
    rows = [r for r in _rows(tmp_path / "metrics.csv") if r["loss"]]
    assert len(rows) == 2 and all(r["grad_norm"] for r in rows) and best["step"] in (0, 2)


def test_task_mix_trains_only_the_tasks_it_weights(tiny_inputs, tiny_base, tmp_path):
    """grpo.task_mix decides which tasks GRPO draws; per-task signal is logged for every task."""
    grpo = grpo_section(task_mix={"push": 1, "extraction": 0}, max_steps=3, eval_steps=3, save_steps=3,
                        preflight_steps=2)
    train_grpo(**grpo_kwargs(tiny_inputs, tiny_base, tmp_path, grpo))
    rows = [r for r in _rows(tmp_path / "metrics.csv") if r["loss"]]
    assert len(rows) == 3
    assert all(float(r["task_clipped_ratio/push"]) >= 0 for r in rows)
    assert all(r["task_clipped_ratio/extraction"] in ("", "nan") for r in rows)  # never drawn


@pytest.mark.parametrize("warm_up_adapter", ["sft_adapter", "full_parameter_adapter"])
def test_kl_reference_is_a_frozen_copy_of_the_warm_up(warm_up_adapter, request, tiny_inputs, tiny_base, tmp_path):
    """beta > 0 from the SFT adapter: TRL copies the adapter into a "ref" adapter. With
    lora.modules_to_save the trained norms are part of it, with sft.full_parameter every weight is,
    so the KL term pulls towards the whole warm-up, and training moves only the "default" copies."""
    trainer, _ = build_trainer(train=tiny_inputs["train"], validation=tiny_inputs["validation"], base=tiny_base,
                               db=tiny_inputs["db"], init_adapter=request.getfixturevalue(warm_up_adapter), seed=0,
                               work=WorkDir(tmp_path / "work"), model=TINY_MODEL, lora=LORA, rewards=None,
                               grpo=grpo_section(beta=0.04, max_steps=2, eval_steps=2, save_steps=2))
    params = dict(trainer.model.named_parameters())
    ref_copies = {name: p.detach().clone() for name, p in params.items()
                  if ".modules_to_save.ref." in name}
    assert ref_copies and not any(params[name].requires_grad for name in ref_copies)
    if warm_up_adapter == "full_parameter_adapter":  # a reference copy of every weight (the head is tied)
        base, _ = load_model(tiny_base, model=TINY_MODEL)
        assert {name.replace("base_model.model.", "", 1).replace(".modules_to_save.ref", "") for name in ref_copies} \
            == {name for name, _ in base.named_parameters()}
    for name, value in ref_copies.items():
        assert torch.equal(value, params[name.replace(".ref.", ".default.")])
    trainer.train()
    params = dict(trainer.model.named_parameters())
    assert all(torch.equal(params[name], value) for name, value in ref_copies.items())
    # What the optimizer steps: every "default" copy, no "ref" copy. (Whether two sampled steps move
    # a weight depends on the rollouts' rewards differing within a group: not asserted.)
    stepped = {id(p) for group in trainer.optimizer.param_groups for p in group["params"]}
    assert all(id(params[name.replace(".ref.", ".default.")]) in stepped for name in ref_copies)
    assert not any(id(params[name]) in stepped for name in ref_copies)
