"""The embedded default model: a tiny Qwen2 causal LM and its tokenizer, built offline.

nanoGPT-plain on purpose: a byte-level BPE trained on our own corpus, a Qwen2 config from the
``model.tiny`` section, and a short full-parameter pretraining on generic commerce text. The
pretraining matters: a random-init model does not learn through LoRA (its output head and norms
stay frozen, the loss sits near ln V), so SFT and GRPO would have nothing to shape. The
pretraining never sees the task chats, which would leave GRPO no headroom.
"""
from __future__ import annotations

import json
import logging
import math
import random
import re
from pathlib import Path

import duckdb
import torch
from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, trainers
from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM
from transformers.models.qwen2.tokenization_qwen2 import PRETOKENIZE_REGEX, Qwen2Tokenizer

from commerce_grpo.data.pair_files import read_pairs
from commerce_grpo.progress import Progress

log = logging.getLogger(__name__)

ENDOFTEXT = "<|endoftext|>"
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
SPECIAL_TOKENS = (ENDOFTEXT, IM_START, IM_END)

# ChatML, as Qwen2 instruct models use it. `{% generation %}` marks the assistant tokens so TRL's
# SFT `assistant_only_loss=True` can train on them alone.
CHAT_TEMPLATE = (
    "{%- for message in messages %}"
    "{%- if message['role'] == 'assistant' %}"
    "{{- '<|im_start|>assistant\\n' }}"
    "{%- generation %}{{- message['content'] + '<|im_end|>' }}{%- endgeneration %}"
    "{{- '\\n' }}"
    "{%- else %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)

# Generic text for pretraining and the tokenizer: review comments with their star rating, and
# order rows as JSON, like the web text a real base model has seen. Not the task chats, and no
# label but the star. Each comment comes twice, the rating before it ("Avaliação (nota 2/5): ...",
# what follows depends on the rating) and after it ("... (nota 2/5)", the rating depends on what
# came before): both ask the model to read a short text it is conditioned on, which a corpus of
# mostly order rows with 32-hex-digit ids never did (after SFT the model gave every review the
# same extraction answer). Order rows leave out their ids and the comment the reviews hold.
REVIEW_SQL = """
    SELECT review_comment_message, review_score
    FROM order_reviews
    WHERE review_comment_message IS NOT NULL AND length(trim(review_comment_message)) > 0
"""
ORDERS_SQL = "SELECT * FROM orders_enriched USING SAMPLE 200 ROWS (reservoir, 7)"
ORDER_COLUMNS_LEFT_OUT = re.compile(r"_id$|^review_comment_message$")


def generic_texts(db: str | Path) -> list[str]:
    """Review comments with their rating (each twice, see above) and `orders_enriched` rows as JSON."""
    with duckdb.connect(str(db), read_only=True) as con:
        reviews = con.execute(REVIEW_SQL).fetchall()
        orders = con.execute(ORDERS_SQL).df()
    texts = []
    for message, score in reviews:
        message = message.strip()
        texts += [f"Avaliação (nota {score}/5): {message}", f"{message} (nota {score}/5)"]
    texts += [json.dumps({key: _json_safe(value) for key, value in row.items()
                          if not ORDER_COLUMNS_LEFT_OUT.search(key)}, ensure_ascii=False)
              for row in orders.to_dict(orient="records")]
    if not texts:
        raise ValueError(f"{db}: no review comments and no orders_enriched rows to pretrain on")
    return texts


def task_texts(train: str | Path) -> list[str]:
    """System and user messages and the references of the training pairs (tokenizer only)."""
    texts = []
    for record in read_pairs(train):
        texts.extend(message["content"] for message in record["prompt"])
        texts.append(json.dumps(record["reference"], ensure_ascii=False))
    return texts


def _json_safe(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 2)
    if hasattr(value, "item"):
        return _json_safe(value.item())
    return str(value)


def train_tokenizer(texts: list[str], vocab_size: int) -> Qwen2Tokenizer:
    """Byte-level BPE with exactly Qwen2Tokenizer's normalizer and pre-tokenizer.

    AutoTokenizer reloads a qwen2 tokenizer as Qwen2Tokenizer, which rebuilds NFC and Qwen's split
    regex in code; training with anything else would change ids after a save/reload.
    """
    backend = Tokenizer(models.BPE())
    backend.normalizer = normalizers.NFC()
    backend.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(PRETOKENIZE_REGEX), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    backend.train_from_iterator(texts, trainer=trainer)
    state = json.loads(backend.to_str())["model"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in state["merges"]]
    tokenizer = Qwen2Tokenizer(
        vocab=state["vocab"],
        merges=merges,
        unk_token=None,
        eos_token=IM_END,
        pad_token=ENDOFTEXT,
        additional_special_tokens=[IM_START, IM_END],
        chat_template=CHAT_TEMPLATE,
        model_max_length=4096,
    )
    tokenizer.padding_side = "left"
    return tokenizer


def build_tiny_model(tokenizer, tiny: dict, max_seq_length: int) -> Qwen2ForCausalLM:
    """A random-init Qwen2 sized by ``model.tiny``."""
    torch.manual_seed(tiny["seed"])
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=tiny["hidden_size"],
        intermediate_size=tiny["intermediate_size"],
        num_hidden_layers=tiny["num_hidden_layers"],
        num_attention_heads=tiny["num_attention_heads"],
        num_key_value_heads=tiny["num_key_value_heads"],
        max_position_embeddings=max(max_seq_length, 1024),
        tie_word_embeddings=True,
        bos_token_id=None,
        eos_token_id=tokenizer.convert_tokens_to_ids(IM_END),
        pad_token_id=tokenizer.pad_token_id,
    )
    return Qwen2ForCausalLM(config)


