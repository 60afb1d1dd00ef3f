"""The eval files' strict readers: a wrong file is an error naming it."""
import json

import pytest

from commerce_grpo.eval_files import META_KEYS, read_eval, read_meta

RECORD = {"id": "push-000001", "task": "push", "arm": "sft", "completion": "Oi!", "reward": 0.5, "components": {}}


def write(path, *records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_read_eval_keeps_every_record_by_id(tmp_path):
    other = {**RECORD, "id": "push-000002"}
    assert list(read_eval(write(tmp_path / "sft.jsonl", RECORD, other), "sft")) == ["push-000001", "push-000002"]


@pytest.mark.parametrize(("record", "message"), [
    ({k: v for k, v in RECORD.items() if k != "components"}, r"sft.jsonl:2: eval record lacks \['components'\]"),
    ({**RECORD, "id": "x", "arm": "base"}, r"sft.jsonl:2: record of arm 'base' in the file of arm 'sft'"),
    ({**RECORD, "id": "x", "task": "chat"}, r"sft.jsonl:2: task 'chat'"),
    ({**RECORD, "id": "x", "reward": "0.5"}, r"sft.jsonl:2: reward '0.5' is not a number"),
    ({**RECORD, "reward": True}, r"sft.jsonl:2: reward True"),
    (RECORD, r"sft.jsonl:2: duplicate prompt id 'push-000001'"),
    ([1, 2], r"sft.jsonl:2: an eval record is a JSON object"),
])
def test_read_eval_names_file_and_line(tmp_path, record, message):
    with pytest.raises(ValueError, match=message):
        read_eval(write(tmp_path / "sft.jsonl", RECORD, record), "sft")


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
