"""A blind reference set of real reviews: the draw, the rater packets, and the final labels.

The label audit scores a labeller against people, so the people must never see a labeller's
output, and the reviews it is scored on must be ones no rule was tuned on. The protocol:
1. ``draw``: N commented reviews at random (seeded) from Olist's ``order_reviews`` CSV, split into
   a tuning half and a held-out half *before* any rule is tuned; the split is kept by review id,
   and the rater packet (review_id, score, message; shuffled) goes outside the repository.
2. Two raters label the packet blind, following ``data/labeller/README.md`` only: one line per
   review, ``review_id`` plus every field of ``labeller.LABEL_FIELDS``.
3. ``disputes``: where the two passes differ, a third blind rater decides the disputed fields
   alone (its packet names them; no pass labels).
The repository keeps review ids, labels and the split, never review text (Olist is CC BY-NC-SA):
``split.jsonl``, ``pass1.jsonl``, ``pass2.jsonl``, ``adjudicated.jsonl`` in one folder.
``reference()`` reads them into the final labels, ``agreement()`` into the passes' agreement.

Run: ``python -m commerce_grpo.data.reference_set draw --reviews <olist>/olist_order_reviews_dataset.csv
--n 400 --seed 24 --set data/labeller/olist --packet <outside>/packet.jsonl``, then
``... disputes --set data/labeller/olist --packet <outside>/packet.jsonl --out <outside>/adjudicate.jsonl``
once ``pass1.jsonl`` and ``pass2.jsonl`` are in the set folder.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
from pathlib import Path

from ..files import read_jsonl, write_jsonl
from .labelled_set import check_labels, read_labels
from .labeller import FLAGS, LABEL_FIELDS

SPLITS = ("tuning", "held_out")
PASSES = ("pass1.jsonl", "pass2.jsonl")
FILES = ("split.jsonl", *PASSES, "adjudicated.jsonl")
KEY = "review_id"


def set_files(set_dir: str | Path) -> list[str]:
    """The files of a reference set folder (the label audit's inputs)."""
    return [str(Path(set_dir) / name) for name in FILES]


def commented_reviews(reviews_csv: str | Path) -> list[dict]:
    """One row per review id with a non-blank comment (a review that covers two orders is listed
    twice in Olist with the same score and text), sorted by id so the draw does not depend on
    the file's row order."""
    rows = {}
    with open(reviews_csv, newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            message = row["review_comment_message"] or ""
            if message.strip():
                rows.setdefault(row["review_id"], {KEY: row["review_id"], "score": int(row["review_score"]),
                                                   "message": message})
    return [rows[key] for key in sorted(rows)]


def draw(reviews_csv: str | Path, n: int, seed: int, exclude: frozenset[str] = frozenset(),
         tuning_only: bool = False) -> tuple[list[dict], list[dict]]:
    """(split rows, rater packet): ``n`` commented reviews, none of ``exclude``, drawn with
    ``random.Random(seed)``; the first half of the draw is the tuning half, the rest held out
    (all of it tuning with ``tuning_only``: more tuning data beside an existing set); the packet
    is shuffled again so its order says nothing about the split."""
    rng = random.Random(seed)
    sample = rng.sample([row for row in commented_reviews(reviews_csv) if row[KEY] not in exclude], n)
    split = [{KEY: row[KEY], "split": SPLITS[not tuning_only and i >= n // 2]} for i, row in enumerate(sample)]
    packet = list(sample)
    rng.shuffle(packet)
    return split, packet


def read_split(path: str | Path) -> dict[str, str]:
    """review_id → "tuning" | "held_out"; a bad or repeated line names file and line."""
    split = {}
    for number, row in read_jsonl(path):
        if not isinstance(row, dict) or set(row) != {KEY, "split"} or row["split"] not in SPLITS:
            raise ValueError(f"{path}:{number}: expected {{\"{KEY}\": ..., \"split\": one of {SPLITS}}}")
        if row[KEY] in split:
            raise ValueError(f"{path}:{number}: repeated {KEY} {row[KEY]!r}")
        split[row[KEY]] = row["split"]
    return split


def read_adjudicated(path: str | Path) -> dict[str, dict]:
    """review_id → the disputed fields a third rater decided (a subset of ``LABEL_FIELDS``)."""
    decided = {}
    for number, row in read_jsonl(path):
        fields = set(row) - {KEY} if isinstance(row, dict) else set()
        if KEY not in (row if isinstance(row, dict) else {}) or not fields or fields - set(LABEL_FIELDS):
            raise ValueError(f"{path}:{number}: expected {KEY} and some of {', '.join(LABEL_FIELDS)}")
        if row[KEY] in decided:
            raise ValueError(f"{path}:{number}: repeated {KEY} {row[KEY]!r}")
        decided[row[KEY]] = {field: row[field] for field in fields}
    return decided


def _passes(set_dir: Path) -> tuple[dict, dict]:
    first, second = (read_labels(set_dir / name, key=KEY) for name in PASSES)
    if set(first) != set(second):
        raise ValueError(f"{set_dir}: {PASSES[0]} and {PASSES[1]} label different reviews")
    return first, second


def disputes(first: dict[str, dict], second: dict[str, dict]) -> dict[str, list[str]]:
    """review_id → the fields two passes label differently (reviews they agree on are left out).
    A disputed flag sends ``complaint_category`` too: it follows the flags, so the third rater
    decides both and the final labels stay consistent."""
    result = {}
    for rid in sorted(first):
        fields = [f for f in LABEL_FIELDS if first[rid][f] != second[rid][f]]
        if set(fields) & set(FLAGS) and "complaint_category" not in fields:
            fields.insert(len([f for f in fields if f in FLAGS]), "complaint_category")
        if fields:
            result[rid] = fields
    return result


def agreement(set_dir: str | Path) -> dict:
    """Per-field share of reviews on which the two blind passes agree, per split and overall
    (no figures for a split without reviews)."""
    set_dir = Path(set_dir)
    first, second = _passes(set_dir)
    split = read_split(set_dir / "split.jsonl")
    result = {}
    for name in (*SPLITS, "all"):
        ids = [rid for rid in first if name == "all" or split[rid] == name]
        result[name] = {"n": len(ids), "agreement": {
            f: round(sum(first[r][f] == second[r][f] for r in ids) / len(ids), 4) for f in LABEL_FIELDS} if ids else {}}
    return result


def reference(set_dir: str | Path) -> dict[str, dict]:
    """review_id → {"split", and the final label of every field}: the passes' label where they
    agree, the third rater's where they do not. Every disputed field must be decided, and only
    those, so a missing or stray adjudication names itself."""
    set_dir = Path(set_dir)
    first, second = _passes(set_dir)
    split = read_split(set_dir / "split.jsonl")
    if set(split) != set(first):
        raise ValueError(f"{set_dir}: split.jsonl and the passes hold different reviews")
    disputed = disputes(first, second)
    decided = read_adjudicated(set_dir / "adjudicated.jsonl")
    if {rid: sorted(f) for rid, f in decided.items()} != {rid: sorted(f) for rid, f in disputed.items()}:
        raise ValueError(f"{set_dir}: adjudicated.jsonl must decide exactly the fields the passes dispute "
                         f"({sum(map(len, disputed.values()))} fields on {len(disputed)} reviews)")
    final = {rid: {**first[rid], **decided.get(rid, {})} for rid in first}
    for rid, labels in final.items():
        check_labels(labels, f"{set_dir / 'adjudicated.jsonl'} ({KEY} {rid})")
    return {rid: {"split": split[rid], **labels} for rid, labels in final.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    draw_cmd = commands.add_parser("draw", help="draw and split the reviews, write split.jsonl and the packet")
    draw_cmd.add_argument("--reviews", type=Path, required=True, help="olist_order_reviews_dataset.csv")
    draw_cmd.add_argument("--n", type=int, required=True)
    draw_cmd.add_argument("--seed", type=int, required=True)
    draw_cmd.add_argument("--exclude", type=Path, action="append", default=[],
                          help="a reference set folder whose reviews the draw leaves out (repeatable)")
    draw_cmd.add_argument("--tuning-only", action="store_true", help="the whole draw is tuning data (no held-out half)")
    disputes_cmd = commands.add_parser("disputes", help="write the third rater's packet: the disputed fields")
    disputes_cmd.add_argument("--out", type=Path, required=True)
    for command in (draw_cmd, disputes_cmd):
        command.add_argument("--set", type=Path, required=True, help="the reference set folder")
        command.add_argument("--packet", type=Path, required=True, help="the rater packet (outside the repository)")
    args = parser.parse_args(argv)
    if args.command == "draw":
        exclude = frozenset(rid for folder in args.exclude for rid in read_split(folder / "split.jsonl"))
        split, packet = draw(args.reviews, args.n, args.seed, exclude, args.tuning_only)
        write_jsonl(args.set / "split.jsonl", split)
        write_jsonl(args.packet, packet)
        print(f"drew {len(split)} reviews (seed {args.seed}): {args.set / 'split.jsonl'}, {args.packet}")
        return
    texts = {row[KEY]: row for _, row in read_jsonl(args.packet)}
    disputed = disputes(*_passes(args.set))
    write_jsonl(args.out, [{**texts[rid], "fields": fields} for rid, fields in disputed.items()])
    print(f"{len(disputed)} reviews with disputed fields: {args.out}")
    print(json.dumps({f: sum(f in fs for fs in disputed.values()) for f in LABEL_FIELDS}))


if __name__ == "__main__":
    main()
