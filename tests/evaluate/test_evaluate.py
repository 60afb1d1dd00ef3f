"""evaluate_arm: one scored record per eval prompt (k samples, each also scored against its swap
partner), deterministic, adapters applied."""
import json

import pytest
import torch
from peft import LoraConfig, get_peft_model

from commerce_grpo.eval_files import META_KEYS, RECORD_KEYS, read_eval, read_meta
from commerce_grpo.evaluate import evaluate_arm
from commerce_grpo.rewards import score
from commerce_grpo.swaps import swap_partners
from commerce_grpo.tasklib.prompts import EXTRACTION_FIELDS

MODEL = {"id": "embedded-tiny", "backend": "auto", "load_in_4bit": False, "max_seq_length": 512}
DECODING = {"temperature": 0.1, "top_p": 1.0, "top_k": 0, "max_new_tokens": 16, "batch_size": 3, "seed": 5,
            "samples_per_prompt": 2}
REFERENCES = {
    "extraction": dict.fromkeys(EXTRACTION_FIELDS, None) | {"sentiment": "negativo", "sentiment_score": 1},
    "sql_qa": {"sql": "SELECT 1 AS x", "columns": ["x"], "rows": [[1]], "explanation": "um"},
    "insights": {"facts": {"receita": 100.0}, "topic": "receita"},
    "push": {"intent": "delay_apology", "facts": {}, "max_chars": 120},
}
# What each task's TaskSpec.kind reads: the two extraction prompts share a star rating and the two
# sql_qa prompts a template, so they are each other's swap partners.
SOURCES = {"extraction": {"review_score": 1}, "sql_qa": {"template": "count_orders"},
           "insights": {"template": "revenue"}, "push": {}}


@pytest.fixture(scope="module")
def base_dir(tiny_lm, tmp_path_factory):
    model, tokenizer = tiny_lm
    out = tmp_path_factory.mktemp("base")
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    (out / "base.json").write_text(json.dumps({"embedded": True, "id": "embedded-tiny"}))
    return out


@pytest.fixture(scope="module")
def eval_pairs(chats, tmp_path_factory):
    path = tmp_path_factory.mktemp("pairs") / "eval.jsonl"
    records = []
    for k, prompt in enumerate(chats):
        task = ["extraction", "sql_qa", "insights", "push"][k % 4]
        records.append({"id": f"{task}-{k:06d}", "task": task, "split": "eval", "prompt": prompt,
                        "reference": REFERENCES[task], "source": SOURCES[task]})
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return path, records


def meta_of(out):
    return out.with_name(out.stem + ".meta.json")


def run(base_dir, eval_pairs, out, adapter=None, arm="base", decoding=DECODING):
    return evaluate_arm(eval=eval_pairs[0], base=base_dir, db=None, adapter=adapter, records=out, meta=meta_of(out),
                        arm=arm, model=MODEL, rewards=None, decoding=decoding)


def test_one_scored_record_per_prompt(base_dir, eval_pairs, tmp_path):
    out = tmp_path / "eval" / "base.jsonl"
    run(base_dir, eval_pairs, out)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    pairs = {p["id"]: p for p in eval_pairs[1]}
    partners = swap_partners(eval_pairs[1], same_kind=True, seed=DECODING["seed"])
    assert partners, "the fixture pairs hold prompts of the same kind"
    assert [r["id"] for r in lines] == list(pairs)
    for record, pair in zip(lines, eval_pairs[1]):
        assert tuple(record) == RECORD_KEYS
        assert record["arm"] == "base" and record["task"] == pair["task"]
        assert len(record["completions"]) == 2 and record["completion"] == record["completions"][0]
        assert record["rewards"] == [score(pair, text).total for text in record["completions"]]
        assert record["reward"] == pytest.approx(sum(record["rewards"]) / 2)
        assert 0.0 <= record["reward"] <= 1.0
        if pair["id"] in partners:
            partner = pairs[partners[pair["id"]]]
            assert record["swap"] == {"partner": partner["id"],
                                      "rewards": [score(partner, text).total for text in record["completions"]]}
        else:
            assert record["swap"] is None
    meta = json.loads(meta_of(out).read_text())
    assert tuple(meta) == META_KEYS
    assert (meta["device"], meta["backend"], meta["prompts"], meta["samples_per_prompt"]) == ("cpu", "hf", 6, 2)
    assert meta["decoding"] == {k: v for k, v in DECODING.items() if k != "samples_per_prompt"}
    # The report's strict readers accept exactly what the writer wrote.
    assert list(read_eval(out, "base")) == [p["id"] for p in eval_pairs[1]]
    assert read_meta(meta_of(out), "base") == meta


