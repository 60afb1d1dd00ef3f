"""The embedded base: tokenizer, chat template, pretraining and the base.json record."""
import json

import duckdb
import pytest
import torch
from transformers import AutoTokenizer

from commerce_grpo.modeling import build_base_model, load_model, read_base
from commerce_grpo.modeling.tiny_model import IM_END, generic_texts, pretrain, train_tokenizer, build_tiny_model
from modeling.tiny_fixtures import TINY_MODEL

TRICKY = ["Produto ótimo, nota 4,5! 😀\n\n  espaços   e\ttabs", "SELECT count(*) FROM orders_enriched;",
          '{"churn_risk": 0.35, "summary": "Não chegou"}', "ÇÃO ção Ação — “aspas”"]


def test_base_json_records_the_embedded_model(tiny_base):
    info, source = read_base(tiny_base)
    assert info["embedded"] is True and info["id"] == "embedded-tiny"
    assert source == str(tiny_base)
    assert info["pretrain_loss_last"] < info["pretrain_loss_first"]


def test_tokenizer_ids_survive_reload(tiny_base):
    reloaded = AutoTokenizer.from_pretrained(tiny_base)
    assert type(reloaded).__name__ == "Qwen2Tokenizer"
    for text in TRICKY:
        ids = reloaded(text, add_special_tokens=False)["input_ids"]
        assert reloaded.decode(ids) == text
    assert reloaded.eos_token == IM_END and reloaded.pad_token == "<|endoftext|>"


def test_chat_template_marks_only_assistant_tokens(tiny_base):
    _, tokenizer = load_model(tiny_base, model=TINY_MODEL)
    chat = [{"role": "system", "content": "Tarefa"}, {"role": "user", "content": "Olá"},
            {"role": "assistant", "content": '{"a": 1}'}]
    out = tokenizer.apply_chat_template(chat, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    masked = [i for i, m in zip(out["input_ids"], out["assistant_masks"]) if m]
    assert tokenizer.decode(masked) == '{"a": 1}' + IM_END
    prompt = tokenizer.apply_chat_template(chat[:2], tokenize=False, add_generation_prompt=True)
    assert prompt.endswith("<|im_start|>assistant\n")


def test_tokenizer_training_is_round_trip_safe(tmp_path):
    tokenizer = train_tokenizer(TRICKY * 20, 400)
    tokenizer.save_pretrained(tmp_path)
    reloaded = AutoTokenizer.from_pretrained(tmp_path)
    for text in TRICKY:
        assert tokenizer(text)["input_ids"] == reloaded(text)["input_ids"]


def test_pretraining_lowers_the_loss(tiny_inputs):
    texts = generic_texts(tiny_inputs["db"])
    tokenizer = train_tokenizer(texts, 500)
    model = build_tiny_model(tokenizer, TINY_MODEL["tiny"], 256)
    losses = pretrain(model, tokenizer, texts, steps=30, learning_rate=3e-3, seed=0, seq_len=64, batch_size=8)
    assert sum(losses[-5:]) / 5 < losses[0] - 1.0


def test_generic_corpus_is_not_the_task_chats(tiny_inputs):
    texts = generic_texts(tiny_inputs["db"])
    assert texts and not any("Tarefa:" in text for text in texts)


def test_generic_corpus_reads_each_comment_with_its_rating_and_drops_ids(tiny_inputs):
    """Every comment comes with its star rating before it and after it; order rows keep their facts
    but neither ids nor the comment (already there)."""
    texts = generic_texts(tiny_inputs["db"])
    with duckdb.connect(str(tiny_inputs["db"]), read_only=True) as con:
        message, score = con.execute("SELECT review_comment_message, review_score FROM order_reviews "
                                     "WHERE review_comment_message IS NOT NULL LIMIT 1").fetchone()
    message = message.strip()
    assert f"Avaliação (nota {score}/5): {message}" in texts and f"{message} (nota {score}/5)" in texts
    rows = [json.loads(text) for text in texts if text.startswith("{")]
    assert rows and all("customer_city" in row for row in rows)
    assert not any(key.endswith("_id") or key == "review_comment_message" for row in rows for key in row)


def test_embedded_model_without_inputs_names_them(tmp_path):
    with pytest.raises(ValueError, match=r"\['db', 'train'\]"):
        build_base_model(tmp_path / "base", inputs={}, model=TINY_MODEL)


def test_missing_base_json_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="base.json"):
        read_base(tmp_path)


def test_greedy_generation_stops_at_im_end(tiny_base):
    model, tokenizer = load_model(tiny_base, model=TINY_MODEL)
    assert model.generation_config.eos_token_id == tokenizer.convert_tokens_to_ids(IM_END)
    assert not model.training and next(model.parameters()).dtype == torch.float32
