"""``model.id`` as a local folder: the offline cluster set-up docs/gpu.md describes.

The embedded model is saved to disk by the base_model fixture; a second base record then names
that folder as ``model.id`` (as a pre-fetched hub model would be named), with the hub switched
off. Every rule loads through ``load_model``: the same model must come back, train and generate.
"""
import json

import torch

from commerce_grpo.generation import generate
from commerce_grpo.modeling import build_base_model, load_model
from commerce_grpo.train.runtime import trainable_policy
from modeling.tiny_fixtures import TINY_MODEL

LORA = {"r": 4, "alpha": 8, "dropout": 0.0, "target_modules": "all-linear", "modules_to_save": []}


def test_local_model_id_loads_trains_and_generates_offline(tiny_base, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    folder = str(tiny_base.resolve())
    local = tmp_path / "base"
    info = build_base_model(local, inputs={}, model={**TINY_MODEL, "id": folder})
    assert info == {"embedded": False, "id": folder, "source": "local", "path": folder}
    assert json.loads((local / "base.json").read_text())["id"] == folder
    assert sorted(p.name for p in local.iterdir()) == ["base.json"]  # nothing copied, the folder is used

    model, tokenizer = load_model(local, model=TINY_MODEL)
    reference, _ = load_model(tiny_base, model=TINY_MODEL)
    ids = tokenizer("Produto chegou", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        assert torch.equal(model(ids).logits, reference(ids).logits)
    texts = generate(model, tokenizer, [[{"role": "user", "content": "Oi"}]], max_new_tokens=4, temperature=0.0,
                     top_p=1.0, top_k=0, seed=0, batch_size=1)
    assert len(texts) == 1

    policy, _ = trainable_policy(local, model=TINY_MODEL, lora=LORA, seed=0)
    loss = policy(ids, labels=ids).loss
    loss.backward()
    grads = [p.grad for name, p in policy.named_parameters() if "lora_B" in name]
    assert grads and all(g is not None and torch.isfinite(g).all() for g in grads)
