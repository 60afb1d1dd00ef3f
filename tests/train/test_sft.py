"""SFT warm-up: assistant-only loss, task filter, outputs; demonstrations per task."""
import csv
import json

import pytest
import torch
from trl import SFTTrainer

from commerce_grpo.data.pairs import read_pairs
from commerce_grpo.modeling import load_model
from commerce_grpo.rewards import score
from commerce_grpo.tasklib.prompts import PUSH_MAX_CHARS
from commerce_grpo.tasks import assistant_target
from commerce_grpo.train.datasets import sft_dataset
from commerce_grpo.train.sft import sft_config, train_sft
from modeling.tiny_fixtures import TINY_MODEL
from train.train_fixtures import LORA, SFT


def test_sft_writes_adapter_and_metrics(sft_adapter):
    assert (sft_adapter / "adapter_config.json").exists()
    with open(sft_adapter.parent / "metrics.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    losses = [float(r["loss"]) for r in rows if r["loss"]]
    assert len(losses) == 12  # 48 pairs / batch 8 × 2 epochs
    assert any(r["eval_loss"] for r in rows)


def test_task_filter_trains_on_those_tasks_only(tiny_inputs, tiny_base, tmp_path):
    result = train_sft(train=tiny_inputs["train"], validation=tiny_inputs["validation"], base=tiny_base, audit=None,
                       outputs={"adapter": tmp_path / "a", "metrics": tmp_path / "m.csv"}, model=TINY_MODEL,
                       lora=LORA, sft={**SFT, "tasks": ["push"], "epochs": 1})
    assert result["train_pairs"] == 8  # the fixture's push pairs, not all 48


def test_loss_covers_assistant_tokens_only(tiny_inputs, tiny_base, tmp_path):
    _, tokenizer = load_model(tiny_base, model=TINY_MODEL)
    records = read_pairs(tiny_inputs["train"], tasks=["extraction"])[:2]
    model, _ = load_model(tiny_base, model=TINY_MODEL)
    trainer = SFTTrainer(model=model, args=sft_config(SFT, str(tmp_path)), train_dataset=sft_dataset(records),
                         processing_class=tokenizer)
    batch = trainer.data_collator([trainer.train_dataset[0]])
    labelled = [t for t, label in zip(batch["input_ids"][0].tolist(), batch["labels"][0].tolist()) if label != -100]
    assert tokenizer.decode(labelled) == assistant_target(records[0]) + "<|im_end|>"


def test_unknown_pairs_file_lines_are_named(tmp_path):
    (tmp_path / "bad.jsonl").write_text('{"task": "push"}\n')
    with pytest.raises(ValueError, match="bad.jsonl:1"):
        read_pairs(tmp_path / "bad.jsonl")


def test_demonstrations_follow_each_task_format(tiny_inputs):
    for record in read_pairs(tiny_inputs["train"]):
        target = assistant_target(record)
        if record["task"] == "extraction":
            assert json.loads(target) == record["reference"]
        elif record["task"] == "sql_qa":
            assert target.startswith("```sql\n") and record["reference"]["sql"] in target
        elif record["task"] == "push":
            assert len(target) <= PUSH_MAX_CHARS
        assert score(record, target, db=tiny_inputs["db"]).total > 0.5, (record["task"], target)


def test_full_parameter_sft_trains_every_weight_into_an_adapter(tiny_inputs, tiny_base, tmp_path):
    """sft.full_parameter: every weight of the base gets a trained copy, saved as a PEFT adapter that
    load_model reads back like a LoRA one (the output head tied to the trained embeddings)."""
    adapter = tmp_path / "adapter"
    train_sft(train=tiny_inputs["train"], validation=tiny_inputs["validation"], base=tiny_base, audit=None,
              outputs={"adapter": adapter, "metrics": tmp_path / "m.csv"}, model=TINY_MODEL, lora=LORA,
              sft={**SFT, "tasks": ["extraction"], "epochs": 1, "full_parameter": True})
    base, _ = load_model(tiny_base, model=TINY_MODEL)
    tuned, _ = load_model(tiny_base, adapter=adapter, model=TINY_MODEL)
    weights = {name: p for name, p in tuned.named_parameters() if ".modules_to_save.default." in name}
    assert not any("lora_" in name for name, _ in tuned.named_parameters())
    for name, before in base.named_parameters():  # the tied head is the embedding itself
        prefix, _, leaf = name.rpartition(".")
        copy = weights[f"base_model.model.{prefix}.modules_to_save.default.{leaf}"]
        if prefix.endswith("proj") or "embed" in prefix:
            assert not torch.equal(copy, before), name
    inner = tuned.get_base_model()
    assert inner.lm_head.weight is inner.model.embed_tokens.modules_to_save["default"].weight
