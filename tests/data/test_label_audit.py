"""The label audit and its blind reference set, on a real DuckDB file built from Olist-format CSVs
of synthetic reviews (our own PT-BR text; the real Olist files are never needed): the gate passes
on labels that agree, fails naming each field that does not, reads only the held-out half, and
records a skip in synthetic mode; the reference set's readers refuse what they cannot trust."""
import csv
import json
import re
from pathlib import Path

import duckdb
import pytest
import yaml

from commerce_grpo.data import reference_set
from commerce_grpo.data.db import build_commerce_db
from commerce_grpo.data.label_audit import SKIPPED, LabelAuditError, read_label_audit, run_label_audit
from commerce_grpo.data.labeller import FLAGS, LABEL_FIELDS

ROOT = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((ROOT / "config/config.yaml").read_text(encoding="utf-8"))["data"]
GATE = {key: CONFIG["label_audit"][key] for key in ("min_agreement", "min_recall")}


@pytest.fixture(scope="module")
def olist_db(olist_dir, tmp_path_factory):
    db = tmp_path_factory.mktemp("label_audit") / "commerce.db"
    build_commerce_db(db, source="olist", olist_dir=olist_dir, orders=0, seed=0, labeller=CONFIG["labeller"])
    return db


@pytest.fixture(scope="module")
def db_labels(olist_db) -> dict[str, dict]:
    """review_id → the labels the db holds, for 60 commented reviews."""
    with duckdb.connect(str(olist_db), read_only=True) as con:
        rows = con.execute(f"""SELECT DISTINCT f.review_id, {', '.join('f.' + f for f in LABEL_FIELDS)}
            FROM review_facts f JOIN order_reviews r USING (review_id)
            WHERE r.review_comment_message IS NOT NULL ORDER BY f.review_id LIMIT 60""").fetchall()
    return {rid: dict(zip(LABEL_FIELDS, values)) for rid, *values in rows}


