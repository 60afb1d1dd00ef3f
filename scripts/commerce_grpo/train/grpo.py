"""GRPO for one seed: TRL GRPOTrainer + LoRA, the recipe mapped once from the ``grpo`` section.

Everything a run needs to resume lives in ``work_dir`` (trainer checkpoints, eval history, the
adapters saved at each new best): Snakemake does not delete it when a job dies, so a rerun
continues from the last checkpoint (L-seeds: the study lost two seeds to a VM shutdown). The declared
outputs appear only when training ends, and work_dir is removed then.
"""
from __future__ import annotations

import functools
import json
import logging
import math
import shutil
import time
from pathlib import Path

import trl  # trainer/config classes looked up at call time: see commerce_grpo.unsloth_first
from transformers import PrinterCallback

from commerce_grpo import tasks as registry
from commerce_grpo.data.pairs import read_pairs
from commerce_grpo.rewards.judge import CALLS_METRIC as JUDGE_CALLS
from commerce_grpo.rewards.trl import make_reward_functions, reward_weights
from commerce_grpo.tasklib import errors as reward_errors
from commerce_grpo.train.callbacks import PreflightCallback, ValidationCallback
from commerce_grpo.train.datasets import JSON_COLUMNS, grpo_dataset
from commerce_grpo.train.metrics import MetricsCSVCallback, write_log_history
from commerce_grpo.train.progress import ProgressCallback
from commerce_grpo.train.preflight import probe_records, run_probe
from commerce_grpo.train.runtime import optimizer_options, runtime_options, trainable_policy
from commerce_grpo.train.sampling import TaskWeightedSampler
from commerce_grpo.train.validation import ValidationEvaluator, stratified_subset, tasks_of

log = logging.getLogger(__name__)


def grpo_config(grpo: dict, *, seed: int, output_dir, weights: list[float]) -> trl.GRPOConfig:
    """The one place the ``grpo`` section becomes TRL options. Nothing the recipe names is left
    to TRL's defaults (loss dapo, scale_rewards group, 8 generations today) nor to Unsloth's
    (optimizer, weight decay, importance sampling; docs/gpu.md): they are not the recipe's and
    they move between releases. Seeds and device options: ``runtime_options``."""
    completions_per_step = grpo["prompts_per_step"] * grpo["num_generations"]
    return trl.GRPOConfig(  # Unsloth's GRPOConfig once unsloth is imported
        output_dir=str(output_dir),
        max_steps=grpo["max_steps"],
        learning_rate=grpo["learning_rate"],
        lr_scheduler_type=grpo["lr_scheduler_type"],
        warmup_steps=grpo["warmup_ratio"],  # transformers 5: a value below 1 is a ratio of max_steps
        beta=grpo["beta"],
        loss_type=grpo["loss_type"],
        scale_rewards=grpo["scale_rewards"],
        multi_objective_aggregation=grpo["multi_objective_aggregation"],
        reward_weights=weights,
        num_generations=grpo["num_generations"],
        # TRL counts completions: prompts_per_step prompts × num_generations, generated once per step.
        per_device_train_batch_size=completions_per_step,
        per_device_eval_batch_size=completions_per_step,  # unused (eval_strategy "no"), set for both backends
        generation_batch_size=completions_per_step,
        gradient_accumulation_steps=1,
        num_iterations=1,
        max_completion_length=grpo["max_completion_length"],
        temperature=grpo["temperature"],
        top_p=grpo["top_p"],
        # vLLM reads top_k -1 and 0 alike (all tokens); Unsloth's GRPOConfig writes -1 under vLLM.
        top_k=-1 if grpo["vllm"]["enabled"] and grpo["top_k"] == 0 else grpo["top_k"],
        repetition_penalty=1.0,
        generation_kwargs={},
        router_aux_loss_coef=0.0,  # mixture-of-experts only; Unsloth's value, TRL's is model-dependent
        epsilon_high=grpo["epsilon_high"],
        mask_truncated_completions=grpo["mask_truncated_completions"],
        save_strategy="steps",
        save_steps=grpo["save_steps"],
        save_only_model=False,  # optimizer and RNG state are what make resume exact
        save_total_limit=2,  # resume needs the last one (the one before covers a save cut short)
        eval_strategy="no",  # validation runs in ValidationCallback, with our rewards and metrics
        report_to=list(grpo["report_to"]),
        **vllm_options(grpo["vllm"]),
        **optimizer_options(grpo),
        **runtime_options(seed),
    )


