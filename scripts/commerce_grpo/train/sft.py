"""SFT warm-up: LoRA on the assistant tokens only (the study handoff's Scenario B).

Teaches the output formats before GRPO so that rollouts start inside the reward's reachable
region; the task filter (``sft.tasks``) reproduces the extraction-only warm-up.
"""
from __future__ import annotations

import logging
import tempfile
import time

import trl  # trainer/config classes looked up at call time: see commerce_grpo.unsloth_first
from transformers import PrinterCallback

from commerce_grpo.data.pairs import read_pairs
from commerce_grpo.train.datasets import sft_dataset
from commerce_grpo.train.metrics import MetricsCSVCallback, write_log_history
from commerce_grpo.train.runtime import runtime_options, trainable_policy

log = logging.getLogger(__name__)


def sft_config(sft: dict, output_dir: str) -> trl.SFTConfig:
    """The one place the ``sft`` section becomes TRL options (Unsloth's SFTConfig once unsloth is
    imported, like the trainer: both stages on the same library, commerce_grpo.unsloth_first)."""
    return trl.SFTConfig(
        output_dir=output_dir,
        num_train_epochs=sft["epochs"],
        learning_rate=sft["learning_rate"],
        per_device_train_batch_size=sft["batch_size"],
        per_device_eval_batch_size=sft["batch_size"],
        max_length=sft["max_length"],
        assistant_only_loss=True,
        save_strategy="no",
        eval_strategy="no",
        report_to=[],
        **runtime_options(sft["seed"]),
    )


def train_sft(*, train, validation, base, audit, outputs: dict, model: dict, lora: dict, sft: dict) -> dict:
    """Train the warm-up adapter into ``outputs["adapter"]``; every log row into ``outputs["metrics"]``.

    ``audit`` is the passed reward audit (an input only so nothing trains before the gate).
    Returns the number of training pairs and the validation metrics (loss on assistant tokens).
    """
    tasks = sft["tasks"]
    train_records = read_pairs(train, tasks=tasks)
    validation_records = read_pairs(validation, tasks=tasks)
    policy, tokenizer = trainable_policy(base, model=model, lora=lora, seed=sft["seed"])
    with tempfile.TemporaryDirectory(prefix="sft-") as output_dir:
        trainer = trl.SFTTrainer(  # after trainable_policy: the backend is active, unsloth imported if chosen
            model=policy,
            args=sft_config(sft, output_dir),
            train_dataset=sft_dataset(train_records),
            eval_dataset=sft_dataset(validation_records),
            processing_class=tokenizer,
            callbacks=[MetricsCSVCallback(outputs["metrics"])],
        )
        trainer.remove_callback(PrinterCallback)  # MetricsCSVCallback logs one line per step
        started = time.perf_counter()
        trainer.train()
        validation_metrics = trainer.evaluate()
        log.info("SFT on %d pairs (%s) in %.1f s; validation %s", len(train_records), ",".join(tasks),
                 time.perf_counter() - started, validation_metrics)
    write_log_history(trainer.state.log_history, outputs["metrics"])
    trainer.model.save_pretrained(outputs["adapter"])
    return {"train_pairs": len(train_records), **validation_metrics}