def write_set(folder: Path, labels: dict[str, dict], *, second=None, decided=None) -> Path:
    """A reference set folder: alternate reviews tuning / held out, pass 1 = ``labels``, pass 2 =
    ``second`` (default: the same), and the adjudication ``decided``."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = sorted(labels)
    lines = {"split.jsonl": [{"review_id": r, "split": reference_set.SPLITS[i % 2]} for i, r in enumerate(ids)],
             "pass1.jsonl": [{"review_id": r, **labels[r]} for r in ids],
             "pass2.jsonl": [{"review_id": r, **(second or labels)[r]} for r in ids],
             "adjudicated.jsonl": [{"review_id": r, **fields} for r, fields in (decided or {}).items()]}
    for name, rows in lines.items():
        (folder / name).write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return folder


def audit(db, folder, output, **overrides):
    settings = {"source": "olist", "labeller": "rules", "reference": folder, "min_reviews": 20, **GATE, **overrides}
    return run_label_audit(db=db, output=output, **settings)


def held_out(folder) -> list[str]:
    return [r for r, s in reference_set.read_split(Path(folder) / "split.jsonl").items() if s == "held_out"]


def test_labels_that_agree_pass_and_the_report_reads_them(olist_db, db_labels, tmp_path):
    folder = write_set(tmp_path / "ref", db_labels)
    result = audit(olist_db, folder, tmp_path / "label_audit.json")
    read = read_label_audit(tmp_path / "label_audit.json")
    assert read == result and read["status"] == "passed" and read["n"] == 30 == len(held_out(folder))
    assert all(entry["agreement"] == 1.0 for entry in read["fields"].values())
    assert read["fields"]["delivery_issue"]["recall"] == 1.0 and read["fields"]["delivery_issue"]["positives"] > 0
    assert read["fields"]["complaint_category"]["recall"] is None
    assert set(read["pass_agreement"]) == set(LABEL_FIELDS)


def test_a_field_below_its_threshold_stops_training_naming_it(olist_db, db_labels, tmp_path):
    """People who find delivery problems the labels miss: agreement and recall fail for that
    field alone, and nothing is written for training to start from."""
    ids = [r for r in held_out(write_set(tmp_path / "probe", db_labels)) if not db_labels[r]["delivery_issue"]][:6]
    assert len(ids) == 6
    truth = {r: dict(v, delivery_issue=v["delivery_issue"] or r in ids) for r, v in db_labels.items()}
    folder = write_set(tmp_path / "ref", truth)
    output = tmp_path / "label_audit.json"
    threshold = re.escape(str(GATE["min_agreement"]["delivery_issue"]))
    with pytest.raises(LabelAuditError, match=r"delivery_issue: agreement 0\.800 < data\.label_audit\.min_agreement"
                                              rf"\.delivery_issue {threshold}\n- delivery_issue: recall") as failed:
        audit(olist_db, folder, output)
    assert "product_quality_issue" not in str(failed.value) and not output.exists()


def test_only_the_held_out_half_counts(olist_db, db_labels, tmp_path):
    probe = write_set(tmp_path / "probe", db_labels)
    tuning = set(db_labels) - set(held_out(probe))
    truth = {r: dict(v, price_issue=not v["price_issue"]) if r in tuning else v for r, v in db_labels.items()}
    assert audit(olist_db, write_set(tmp_path / "ref", truth), tmp_path / "out.json")["status"] == "passed"


def test_too_few_reference_reviews_in_the_db_fail_naming_the_key(olist_db, db_labels, tmp_path):
    stranger = {f"unknown{i}": next(iter(db_labels.values())) for i in range(40)}
    folder = write_set(tmp_path / "ref", {**dict(list(db_labels.items())[:10]), **stranger})
    with pytest.raises(LabelAuditError, match=r"only 5 of the 25 held-out reviews .*min_reviews: 20"):
        audit(olist_db, folder, tmp_path / "out.json")


def test_synthetic_mode_records_a_skip(tmp_path):
    result = audit(tmp_path / "no.db", tmp_path / "no-reference", tmp_path / "label_audit.json", source="synthetic")
    assert read_label_audit(tmp_path / "label_audit.json") == result
    assert result["status"] == "skipped" and result["message"] == SKIPPED and result["fields"] == {}


@pytest.mark.parametrize("change, key", [
    (lambda d: d.pop("n"), "'n'"),
    (lambda d: d.update(status="failed"), "'status'"),
    (lambda d: d["fields"].pop("price_issue"), "'fields'"),
    (lambda d: d["fields"]["price_issue"].update(recall="high"), "'fields.price_issue'"),
    (lambda d: d["gate"]["min_recall"].pop("price_issue"), "'gate.min_recall'"),
])
def test_the_reader_is_strict(olist_db, db_labels, tmp_path, change, key):
    output = tmp_path / "label_audit.json"
    data = audit(olist_db, write_set(tmp_path / "ref", db_labels), output)
    change(data)
    output.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match=rf"label_audit\.json: key {key}"):
        read_label_audit(output)


# ------------------------------------------------------------------ the reference set
def labels(**true) -> dict:
    row = {f: False for f in FLAGS} | {"complaint_category": "nenhuma", "would_recommend": True}
    return row | true


def test_passes_agree_where_they_agree_and_the_third_rater_decides_the_rest(tmp_path):
    first = {"a": labels(), "b": labels(delivery_issue=True, complaint_category="entrega"), "c": labels()}
    second = dict(first, b=labels(), c=labels(would_recommend=False))
    assert reference_set.disputes(first, second) == {"b": ["delivery_issue", "complaint_category"],
                                                     "c": ["would_recommend"]}
    decided = {"b": {"delivery_issue": True, "complaint_category": "entrega"}, "c": {"would_recommend": False}}
    folder = write_set(tmp_path / "ref", first, second=second, decided=decided)
    final = reference_set.reference(folder)
    assert final["b"]["delivery_issue"] and final["c"]["would_recommend"] is False and final["a"] == {
        "split": "tuning", **labels()}
    assert reference_set.agreement(folder)["all"]["agreement"]["would_recommend"] == round(2 / 3, 4)


@pytest.mark.parametrize("decided, match", [
    ({"b": {"delivery_issue": True}}, "decide exactly the fields"),                          # category missing
    ({"b": {"delivery_issue": True, "complaint_category": "entrega"}, "a": {"price_issue": True}}, "exactly"),
    ({"b": {"delivery_issue": "yes", "complaint_category": "entrega"}}, "true/false"),
])
def test_an_adjudication_that_does_not_fit_the_disputes_is_refused(tmp_path, decided, match):
    first = {"a": labels(), "b": labels(delivery_issue=True, complaint_category="entrega")}
    folder = write_set(tmp_path / "ref", first, second=dict(first, b=labels()), decided=decided)
    with pytest.raises(ValueError, match=match):
        reference_set.reference(folder)


def test_a_pass_line_with_a_missing_field_names_file_and_line(tmp_path):
    folder = write_set(tmp_path / "ref", {"a": labels(), "b": labels()})
    lines = (folder / "pass2.jsonl").read_text().splitlines()
    row = json.loads(lines[1])
    del row["price_issue"]
    (folder / "pass2.jsonl").write_text(lines[0] + "\n" + json.dumps(row) + "\n")
    with pytest.raises(ValueError, match=r"pass2\.jsonl:2: expected keys review_id"):
        reference_set.reference(folder)


def write_reviews_csv(path: Path, n: int) -> None:
    columns = ["review_id", "order_id", "review_score", "review_comment_title", "review_comment_message",
               "review_creation_date", "review_answer_timestamp"]
    comments = ["Chegou antes do prazo", "", "Ainda não recebi o pedido", "Veio quebrado\r\nque pena", "  "]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for i in range(n):
            writer.writerow([f"r{i:03d}", f"o{i:03d}", 1 + i % 5, "", comments[i % 5], "2018-01-01 00:00:00", ""])
        writer.writerow(["r000", "o999", 1, "", comments[0], "2018-01-01 00:00:00", ""])  # one review, two orders


def test_the_draw_is_seeded_split_in_halves_and_the_packet_holds_no_labels(tmp_path):
    write_reviews_csv(tmp_path / "reviews.csv", 100)
    split, packet = reference_set.draw(tmp_path / "reviews.csv", 20, seed=24)
    assert (split, packet) == reference_set.draw(tmp_path / "reviews.csv", 20, seed=24)
    assert split != reference_set.draw(tmp_path / "reviews.csv", 20, seed=25)[0]
    assert [row["split"] for row in split] == ["tuning"] * 10 + ["held_out"] * 10
    assert all(set(row) == {"review_id", "score", "message"} and row["message"].strip() for row in packet)
    assert sorted(r["review_id"] for r in packet) == sorted(r["review_id"] for r in split)
    assert len({r["review_id"] for r in split}) == 20
    assert [r["review_id"] for r in packet] != [r["review_id"] for r in split]  # shuffled again


def test_a_further_draw_leaves_out_an_existing_set_and_can_be_all_tuning(tmp_path):
    write_reviews_csv(tmp_path / "reviews.csv", 100)  # 60 commented reviews
    first = {row["review_id"] for row in reference_set.draw(tmp_path / "reviews.csv", 20, seed=24)[0]}
    split, packet = reference_set.draw(tmp_path / "reviews.csv", 40, seed=25, exclude=frozenset(first),
                                       tuning_only=True)
    assert not first & {row["review_id"] for row in split} and len(split) == len(packet) == 40
    assert {row["split"] for row in split} == {"tuning"}
    with pytest.raises(ValueError):  # only 40 reviews are left to draw from
        reference_set.draw(tmp_path / "reviews.csv", 41, seed=25, exclude=frozenset(first))


def test_the_committed_reference_set_is_ids_and_labels_only():
    """data/labeller/olist holds review ids, the split and labels; no review text (CC BY-NC-SA)."""
    folder = ROOT / CONFIG["label_audit"]["reference"]
    split = reference_set.read_split(folder / "split.jsonl")
    assert len(split) >= 320 and sorted(split.values()).count("held_out") == len(split) // 2
    for name in reference_set.FILES:
        for _, row in reference_set.read_jsonl(folder / name):
            assert set(row) <= {"review_id", "split", *LABEL_FIELDS}, name


def test_the_committed_tuning_set_is_tuning_only_and_apart_from_the_reference():
    """data/labeller/olist_tuning: more blind labels, all tuning data, none of the reference set's
    reviews (so no held-out review was tuned on), ids and labels only."""
    tuning = ROOT / "data/labeller/olist_tuning"
    labels = reference_set.reference(tuning)
    assert len(labels) >= 600 and {row["split"] for row in labels.values()} == {"tuning"}
    assert not set(labels) & set(reference_set.read_split(ROOT / CONFIG["label_audit"]["reference"] / "split.jsonl"))
    for name in reference_set.FILES:
        for _, row in reference_set.read_jsonl(tuning / name):
            assert set(row) <= {"review_id", "split", *LABEL_FIELDS}, name
