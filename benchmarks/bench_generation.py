"""Throughput of batched vs one-at-a-time generation on the 65 eval prompts (target: ≥ 4× on CPU).

    python benchmarks/bench_generation.py                      # built artifacts if present
    python benchmarks/bench_generation.py --base results/models/base --eval results/pairs/eval.jsonl
    python benchmarks/bench_generation.py --quick              # 8 prompts x 8 tokens: proves it runs

Uses the pipeline's base model and eval prompts when they exist; otherwise a random Qwen2 shaped
like ``model.tiny`` in config/config.yaml and 65 synthetic prompts stratified like the ``tasks.<task>.eval`` counts.
A random model rarely emits end-of-turn, so both modes generate the full ``max_new_tokens`` and
the comparison is not flattered by early stops. Greedy decoding; the completions of both modes
are compared too.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from commerce_grpo.generation import generate  # noqa: E402
from commerce_grpo.tasks import get as get_task  # noqa: E402

USER_TEXT = {
    "extraction": "Avaliação do pedido (nota {n}/5):\nO produto chegou {k} dias atrasado e a caixa veio amassada.",
    "sql_qa": "Qual o ticket médio por estado nos últimos {k} meses? Considere só pedidos entregues (nota {n}).",
    "insights": "Resumo de dados: receita {k}0 mil, nota média {n},2, atrasos em {k}% dos pedidos de SP.",
    "push": "Cliente sem compras há {k}0 dias; última nota {n}/5; intenção: reengagement.",
}


def load_config() -> dict:
    return yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))


def synthetic_prompts(counts: dict) -> list[list[dict]]:
    return [[{"role": "system", "content": get_task(task).system_prompt},
             {"role": "user", "content": USER_TEXT[task].format(n=1 + k % 5, k=3 + k)}]
            for task, count in counts.items() for k in range(count)]


def random_model(tiny: dict):
    """A random Qwen2 shaped like the embedded model, with a BPE tokenizer trained on the prompts."""
    from transformers import Qwen2Config, Qwen2ForCausalLM

    from commerce_grpo.modeling.tiny_model import IM_END, train_tokenizer

    texts = [m["content"] for chat in synthetic_prompts({t: 20 for t in USER_TEXT}) for m in chat]
    tokenizer = train_tokenizer(texts * 5, vocab_size=tiny["vocab_size"])
    torch.manual_seed(tiny["seed"])
    config = Qwen2Config(
        vocab_size=len(tokenizer), hidden_size=tiny["hidden_size"], intermediate_size=tiny["intermediate_size"],
        num_hidden_layers=tiny["num_hidden_layers"], num_attention_heads=tiny["num_attention_heads"],
        num_key_value_heads=tiny["num_key_value_heads"], tie_word_embeddings=False, initializer_range=0.2,
        bos_token_id=None, eos_token_id=tokenizer.convert_tokens_to_ids(IM_END), pad_token_id=tokenizer.pad_token_id,
    )
    return Qwen2ForCausalLM(config).eval(), tokenizer


def main() -> None:
    config = load_config()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=str(ROOT / "results" / "models" / "base"))
    parser.add_argument("--eval", default=str(ROOT / "results" / "pairs" / "eval.jsonl"))
    parser.add_argument("--max-new-tokens", type=int, default=config["evaluate"]["max_new_tokens"])
    parser.add_argument("--batch-size", type=int, default=config["evaluate"]["batch_size"])
    parser.add_argument("--quick", action="store_true",
                        help="random tiny model, 8 synthetic prompts, 8 tokens: no figure worth quoting")
    args = parser.parse_args()
    if args.quick:
        args.base = args.eval = "/nonexistent"  # the random model and synthetic prompts
        args.max_new_tokens, args.batch_size = 8, 8

    if (Path(args.base) / "base.json").exists():
        from commerce_grpo.modeling import load_model

        model, tokenizer = load_model(args.base, model=config["model"])
        model_name = f"{args.base} ({json.loads((Path(args.base) / 'base.json').read_text())['id']})"
    else:
        model, tokenizer = random_model(config["model"]["tiny"])
        model_name = "random Qwen2 shaped like model.tiny"
    if Path(args.eval).exists():
        prompts = [json.loads(line)["prompt"] for line in Path(args.eval).read_text(encoding="utf-8").splitlines() if line.strip()]
        prompt_source = args.eval
    else:
        prompts = synthetic_prompts({task: 2 for task in USER_TEXT} if args.quick else {t: n["eval"] for t, n in config["tasks"].items() if n["enabled"] and t in USER_TEXT})
        prompt_source = "synthetic, stratified like the tasks' eval counts"
    decoding = {"max_new_tokens": args.max_new_tokens, "temperature": 0.0, "top_p": 1.0, "top_k": 0, "seed": 0}

    generate(model, tokenizer, prompts[:2], batch_size=2, **decoding)  # warm-up
    start = time.perf_counter()
    batched = generate(model, tokenizer, prompts, batch_size=args.batch_size, **decoding)
    batched_s = time.perf_counter() - start
    start = time.perf_counter()
    single = [generate(model, tokenizer, [p], batch_size=1, **decoding)[0] for p in prompts]
    single_s = time.perf_counter() - start
    tokens = sum(len(tokenizer(text, add_special_tokens=False)["input_ids"]) for text in batched)

    print(f"model: {model_name}; prompts: {len(prompts)} ({prompt_source}); max_new_tokens {args.max_new_tokens}; "
          f"threads {torch.get_num_threads()}; ~{tokens / len(prompts):.0f} new tokens per prompt")
    print(f"batched (batch_size {args.batch_size}): {batched_s:.2f} s, {len(prompts) / batched_s:.1f} prompts/s")
    print(f"one at a time:                {single_s:.2f} s, {len(prompts) / single_s:.1f} prompts/s")
    print(f"throughput ratio batched / one-at-a-time: {single_s / batched_s:.1f}x (target >= 4x)")
    print(f"identical greedy completions: {sum(a == b for a, b in zip(batched, single))}/{len(prompts)}")


if __name__ == "__main__":
    main()