def vllm_options(vllm: dict) -> dict:
    """``grpo.vllm`` as TRL's rollout options (the one place): vLLM generates the GRPO rollouts,
    in this process sharing the GPU (colocate, ``gpu_memory_utilization`` of it) or from a
    ``trl vllm-serve`` server (server, at ``server_base_url``). Off: model.generate, TRL's default.
    On the unsloth backend the colocated engine is Unsloth's own (``load_model(vllm_engine=)``).
    Which combinations are supported: ``config_checks`` and docs/gpu.md. Needs vllm
    (envs/gpu.yaml pins 0.29.0) and a GPU; untested on GPU so far."""
    correction = {"vllm_importance_sampling_correction": vllm["importance_sampling_correction"]}
    if not vllm["enabled"]:
        return {"use_vllm": False, "vllm_mode": "colocate", **correction}
    options = {"use_vllm": True, "vllm_mode": vllm["mode"],
               "vllm_enable_sleep_mode": vllm["enable_sleep_mode"], **correction}
    if vllm["mode"] == "colocate":
        options["vllm_gpu_memory_utilization"] = vllm["gpu_memory_utilization"]
    elif vllm["server_base_url"]:
        options["vllm_server_base_url"] = vllm["server_base_url"]
    return options


def rollout_engine(vllm: dict, *, model: dict, lora: dict) -> dict | None:
    """Settings of Unsloth's own vLLM engine, which the unsloth backend starts at load for
    colocated rollouts (``fast_inference``): LoRA rollouts through the engine's LoRA support,
    no merged weights. None where TRL's engine (or none) serves the rollouts."""
    if not vllm["enabled"] or model["backend"] != "unsloth":
        return None
    return {"gpu_memory_utilization": vllm["gpu_memory_utilization"], "max_lora_rank": lora["r"]}


def decode_json_columns(reward_function):
    """The dataset stores references and sources as JSON text (see datasets.grpo_dataset); the
    reward functions get them back as dicts."""
    @functools.wraps(reward_function)
    def wrapped(prompts, completions, **kwargs):
        for column in JSON_COLUMNS:
            kwargs[column] = [json.loads(value) for value in kwargs[column]]
        return reward_function(prompts, completions, **kwargs)

    return wrapped


def commerce_trainer_class() -> type:
    """Our trainer on top of whatever ``trl.GRPOTrainer`` is now: Unsloth's once the unsloth backend
    is active (``load_model`` activates it), TRL's otherwise. Made at call time, not at import:
    a class statement would subclass plain TRL before unsloth could patch it (unsloth_first)."""
    base = trl.GRPOTrainer
    if base not in _TRAINER_CLASSES:
        _TRAINER_CLASSES[base] = type("CommerceGRPOTrainer", (CommerceGRPOMixin, base),
                                      {"__module__": __name__, "__doc__": CommerceGRPOMixin.__doc__})
    return _TRAINER_CLASSES[base]


_TRAINER_CLASSES: dict[type, type] = {}


