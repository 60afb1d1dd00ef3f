"""The label audit: the gate between Olist-mode labels and any training (L-reward-spec).

In Olist mode the extraction gold is a labeller's reading of each review, so a wrong label
teaches the model the wrong thing. This audit compares the labels the run's ``commerce.db``
actually holds (``review_facts``, whichever labeller wrote them) with a blind reference set
(``reference_set``) on its **held-out** reviews only (the tuning half is no evidence), field by
field: agreement, and for each flag its recall of the problems the raters found. It also counts
the rows of each labeller origin (``review_facts.origin``): an LLM labeller's failed call left
rules' labels where the model's were meant, so any such row fails the gate too. Below a field's
threshold nothing is written and ``LabelAuditError`` names every failing field, so no training
job starts. In synthetic mode the labels are the generator's own facts: the audit writes a
"skipped" result and training proceeds.

Measure the rules labeller on one half of the reference set straight from the Olist reviews CSV
(no pipeline run): ``python -m commerce_grpo.data.label_audit --reviews
<olist>/olist_order_reviews_dataset.csv --split held_out``.
"""
from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any, Mapping

from ..files import write_atomic
from . import reference_set
from .db import connect_read_only, reading_commerce_db
from .labeller import FLAGS, LABEL_FIELDS, label_review
from .llm_labeller import FAILED_ORIGIN

log = logging.getLogger(__name__)

SPLIT = "held_out"
STATUSES = ("passed", "skipped")
SKIPPED = ("skipped: no Olist files (synthetic mode); the synthetic generator's labels are its own latent "
           "facts, so there is nothing to audit")


class LabelAuditError(RuntimeError):
    """The labels fail their gate: training must not start."""


def measure(labelled: Mapping[str, dict], reference: Mapping[str, dict]) -> dict:
    """Per field: agreement with the reference on the reviews of ``labelled``; per flag also the
    recall of the reference's true flags (None when it has none) and their count."""
    ids = sorted(labelled)
    fields = {}
    for field in LABEL_FIELDS:
        entry = {"agreement": round(sum(labelled[r][field] == reference[r][field] for r in ids) / len(ids), 4),
                 "recall": None, "positives": None}
        if field in FLAGS:
            positives = [r for r in ids if reference[r][field]]
            entry["positives"] = len(positives)
            if positives:
                entry["recall"] = round(sum(labelled[r][field] for r in positives) / len(positives), 4)
        fields[field] = entry
    return fields


def failures(fields: Mapping[str, dict], min_agreement: Mapping[str, float], min_recall: Mapping[str, float]) -> list[str]:
    """One line per field below its threshold (a flag with no problem in the reference has no recall to fail)."""
    lines = []
    for field, entry in fields.items():
        if entry["agreement"] < min_agreement[field]:
            lines.append(f"{field}: agreement {entry['agreement']:.3f} < data.label_audit.min_agreement."
                         f"{field} {min_agreement[field]}")
        if field in FLAGS and entry["recall"] is not None and entry["recall"] < min_recall[field]:
            lines.append(f"{field}: recall {entry['recall']:.3f} of {entry['positives']} real problems < "
                         f"data.label_audit.min_recall.{field} {min_recall[field]}")
    return lines


def _db_labels(db: str | Path, ids: list[str]) -> dict[str, dict]:
    """review_id → the labels ``review_facts`` holds, for the ids of ``ids`` present in ``db``."""
    with connect_read_only(db) as con, reading_commerce_db(db):
        con.execute("CREATE TEMP TABLE wanted (review_id VARCHAR)")
        con.executemany("INSERT INTO wanted VALUES (?)", [[rid] for rid in ids])
        rows = con.execute(f"SELECT DISTINCT review_id, {', '.join(LABEL_FIELDS)} FROM review_facts "
                           "JOIN temp.wanted USING (review_id) ORDER BY review_id").fetchall()
    labelled = {}
    for rid, *values in rows:
        if rid in labelled:
            raise ValueError(f"{db}: review_facts labels review {rid} differently on two orders")
        labelled[rid] = dict(zip(LABEL_FIELDS, values))
    return labelled


def _origins(db: str | Path) -> dict[str, int]:
    """Rows of review_facts per labeller origin."""
    with connect_read_only(db) as con, reading_commerce_db(db):
        return dict(con.execute("SELECT origin, COUNT(*) FROM review_facts GROUP BY origin ORDER BY origin").fetchall())


