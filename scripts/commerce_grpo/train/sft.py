"""SFT warm-up: LoRA (or, for the embedded model, every weight) on the assistant tokens only
(the study handoff's Scenario B).

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
from commerce_grpo.modeling.tiny_model import CHAT_TEMPLATE as CHATML_TRAINING_TEMPLATE
from commerce_grpo.train.datasets import sft_dataset
from commerce_grpo.train.metrics import MetricsCSVCallback, write_log_history
from commerce_grpo.train.progress import ProgressCallback
from commerce_grpo.train.runtime import full_parameter_policy, optimizer_options, runtime_options, trainable_policy

log = logging.getLogger(__name__)


def sft_config(sft: dict, output_dir: str) -> trl.SFTConfig:
    """The one place the ``sft`` section becomes TRL options (Unsloth's SFTConfig once unsloth is
    imported, like the trainer: both stages on the same library, commerce_grpo.unsloth_first).
    Every option Unsloth's SFTConfig defaults otherwise is set here, so both backends train the
    same recipe (padding-free batching, which Unsloth turns on when unset, is off: docs/gpu.md)."""
    return trl.SFTConfig(
        output_dir=output_dir,
        num_train_epochs=sft["epochs"],
        learning_rate=sft["learning_rate"],
        per_device_train_batch_size=sft["batch_size"],
        per_device_eval_batch_size=sft["batch_size"],
        gradient_accumulation_steps=sft["gradient_accumulation_steps"],
        warmup_steps=sft["warmup_ratio"],  # transformers 5: a value below 1 is a ratio of the steps
        loss_type=sft["loss_type"],
        padding_free=False,
        max_length=sft["max_length"],
        assistant_only_loss=True,
        save_strategy="no",
        eval_strategy="no",
        report_to=[],
        **optimizer_options(sft),
        **runtime_options(sft["seed"]),
    )


def use_training_chat_template(tokenizer, chats: list[list[dict]]) -> None:
    """Make ``tokenizer``'s chat template mark the assistant tokens, which assistant-only loss needs.

    A template with ``{% generation %}`` markers, or one TRL knows a training variant of (it swaps
    that in itself), stays. Any other (Tucano2's, Qwen2's own) is replaced by ChatML with the
    markers (the embedded model's template) when that renders every training chat to the same
    text, so the model sees exactly its own format; else the error names what to fix.
    """
    from trl.chat_template_utils import get_training_chat_template, has_generation_markers

    if has_generation_markers(tokenizer.chat_template):
        return
    try:
        get_training_chat_template(tokenizer)
        return
    except ValueError:
        pass
    for chat in chats:
        own = tokenizer.apply_chat_template(chat, tokenize=False)
        chatml = tokenizer.apply_chat_template(chat, tokenize=False, chat_template=CHATML_TRAINING_TEMPLATE)
        if own != chatml:
            raise ValueError(
                "sft: the model's chat template has no {% generation %} markers (assistant-only loss needs them), "
                "TRL has no training variant of it, and it renders chats differently from ChatML, e.g.\n"
                f"  own:    {own[:300]!r}\n  ChatML: {chatml[:300]!r}\n"
                "add {% generation %}...{% endgeneration %} around the assistant content and its end token in the "
                "model's tokenizer_config.json (chat_template)")
    tokenizer.chat_template = CHATML_TRAINING_TEMPLATE


def train_sft(*, train, validation, base, audit, outputs: dict, model: dict, lora: dict, sft: dict) -> dict:
    """Train the warm-up adapter into ``outputs["adapter"]``; every log row into ``outputs["metrics"]``.

    ``audit`` is the passed reward audit (an input only so nothing trains before the gate).
    Returns the number of training pairs and the validation metrics (loss on assistant tokens).
    """
    tasks = sft["tasks"]
    train_records = read_pairs(train, tasks=tasks)
    validation_records = read_pairs(validation, tasks=tasks)
    if sft["full_parameter"]:
        policy, tokenizer = full_parameter_policy(base, model=model)
    else:
        policy, tokenizer = trainable_policy(base, model=model, lora=lora, seed=sft["seed"])
    train_dataset, eval_dataset = sft_dataset(train_records), sft_dataset(validation_records)
    use_training_chat_template(tokenizer, [*train_dataset["messages"], *eval_dataset["messages"]])
    with tempfile.TemporaryDirectory(prefix="sft-") as output_dir:
        trainer = trl.SFTTrainer(  # after trainable_policy: the backend is active, unsloth imported if chosen
            model=policy,
            args=sft_config(sft, output_dir),
            train_dataset=train_dataset,
            eval_dataset=eval_dataset,
            processing_class=tokenizer,
            callbacks=[MetricsCSVCallback(outputs["metrics"]), ProgressCallback("sft")],
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