def test_k_samples_are_drawn_not_copied(base_dir, eval_pairs, tmp_path):
    hot = {**DECODING, "temperature": 1.0, "samples_per_prompt": 3}
    run(base_dir, eval_pairs, tmp_path / "hot.jsonl", decoding=hot)
    records = [json.loads(line) for line in (tmp_path / "hot.jsonl").read_text().splitlines()]
    assert all(len(r["completions"]) == 3 for r in records)
    assert any(len(set(r["completions"])) > 1 for r in records)
    # k = 1: one sample, scored as is.
    run(base_dir, eval_pairs, tmp_path / "one.jsonl", decoding={**hot, "samples_per_prompt": 1})
    one = [json.loads(line) for line in (tmp_path / "one.jsonl").read_text().splitlines()]
    assert all(len(r["completions"]) == 1 and r["reward"] == r["rewards"][0] for r in one)


def test_greedy_samples_are_refused(base_dir, eval_pairs, tmp_path):
    with pytest.raises(ValueError, match=r"evaluate.samples_per_prompt: 2 greedy samples"):
        run(base_dir, eval_pairs, tmp_path / "g.jsonl", decoding={**DECODING, "temperature": 0})


def test_same_prompts_same_decoding_same_file(base_dir, eval_pairs, tmp_path):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    run(base_dir, eval_pairs, first)
    run(base_dir, eval_pairs, second)
    assert first.read_text() == second.read_text()


def test_adapter_changes_the_completions(base_dir, eval_pairs, tiny_lm, tmp_path):
    model, _ = tiny_lm
    torch.manual_seed(1)
    peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules="all-linear",
                                                   task_type="CAUSAL_LM"))
    with torch.no_grad():  # LoRA B starts at zero; perturb it so the adapter matters
        for name, parameter in peft_model.named_parameters():
            if "lora_B" in name:
                parameter.normal_(0, 0.5)
    peft_model.save_pretrained(tmp_path / "adapter")
    peft_model.unload()  # give the session fixture its plain model back
    run(base_dir, eval_pairs, tmp_path / "base.jsonl")
    run(base_dir, eval_pairs, tmp_path / "sft.jsonl", adapter=tmp_path / "adapter", arm="sft")
    base = [json.loads(line)["completion"] for line in (tmp_path / "base.jsonl").read_text().splitlines()]
    tuned = [json.loads(line) for line in (tmp_path / "sft.jsonl").read_text().splitlines()]
    assert {r["arm"] for r in tuned} == {"sft"}
    assert base != [r["completion"] for r in tuned]


def test_bad_pairs_file_names_line(base_dir, tmp_path):
    path = tmp_path / "eval.jsonl"
    path.write_text(json.dumps({"id": "x", "task": "push", "prompt": [{"role": "user", "content": "oi"}]}) + "\n")
    with pytest.raises(ValueError, match=r"eval.jsonl:1: pair record lacks \['reference'\]"):
        evaluate_arm(eval=path, base=base_dir, db=None, records=tmp_path / "o.jsonl", meta=tmp_path / "o.meta.json",
                     arm="base", model=MODEL, rewards=None, decoding=DECODING)