def run_label_audit(*, db: str | Path, output: str | Path, source: str, labeller: str, reference: str | Path,
                    min_reviews: int, min_agreement: Mapping[str, float], min_recall: Mapping[str, float]) -> dict:
    """Audit the labels of ``db`` (Olist mode) or record the skip (synthetic); write ``output``
    (layout: ``read_label_audit``) only when the gate passes."""
    gate = {"min_reviews": min_reviews, "min_agreement": dict(min_agreement), "min_recall": dict(min_recall)}
    result: dict[str, Any] = {"status": "skipped", "message": SKIPPED, "source": source, "labeller": labeller,
                              "reference": str(reference), "split": SPLIT, "n": 0, "gate": gate, "fields": {},
                              "pass_agreement": {}, "origins": {}}
    if source == "olist":
        truth = {rid: labels for rid, labels in reference_set.reference(reference).items() if labels["split"] == SPLIT}
        labelled = _db_labels(db, sorted(truth))
        if len(labelled) < min_reviews:
            raise LabelAuditError(
                f"label audit: only {len(labelled)} of the {len(truth)} held-out reviews of {reference} are in {db} "
                f"(data.label_audit.min_reviews: {min_reviews}). An Olist extract without them needs its own "
                "blind reference set (docs/data.md, \"The label audit\").")
        fields = measure(labelled, truth)
        origins = _origins(db)
        log.info("label audit: %s labeller on %d held-out reviews: %s; review_facts origins %s", labeller,
                 len(labelled), json.dumps(fields), origins)
        problems = failures(fields, min_agreement, min_recall)
        if origins.get(FAILED_ORIGIN):
            problems.append(f"{origins[FAILED_ORIGIN]} review(s) carry the rules' labels because the LLM labeller's "
                            "call failed (see the commerce_db log); rerun with --forcerun commerce_db once the "
                            "endpoint answers")
        if problems:
            raise LabelAuditError(f"label audit failed on {len(labelled)} held-out reviews ({labeller} labeller; "
                                  "nothing trains):\n- " + "\n- ".join(problems))
        agreement = reference_set.agreement(reference)[SPLIT]["agreement"]
        result |= {"status": "passed", "n": len(labelled), "fields": fields, "pass_agreement": agreement,
                   "origins": origins,
                   "message": f"passed: the {labeller} labeller on {len(labelled)} held-out reviews"}
    log.info("label audit: %s", result["message"])
    write_atomic(output, json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return result


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def read_label_audit(path: str | Path) -> dict:
    """Read ``label_audit.json`` strictly (the report's one reader): a missing key, a wrong type or
    a field set that is not the guide's raises ValueError naming the file and the key."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ValueError(f"{path}: cannot read the label audit ({err})") from err

    def fail(key: str, expected: str):
        raise ValueError(f"{path}: key {key!r} must be {expected}")

    if not isinstance(data, dict):
        fail("(top level)", "an object")
    kinds = {"status": str, "message": str, "source": str, "labeller": str, "reference": str, "split": str,
             "n": int, "gate": dict, "fields": dict, "pass_agreement": dict, "origins": dict}
    for key, kind in kinds.items():
        if not isinstance(data.get(key), kind) or isinstance(data.get(key), bool):
            fail(key, kind.__name__)
    if data["status"] not in STATUSES:
        fail("status", f"one of {STATUSES}")
    gate = data["gate"]
    if not _number(gate.get("min_reviews")):
        fail("gate.min_reviews", "a number")
    for name, fields in (("min_agreement", LABEL_FIELDS), ("min_recall", FLAGS)):
        if not isinstance(gate.get(name), dict) or set(gate[name]) != set(fields) \
                or not all(map(_number, gate[name].values())):
            fail(f"gate.{name}", f"a number for each of {', '.join(fields)}")
    expected = set(LABEL_FIELDS) if data["status"] == "passed" else set()
    if set(data["fields"]) != expected or set(data["pass_agreement"]) != expected:
        fail("fields", f"one entry per field of the guide when passed, none when skipped")
    for field, entry in data["fields"].items():
        flag = field in FLAGS
        if not isinstance(entry, dict) or set(entry) != {"agreement", "recall", "positives"} \
                or not _number(entry["agreement"]) or not (entry["recall"] is None or _number(entry["recall"])) \
                or not (isinstance(entry["positives"], int) if flag else entry["positives"] is None):
            fail(f"fields.{field}", "{agreement: number, recall: number or null, positives: int (flags) or null}")
    if not all(map(_number, data["pass_agreement"].values())):
        fail("pass_agreement", "a number per field")
    if not all(isinstance(k, str) and isinstance(v, int) for k, v in data["origins"].items()) \
            or bool(data["origins"]) != (data["status"] == "passed"):
        fail("origins", "rows per labeller origin when passed, none when skipped")
    return data


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The rules labeller vs one half of the reference set, per field.")
    parser.add_argument("--reviews", type=Path, required=True, help="olist_order_reviews_dataset.csv")
    parser.add_argument("--set", type=Path, default=Path("data/labeller/olist"), help="the reference set folder")
    parser.add_argument("--split", choices=reference_set.SPLITS, required=True)
    parser.add_argument("--wrong", action="store_true", help="list the review ids each field gets wrong")
    args = parser.parse_args(argv)
    truth = {rid: labels for rid, labels in reference_set.reference(args.set).items() if labels["split"] == args.split}
    reviews = {row[reference_set.KEY]: row for row in reference_set.commented_reviews(args.reviews)}
    labelled = {rid: label_review(reviews[rid]["score"], reviews[rid]["message"]) for rid in truth}
    agreement = reference_set.agreement(args.set)[args.split]["agreement"]
    print(f"rules labeller vs the {args.split} half of {args.set} (n = {len(truth)}); raters' agreement beside it")
    for field, entry in measure(labelled, truth).items():
        recall = "" if entry["recall"] is None else f"  recall {entry['recall']:.3f} of {entry['positives']}"
        print(f"  {field:<24} {entry['agreement']:.3f}{recall:<24}  raters {agreement[field]:.3f}")
        if args.wrong:
            print("    wrong:", " ".join(sorted(r for r in truth if labelled[r][field] != truth[r][field])))


if __name__ == "__main__":
    main()
