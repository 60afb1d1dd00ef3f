"""Config sections and call arguments shared by the training tests (tiny, fast values)."""
import copy

from modeling.tiny_fixtures import TINY_MODEL

LORA = {"r": 8, "alpha": 16, "dropout": 0.0, "target_modules": "all-linear", "modules_to_save": ["norm"]}
SFT = {"enabled": True, "tasks": ["extraction", "sql_qa", "insights", "push"], "epochs": 2,
       "learning_rate": 2.0e-3, "batch_size": 8, "max_length": 1024, "full_parameter": False, "seed": 0, "optimizer": "adamw_torch_fused",
       "weight_decay": 0.0, "gradient_accumulation_steps": 1, "warmup_ratio": 0.0, "loss_type": "nll"}
GRPO = {
    "init": "sft", "learning_rate": 1.0e-3, "lr_scheduler_type": "constant_with_warmup", "warmup_ratio": 0.05,
    "optimizer": "adamw_torch_fused", "weight_decay": 0.0,
    "beta": 0.0, "loss_type": "dr_grpo", "scale_rewards": "none", "num_generations": 4, "prompts_per_step": 2,
    "max_completion_length": 32, "temperature": 1.0, "top_p": 1.0, "top_k": 0, "max_steps": 4, "eval_steps": 2,
    "save_steps": 2, "patience": 3, "multi_objective_aggregation": "sum_then_normalize",
    "task_weighting": {"enabled": False, "lambda": 1.0, "beta": 0.1}, "epsilon_high": 0.2,
    "mask_truncated_completions": False, "report_to": [], "eval_subset": 4,
    "eval_decoding": {"temperature": 0.0, "top_p": 1.0, "top_k": 0, "max_new_tokens": 24, "batch_size": 8},
    "preflight_steps": 0, "preflight_probe_prompts": 2, "task_mix": None, "entropy_floor": 0.05,
    "vllm": {"enabled": False, "mode": "colocate", "gpu_memory_utilization": 0.3, "server_base_url": None,
             "enable_sleep_mode": False, "importance_sampling_correction": True},
}


def grpo_section(**changes) -> dict:
    return {**copy.deepcopy(GRPO), **changes}


def grpo_kwargs(inputs: dict, base, out, grpo: dict, *, init_adapter=None, seed: int = 42) -> dict:
    """Keyword arguments of train_grpo, writing under ``out``."""
    return dict(
        train=inputs["train"], validation=inputs["validation"], base=base, audit=None, db=inputs["db"],
        init_adapter=init_adapter, seed=seed, work_dir=out / "work",
        outputs={"checkpoints": out / "checkpoints", "eval_history": out / "eval_history.csv",
                 "metrics": out / "metrics.csv"},
        model=TINY_MODEL, lora=LORA, rewards=None, grpo=grpo,
    )
