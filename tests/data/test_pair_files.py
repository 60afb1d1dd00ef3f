"""The pair files' strict readers and the writer's read-back check (no database needed)."""
import json

import pytest

from commerce_grpo.data import pairs
from commerce_grpo.data.pair_files import STATS_KEYS, check_pair_file, read_pairs, read_stats


def _record(i=0, split="train", **over):
    record = {"id": f"push-{i:06d}", "task": "push", "split": split,
              "prompt": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}],
              "reference": {"intent": "x"}, "source": {}}
    return record | over


def _write(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_read_pairs_names_file_and_line_of_a_bad_record(tmp_path):
    path = _write(tmp_path / "p.jsonl", [json.dumps(_record(0)), json.dumps(_record(1, task="chat"))])
    with pytest.raises(ValueError, match=r"p\.jsonl:2: unknown task 'chat'"):
        read_pairs(path)
    path = _write(tmp_path / "q.jsonl", [json.dumps(_record(0)), "{not json"])
    with pytest.raises(ValueError, match=r"q\.jsonl:2: not valid JSON"):
        read_pairs(path)
    path = _write(tmp_path / "r.jsonl", [json.dumps(_record(0, prompt=[{"role": "user"}]))])
    with pytest.raises(ValueError, match=r"r\.jsonl:1: prompt is not a list"):
        read_pairs(path)


def test_the_builder_module_still_exports_the_readers():
    assert pairs.read_pairs is read_pairs and pairs.read_stats is read_stats


def test_check_pair_file_catches_wrong_split_duplicates_and_count(tmp_path):
    good = _write(tmp_path / "g.jsonl", [json.dumps(_record(0)), json.dumps(_record(1))])
    check_pair_file(good, split="train", expected=2)
    with pytest.raises(ValueError, match="expected 3"):
        check_pair_file(good, split="train", expected=3)
    with pytest.raises(ValueError, match=r"g\.jsonl:1: split 'train', expected 'eval'"):
        check_pair_file(good, split="eval", expected=2)
    dup = _write(tmp_path / "d.jsonl", [json.dumps(_record(0)), json.dumps(_record(0))])
    with pytest.raises(ValueError, match=r"d\.jsonl:2: duplicate id"):
        check_pair_file(dup, split="train", expected=2)


def test_a_bad_record_never_leaves_the_writer(tmp_path):
    path = tmp_path / "train.jsonl"
    with pytest.raises(ValueError, match="reference"):
        pairs._write_checked(path, [_record(0, reference={})], "train")
    assert not path.exists()


def _stats(**over):
    split = {"train": {}, "validation": {}, "eval": {}}
    stats = {key: {} for key in STATS_KEYS} | {"source": "synthetic", "counts": split, "total": split,
                                                "labeller": None}
    return stats | over


def test_read_stats_is_strict(tmp_path):
    path = tmp_path / "stats.json"
    path.write_text(json.dumps(_stats()), encoding="utf-8")
    assert read_stats(path)["source"] == "synthetic"
    for key in STATS_KEYS:
        broken = _stats()
        del broken[key]
        path.write_text(json.dumps(broken), encoding="utf-8")
        with pytest.raises(ValueError, match=rf"stats\.json: pair stats lack key '{key}'"):
            read_stats(path)
    path.write_text(json.dumps(_stats(source="kaggle")), encoding="utf-8")
    with pytest.raises(ValueError, match="'source' is 'kaggle'"):
        read_stats(path)
    path.write_text(json.dumps(_stats(total={"train": 1})), encoding="utf-8")
    with pytest.raises(ValueError, match=r"'total' lacks split\(s\) \['validation', 'eval'\]"):
        read_stats(path)
    path.write_text("[", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid JSON"):
        read_stats(path)
