"""SFT with assistant-only loss on a real model's chat template: ChatML without generation markers.

Tucano2's template is of Qwen2's family: ChatML with no ``{% generation %}`` markers, which TRL's
assistant-only loss needs; TRL swaps in a training template only for templates it knows exactly,
and raises for any other. Qwen2's own template (its tokenizer_config.json, written out here; nothing
downloaded) stands in for it on the embedded model.
"""
import shutil

import pytest
from transformers import AutoTokenizer
from trl import SFTTrainer

from commerce_grpo.data.pairs import read_pairs
from commerce_grpo.modeling import load_model
from commerce_grpo.train.datasets import sft_dataset
from commerce_grpo.train.sft import sft_config, train_sft, use_training_chat_template
from commerce_grpo.tasks import assistant_target
from modeling.tiny_fixtures import TINY_MODEL
from train.train_fixtures import LORA, SFT

QWEN2_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def _base_with_template(tiny_base, root, template):
    base = root / "base"
    shutil.copytree(tiny_base, base)
    tokenizer = AutoTokenizer.from_pretrained(base)
    tokenizer.chat_template = template
    tokenizer.save_pretrained(base)
    return base


def test_sft_trains_assistant_tokens_only_on_a_chatml_template_without_markers(tiny_inputs, tiny_base, tmp_path):
    base = _base_with_template(tiny_base, tmp_path, QWEN2_TEMPLATE)
    _, tokenizer = load_model(base, model=TINY_MODEL)
    records = read_pairs(tiny_inputs["train"], tasks=["push"])[:2]
    dataset = sft_dataset(records)
    own = tokenizer.apply_chat_template(dataset[0]["messages"], tokenize=False)
    use_training_chat_template(tokenizer, list(dataset["messages"]))
    assert "{% generation %}" in tokenizer.chat_template.replace("{%-", "{%")
    assert tokenizer.apply_chat_template(dataset[0]["messages"], tokenize=False) == own  # the model's own format
    model, _ = load_model(base, model=TINY_MODEL)
    trainer = SFTTrainer(model=model, args=sft_config(SFT, str(tmp_path / "out")), train_dataset=dataset,
                         processing_class=tokenizer)
    batch = trainer.data_collator([trainer.train_dataset[0]])
    labelled = [t for t, label in zip(batch["input_ids"][0].tolist(), batch["labels"][0].tolist()) if label != -100]
    assert tokenizer.decode(labelled) == assistant_target(records[0]) + "<|im_end|>"

    result = train_sft(train=tiny_inputs["train"], validation=tiny_inputs["validation"], base=base, audit=None,
                       outputs={"adapter": tmp_path / "adapter", "metrics": tmp_path / "metrics.csv"},
                       model=TINY_MODEL, lora=LORA, sft={**SFT, "tasks": ["push"], "epochs": 1})
    assert result["train_pairs"] == 8 and (tmp_path / "adapter" / "adapter_config.json").exists()


def test_a_template_that_renders_otherwise_is_named(tiny_inputs, tiny_base, tmp_path):
    """No silent format change: a template ChatML would not reproduce is refused with the fix."""
    other = QWEN2_TEMPLATE.replace("'<|im_end|>' + '\\n'", "'<|im_end|>'")
    _, tokenizer = load_model(_base_with_template(tiny_base, tmp_path, other), model=TINY_MODEL)
    chats = list(sft_dataset(read_pairs(tiny_inputs["train"], tasks=["push"])[:1])["messages"])
    with pytest.raises(ValueError, match="generation"):
        use_training_chat_template(tokenizer, chats)