class CommerceGRPOMixin:
    """GRPOTrainer plus reward-error counts and task weights in every log row (TRL logs step_time
    itself), and an optional task-weighted prompt sampler (MT-GRPO IWU)."""

    def __init__(self, *args, task_sampler: TaskWeightedSampler | None = None, **kwargs):
        self.task_sampler = task_sampler
        super().__init__(*args, **kwargs)
        # (task, component, weight) per reward function, to rebuild per-task rewards from the logs
        self._components = [(*name.split("/", 1), float(w))
                            for name, w in zip(self.reward_func_names, self.reward_weights.tolist(), strict=True)]
        self._tasks = sorted({task for task, _, _ in self._components if task in registry.REGISTRY})
        # The LLM judge's HTTP requests, logged cumulatively like the error counts (restart at 0 on resume).
        self._judges = [f.judge for f in self.reward_funcs if hasattr(f, "judge")]

    def _get_train_sampler(self, dataset=None):
        if self.task_sampler is None:
            return super()._get_train_sampler(dataset)
        return self.task_sampler

    def log(self, logs, start_time=None):
        for task, count in reward_errors.snapshot().items():
            logs[f"reward_errors/{task}"] = count
        for judge in self._judges:
            logs[JUDGE_CALLS] = judge.calls
        if self.task_sampler is not None and "loss" in logs:
            self.task_sampler.update(self._task_rewards())
            logs.update({f"task_weight/{task}": w for task, w in self.task_sampler.weights.items()})
        super().log(logs, start_time)

    def _calculate_rewards(self, inputs, prompts, completions, completion_ids_list):
        """TRL's rewards, plus per task this step: the share of rollouts that hit
        max_completion_length and the mean within-group reward std (NaN for a task not drawn),
        so metrics.csv shows which task gives signal (the preflight judges per task)."""
        rewards_per_func = super()._calculate_rewards(inputs, prompts, completions, completion_ids_list)
        if len(rewards_per_func) == len(inputs):  # one process: rows line up with this step's inputs
            mode = "train" if self.model.training else "eval"
            for key, value in self._per_task_signal(inputs, rewards_per_func, completion_ids_list).items():
                self._metrics[mode][key].append(value)
        return rewards_per_func

    def _per_task_signal(self, inputs, rewards_per_func, completion_ids_list) -> dict[str, float]:
        ends = {*self.eos_token_ids, self.processing_class.pad_token_id}
        totals = (rewards_per_func * self.reward_weights.to(rewards_per_func.device)).nansum(dim=1).tolist()
        size = self.num_generations
        stats = {task: {"clipped": [], "stds": []} for task in self._tasks}
        for first in range(0, len(inputs), size):
            task = inputs[first]["task"]
            group = totals[first:first + size]
            mean = sum(group) / len(group)
            stats.setdefault(task, {"clipped": [], "stds": []})["stds"].append(
                math.sqrt(sum((v - mean) ** 2 for v in group) / len(group)))
            stats[task]["clipped"].extend(not ids or ids[-1] not in ends
                                          for ids in completion_ids_list[first:first + size])
        signal = {}
        for task, s in stats.items():
            signal[f"task_clipped_ratio/{task}"] = sum(s["clipped"]) / len(s["clipped"]) if s["clipped"] else math.nan
            signal[f"task_reward_std/{task}"] = sum(s["stds"]) / len(s["stds"]) if s["stds"] else math.nan
        return signal

    def _task_rewards(self) -> dict[str, float]:
        """This step's mean training reward per task (weighted component means; NaN for a task not
        sampled), read from the metrics GRPOTrainer.log is about to average and log."""
        totals: dict[str, float] = {}
        for task, component, weight in self._components:
            values = [v for v in self._metrics["train"].get(f"rewards/{task}/{component}/mean", [])
                      if not math.isnan(v)]
            mean = sum(values) / len(values) if values else math.nan
            totals[task] = totals.get(task, 0.0) + weight * mean
        return totals


class WorkDir:
    """The layout of a seed's work_dir: trainer checkpoints, improving adapters, live CSVs."""

    def __init__(self, root):
        self.root = Path(root)
        self.trainer = self.root / "trainer"
        self.adapters = self.root / "adapters"
        self.eval_history = self.root / "eval_history.csv"
        self.metrics = self.root / "metrics.csv"

    def last_checkpoint(self) -> str | None:
        """The newest complete checkpoint. Trainer writes trainer_state.json last, so a job killed
        while saving leaves a folder without a readable one: skipped, the previous one is used."""
        candidates = sorted(self.trainer.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[-1]),
                            reverse=True) if self.trainer.is_dir() else []
        for checkpoint in candidates:
            try:
                json.loads((checkpoint / "trainer_state.json").read_text(encoding="utf-8"))
                return str(checkpoint)
            except (OSError, ValueError):
                log.warning("skipping incomplete checkpoint %s (no readable trainer_state.json)", checkpoint)
        return None


