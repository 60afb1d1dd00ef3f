"""The eval files' strict readers: a wrong file is an error naming it."""
import json

import pytest

from commerce_grpo.eval_files import META_KEYS, eval_record, read_eval, read_meta
from commerce_grpo.rewards import Reward

RECORD = {"id": "push-000001", "task": "push", "arm": "sft", "completion": "Oi!", "reward": 0.5, "components": {},
          "completions": ["Oi!", "Olá!"], "rewards": [0.4, 0.6],
          "swap": {"partner": "push-000002", "rewards": [0.1, 0.2]}}
OTHER = {**RECORD, "id": "push-000002", "swap": {"partner": "push-000001", "rewards": [0.0, 0.0]}}


def write(path, *records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_read_eval_keeps_every_record_by_id(tmp_path):
    assert list(read_eval(write(tmp_path / "sft.jsonl", RECORD, OTHER), "sft")) == ["push-000001", "push-000002"]
    alone = {**RECORD, "swap": None}  # a prompt without a partner of its kind
    assert read_eval(write(tmp_path / "one.jsonl", alone), "sft")["push-000001"]["swap"] is None


@pytest.mark.parametrize(("record", "message"), [
    ({k: v for k, v in RECORD.items() if k != "components"}, r"sft.jsonl:2: eval record lacks \['components'\]"),
    ({**OTHER, "arm": "base"}, r"sft.jsonl:2: record of arm 'base' in the file of arm 'sft'"),
    ({**OTHER, "task": "chat"}, r"sft.jsonl:2: task 'chat'"),
    ({**OTHER, "reward": "0.5"}, r"sft.jsonl:2: reward '0.5' is not a number"),
    ({**OTHER, "reward": True}, r"sft.jsonl:2: reward True"),
    (RECORD, r"sft.jsonl:2: duplicate prompt id 'push-000001'"),
    ([1, 2], r"sft.jsonl:2: an eval record is a JSON object"),
    ({**OTHER, "completions": []}, r"sft.jsonl:2: completions is a non-empty list of strings"),
    ({**OTHER, "rewards": [0.5]}, r"sft.jsonl:2: rewards is a list of 2 numbers, one per completion"),
    ({**OTHER, "completion": "Olá!"}, r"sft.jsonl:2: completion is not the first of completions"),
    ({**OTHER, "reward": 0.55}, r"sft.jsonl:2: reward 0.55 is not the mean of rewards \[0.4, 0.6\]"),
    ({**OTHER, "swap": {"partner": "push-000001"}}, r"sft.jsonl:2: swap: swap lacks \['rewards'\]"),
    ({**OTHER, "swap": {"partner": "push-000001", "rewards": [0.1]}}, r"sft.jsonl:2: swap.rewards is a list of 2"),
    ({**OTHER, "completion": "a", "completions": ["a", "b", "c"], "rewards": [0.5] * 3, "swap": None},
     r"sft.jsonl:2: 3 samples, the file's first record has 2"),
])
def test_read_eval_names_file_and_line(tmp_path, record, message):
    with pytest.raises(ValueError, match=message):
        read_eval(write(tmp_path / "sft.jsonl", RECORD, record), "sft")


@pytest.mark.parametrize("partner", ["push-000009", "push-000001", "sql_qa-000002"])
def test_a_swap_partner_is_another_prompt_of_the_same_task_in_the_file(tmp_path, partner):
    second = {**OTHER, "id": "sql_qa-000002", "task": "sql_qa", "swap": None}
    first = {**RECORD, "swap": {"partner": partner, "rewards": [0.0, 0.0]}}
    with pytest.raises(ValueError, match=rf"push-000001's swap partner '{partner}' is not another push prompt"):
        read_eval(write(tmp_path / "sft.jsonl", first, second), "sft")


def test_the_writer_keeps_the_contract_and_the_reader_accepts_it(tmp_path):
    pair = {"id": "push-000001", "task": "push"}
    rewards = [Reward(0.2, {"intent": 1.0, "length": 0.0}), Reward(0.6, {"intent": 0.0, "length": 1.0})]
    record = eval_record(pair=pair, arm="sft", completions=["a", "b"], rewards=rewards, partner=None, swap_rewards=None)
    assert record["reward"] == pytest.approx(0.4) and record["completion"] == "a"
    assert record["components"] == {"intent": 0.5, "length": 0.5} and record["rewards"] == [0.2, 0.6]
    assert read_eval(write(tmp_path / "sft.jsonl", record), "sft")["push-000001"] == record


def test_empty_eval_file_is_an_error(tmp_path):
    (tmp_path / "sft.jsonl").write_text("\n")
    with pytest.raises(ValueError, match="sft.jsonl: no eval records"):
        read_eval(tmp_path / "sft.jsonl", "sft")


def test_read_meta_is_strict(tmp_path):
    meta = dict.fromkeys(META_KEYS, None) | {"arm": "sft"}
    path = tmp_path / "sft.meta.json"
    path.write_text(json.dumps(meta))
    assert read_meta(path, "sft") == meta
    with pytest.raises(ValueError, match="meta of arm 'sft' given for arm 'base'"):
        read_meta(path, "base")
    path.write_text(json.dumps({"device": "cpu", "backend": "hf"}))  # the old, partial sidecar
    with pytest.raises(ValueError, match=r"sft.meta.json: eval meta lacks \['arm', 'adapter'"):
        read_meta(path, "sft")
    path.write_text("[]")
    with pytest.raises(ValueError, match="sft.meta.json: eval meta is a JSON object"):
        read_meta(path, "sft")
