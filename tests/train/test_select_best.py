"""select_best picks the validation peak (L-early-stopping: peak at 1100, collapse by 1500), not the last step."""
import csv
import json

import pytest
import torch
from peft import PeftModel

from commerce_grpo.modeling import attach_lora, load_model
from commerce_grpo.train.select_best import pick_peak, select_best
from commerce_grpo.train.validation import history_columns
from modeling.tiny_fixtures import TINY_MODEL
from task_names import TASKS
from train.train_fixtures import GRPO, LORA

# Rises, peaks at step 20, collapses (the study's shape).
HISTORY = [(0, 0.30), (10, 0.45), (20, 0.63), (30, 0.52), (40, 0.10)]


def _checkpoints(tiny_base, root):
    """One distinct adapter per evaluated step, as ValidationCallback would leave them."""
    model, _ = load_model(tiny_base, model=TINY_MODEL, trainable=True)
    peft_model = attach_lora(model, lora=LORA, model=TINY_MODEL, seed=0)
    for step, _ in HISTORY:
        with torch.no_grad():
            for name, param in peft_model.named_parameters():
                if "lora_B" in name:
                    param.fill_(step / 1000)
        peft_model.save_pretrained(root / f"step-{step}")
    return root


def _history(path):
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=history_columns(TASKS))
        writer.writeheader()
        for step, reward in HISTORY:
            writer.writerow({"step": step, "reward": reward, "reward_extraction": reward + 0.1, "reward_sql_qa": "",
                             "reward_insights": reward, "reward_push": reward - 0.1,
                             "extraction_json_valid_rate": 0.9, "n_prompts": 26, "eval_seconds": 1.0})
    return path


def test_select_best_picks_the_early_peak(tiny_base, tmp_path):
    checkpoints = _checkpoints(tiny_base, tmp_path / "checkpoints")
    record = select_best(checkpoints=checkpoints, eval_history=_history(tmp_path / "eval_history.csv"),
                         base=tiny_base, outputs={"best": tmp_path / "best"}, seed=42, model=TINY_MODEL, grpo=GRPO)
    assert record["step"] == 20 and record["reward"] == pytest.approx(0.63)
    saved = json.loads((tmp_path / "best" / "best.json").read_text())
    assert saved["step"] == 20 and saved["seed"] == 42
    assert saved["reward_per_task"]["extraction"] == pytest.approx(0.73)
    assert saved["reward_per_task"]["sql_qa"] is None
    assert "last evaluation (step 40) scored 0.1000" in saved["why"]
    card = (tmp_path / "best" / "README.md").read_text()
    assert card.startswith("---\nlibrary_name: peft") and "step 20" in card and "| extraction | 0.7300 |" in card
    # the recipe as trained, including what Unsloth would otherwise default (docs/gpu.md)
    assert f"| optimizer | {GRPO['optimizer']} |" in card and f"| weight_decay | {GRPO['weight_decay']} |" in card
    base, _ = load_model(tiny_base, model=TINY_MODEL)
    loaded = PeftModel.from_pretrained(base, tmp_path / "best")
    lora_b = next(p for n, p in loaded.named_parameters() if "lora_B" in n)
    assert torch.allclose(lora_b, torch.full_like(lora_b, 0.020))  # the step-20 adapter, not step 40's


def test_ties_go_to_the_earliest_step_and_step_0_is_explained():
    rows = [{"step": 0, "reward": 0.5}, {"step": 10, "reward": 0.5}, {"step": 20, "reward": 0.4}]
    best, why = pick_peak(rows)
    assert best["step"] == 0 and "starting adapter" in why


def test_missing_adapter_for_the_peak_names_it(tiny_base, tmp_path):
    (tmp_path / "checkpoints").mkdir()
    with pytest.raises(FileNotFoundError, match="step 20"):
        select_best(checkpoints=tmp_path / "checkpoints", eval_history=_history(tmp_path / "h.csv"), base=tiny_base,
                    outputs={"best": tmp_path / "best"}, seed=1, model=TINY_MODEL, grpo=GRPO)