def build_trainer(*, train, validation, base, db, init_adapter, seed: int, work: WorkDir, model: dict,
                  lora: dict, rewards: dict, grpo: dict) -> tuple[trl.GRPOTrainer, ValidationCallback]:
    """The trainer with our callbacks, ready to ``train()`` (the benchmark times exactly this)."""
    records = read_pairs(train)
    tasks = list(tasks_of(records))
    policy, tokenizer = trainable_policy(base, model=model, lora=lora, seed=seed, adapter=init_adapter,
                                         vllm_engine=rollout_engine(grpo["vllm"], model=model, lora=lora))
    reward_errors.reset()
    functions = [decode_json_columns(f) for f in make_reward_functions(db=db, config=rewards, tasks=tasks)]
    evaluator = ValidationEvaluator(
        stratified_subset(read_pairs(validation), grpo["eval_subset"]),
        tokenizer=tokenizer, db=db, rewards=rewards, decoding=dict(grpo["eval_decoding"]), seed=seed,
    )
    validation_callback = ValidationCallback(
        evaluator, columns=evaluator.columns, history_path=work.eval_history, adapters_dir=work.adapters,
        eval_steps=grpo["eval_steps"], patience=grpo["patience"],
    )
    task_sampler = None
    mix = grpo["task_mix"]
    if grpo["task_weighting"]["enabled"] or mix:
        task_sampler = TaskWeightedSampler(
            [r["task"] for r in records], settings=grpo["task_weighting"],
            prompts_per_step=grpo["prompts_per_step"], num_generations=grpo["num_generations"], seed=seed,
            mix=mix or None, adaptive=grpo["task_weighting"]["enabled"],
        )
    drawn = task_sampler.tasks if task_sampler is not None else tasks
    probe = functools.partial(
        _probe, tokenizer=tokenizer, records=probe_records(records, drawn, grpo["preflight_probe_prompts"], seed),
        db=db, rewards=rewards, grpo=grpo, seed=seed,
    ) if grpo["preflight_probe_prompts"] else None
    trainer = commerce_trainer_class()(
        model=policy,
        reward_funcs=functions,
        args=grpo_config(grpo, seed=seed, output_dir=work.trainer, weights=reward_weights(rewards, tasks=tasks)),
        train_dataset=grpo_dataset(records),
        processing_class=tokenizer,
        task_sampler=task_sampler,
        callbacks=[
            MetricsCSVCallback(work.metrics),
            PreflightCallback(steps=grpo["preflight_steps"], max_completion_length=grpo["max_completion_length"],
                              temperature=grpo["temperature"], entropy_floor=grpo["entropy_floor"], probe=probe),
            validation_callback,
            ProgressCallback(f"grpo seed {seed}"),
        ],
    )
    trainer.remove_callback(PrinterCallback)  # MetricsCSVCallback logs one concise line per step
    return trainer, validation_callback


def _probe(model, *, tokenizer, records, db, rewards, grpo: dict, seed: int):
    """The preflight probe at the rollout decoding (``preflight.run_probe``)."""
    eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    generation_eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    eos += generation_eos if isinstance(generation_eos, list) else [generation_eos] if generation_eos is not None else []
    return run_probe(model, tokenizer, records, num_generations=grpo["num_generations"],
                     max_completion_length=grpo["max_completion_length"], temperature=grpo["temperature"],
                     top_p=grpo["top_p"], top_k=grpo["top_k"], eos_token_ids=eos, db=db, rewards=rewards, seed=seed)


def train_grpo(*, train, validation, base, audit, db, init_adapter=None, outputs: dict, seed: int,
               work_dir, model: dict, lora: dict, rewards: dict, grpo: dict) -> dict:
    """Train one seed, resuming from work_dir's last checkpoint; returns the best validation row.

    ``audit`` is an input only so that nothing trains before the reward audit passes.
    """
    work = WorkDir(work_dir)
    resume_from = work.last_checkpoint()
    log.info("seed %d: %s", seed, f"resuming from checkpoint {resume_from}" if resume_from else "starting at step 0")
    trainer, validation = build_trainer(
        train=train, validation=validation, base=base, db=db, init_adapter=init_adapter, seed=seed, work=work,
        model=model, lora=lora, rewards=rewards, grpo=grpo,
    )
    started = time.perf_counter()
    trainer.train(resume_from_checkpoint=resume_from)
    state = trainer.state
    log.info("seed %d: trained to step %d in %.1f s%s; best %s", seed, state.global_step,
             time.perf_counter() - started,
             f" (early stop at {validation.stopped_early_at})" if validation.stopped_early_at else "",
             validation.best)
    if validation.best is None:
        raise RuntimeError(f"seed {seed}: no validation evaluation produced a reward; see {work.eval_history}")
    trainer.model.save_pretrained(work.adapters / "final")
    state.save_to_json(str(work.adapters / "trainer_state.json"))
    write_log_history(state.log_history, outputs["metrics"])
    shutil.copyfile(work.eval_history, outputs["eval_history"])
    shutil.rmtree(outputs["checkpoints"], ignore_errors=True)
    shutil.move(str(work.adapters), outputs["checkpoints"])
    shutil.rmtree(work.root)
    return validation.best
