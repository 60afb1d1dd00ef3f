"""The Hugging Face model card (README.md) written next to a selected adapter."""
from __future__ import annotations

RECIPE_KEYS = ("init", "learning_rate", "lr_scheduler_type", "warmup_ratio", "optimizer", "weight_decay",
               "beta", "loss_type", "scale_rewards", "num_generations", "prompts_per_step", "task_mix",
               "max_completion_length", "temperature", "top_p", "top_k", "max_steps", "eval_steps", "patience",
               "multi_objective_aggregation", "epsilon_high", "mask_truncated_completions")


def model_card(best: dict, *, base_info: dict, model: dict, grpo: dict) -> str:
    """Markdown with YAML front matter: base model, recipe, data, validation results."""
    embedded = base_info["embedded"]
    base_name = base_info["id"]
    front = ["---", "library_name: peft", "language: [pt]", "pipeline_tag: text-generation",
             "tags: [grpo, lora, trl, e-commerce, commerce-grpo]"]
    if not embedded:
        front.append(f"base_model: {base_name}")
    front.append("---")
    base_line = (f"the embedded tiny Qwen2 model built offline by the pipeline ({base_info.get('parameters', '?')} "
                 "parameters) — a demo of the workflow, not a useful model" if embedded else f"`{base_name}`")
    rows = "\n".join(
        f"| {task} | {_fmt(value)} |" for task, value in best["reward_per_task"].items()
    )
    metrics = "\n".join(f"| {name} | {_fmt(value)} |" for name, value in best["metrics"].items())
    recipe = "\n".join(f"| {key} | {grpo[key]} |" for key in RECIPE_KEYS if key in grpo)
    return f"""{chr(10).join(front)}

# commerce-grpo adapter — seed {best['seed']}, step {best['step']}

A LoRA adapter trained with GRPO (TRL) on Brazilian e-commerce tasks in PT-BR: {", ".join(best["reward_per_task"])}.

- **Base model:** {base_line}
- **Backend:** {model['backend']}, 4-bit: {model['load_in_4bit']}
- **Selected because:** {best['why']}

## Load

```python
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer

base = AutoModelForCausalLM.from_pretrained("{'results/models/base' if embedded else base_name}")
model = PeftModel.from_pretrained(base, "<this folder>")
```

## Validation results at step {best['step']}

Mean validation reward {_fmt(best['reward'])} over the validation split (never the final eval prompts).

| task | reward |
|---|---|
{rows}

| independent metric | value |
|---|---|
{metrics}

## Recipe

| key | value |
|---|---|
{recipe}

## Data

Pairs built from commerce.db (Olist schema; synthetic unless the Olist CSVs were provided) by the
`pairs` rule: train for GRPO, validation for checkpoint selection, eval held out for the final report.
"""


def _fmt(value) -> str:
    return "—" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)