def pretrain(model, tokenizer, texts: list[str], *, steps: int, learning_rate: float, seed: int,
             seq_len: int = 128, batch_size: int = 16) -> list[float]:
    """Full-parameter next-token training on packed generic text; returns the loss per step."""
    if steps == 0:
        return []
    rng = random.Random(seed)
    texts = list(texts)
    rng.shuffle(texts)
    eos = tokenizer.convert_tokens_to_ids(ENDOFTEXT)
    stream = []
    for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]:
        stream.extend(ids + [eos])
    if len(stream) < seq_len:
        raise ValueError(f"generic corpus has {len(stream)} tokens, fewer than one sequence ({seq_len})")
    data = torch.tensor(stream)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    warmup = max(1, steps // 10)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * step / steps))
    )
    model.train()
    losses = []
    progress = Progress("pretraining", steps)
    progress.begin(f"torch threads {torch.get_num_threads()}")
    for step in range(steps):
        starts = torch.randint(0, len(data) - seq_len + 1, (batch_size,), generator=generator)
        batch = torch.stack([data[s : s + seq_len] for s in starts.tolist()])
        loss = model(input_ids=batch, labels=batch).loss  # the model shifts labels itself
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.item())
        progress.update(step + 1)
    model.eval()
    return losses


def assert_tokenizer_round_trip(tokenizer, saved_dir: str | Path, samples: list[str]) -> None:
    """Ids must survive save_pretrained → AutoTokenizer.from_pretrained.

    AutoTokenizer reloads a ``model_type=qwen2`` tokenizer as Qwen2Tokenizer, which rebuilds its
    normalizer (NFC) and pre-tokenizer (Qwen's split regex, ByteLevel) in code rather than reading
    ours; the BPE is trained with exactly those, and this check catches any drift.
    """
    reloaded = AutoTokenizer.from_pretrained(saved_dir)
    for text in samples:
        before = tokenizer(text, add_special_tokens=False)["input_ids"]
        after = reloaded(text, add_special_tokens=False)["input_ids"]
        if before != after:
            raise RuntimeError(
                f"{saved_dir}: tokenizer ids change after reload ({type(reloaded).__name__}) for {text[:60]!r}"
            )
    chat = [{"role": "user", "content": samples[0]}]
    if reloaded.apply_chat_template(chat, tokenize=False) != tokenizer.apply_chat_template(chat, tokenize=False):
        raise RuntimeError(f"{saved_dir}: chat template changes after reload")


def build_tiny_base(out_dir: str | Path, *, db: str | Path, train: str | Path, model_cfg: dict) -> dict:
    """Train the tokenizer, build and pretrain the tiny model, save both to ``out_dir``."""
    tiny = model_cfg["tiny"]
    generic = generic_texts(db)
    tasks = task_texts(train)
    tokenizer = train_tokenizer(generic + tasks, tiny["vocab_size"])
    model = build_tiny_model(tokenizer, tiny, model_cfg["max_seq_length"])
    losses = pretrain(
        model, tokenizer, generic,
        steps=tiny["pretrain_steps"], learning_rate=tiny["pretrain_learning_rate"], seed=tiny["seed"],
    )
    model.generation_config.eos_token_id = model.config.eos_token_id
    model.generation_config.pad_token_id = model.config.pad_token_id
    out_dir = Path(out_dir)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    assert_tokenizer_round_trip(tokenizer, out_dir, generic[:20] + tasks[:20])
    summary = {
        "parameters": sum(p.numel() for p in model.parameters()),
        "vocab_size": len(tokenizer),
        "pretrain_steps": len(losses),
        "pretrain_loss_first": losses[0] if losses else None,
        "pretrain_loss_last": sum(losses[-10:]) / len(losses[-10:]) if losses else None,
    }
    log.info("embedded tiny model: %s", summary)
    return summary
