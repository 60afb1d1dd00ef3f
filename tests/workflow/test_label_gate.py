"""The label audit in the real DAG, Olist mode: Olist-format CSVs of synthetic reviews (our own
text), a reference set made from the labels the run will hold, and Snakemake run for real on the
gate's target; training waits on it."""
import json

import duckdb
import pytest
import yaml

from commerce_grpo.data.db import build_commerce_db
from commerce_grpo.data.labeller import LABEL_FIELDS
from data.data_fixtures import write_olist_csvs
from planned_jobs import planned_jobs
from snakemake_runner import run_snakemake

TARGET = "results/audit/label_audit.json"


@pytest.fixture
def olist_workflow(workflow, tmp_path):
    """The workflow in Olist mode on CSVs exported from a 600-order synthetic db, with a reference
    set (data/labeller/probe) holding that db's own labels for 60 commented reviews."""
    synthetic = build_commerce_db(tmp_path / "synthetic.db", source="synthetic", olist_dir="-", orders=600, seed=3)
    write_olist_csvs(synthetic, workflow / "data/raw/olist")
    with duckdb.connect(str(synthetic), read_only=True) as con:
        rows = con.execute(f"""SELECT DISTINCT f.review_id, {', '.join('f.' + f for f in LABEL_FIELDS)}
            FROM review_facts f JOIN order_reviews r USING (review_id)
            WHERE r.review_comment_message IS NOT NULL ORDER BY f.review_id LIMIT 60""").fetchall()
    folder = workflow / "data/labeller/probe"
    folder.mkdir(parents=True)
    passes = "".join(json.dumps({"review_id": rid, **dict(zip(LABEL_FIELDS, values))}) + "\n" for rid, *values in rows)
    (folder / "split.jsonl").write_text("".join(json.dumps({"review_id": rid, "split": ("tuning", "held_out")[i % 2]})
                                                + "\n" for i, (rid, *_) in enumerate(rows)))
    for name in ("pass1.jsonl", "pass2.jsonl"):
        (folder / name).write_text(passes)
    (folder / "adjudicated.jsonl").write_text("")
    config = workflow / "olist.yaml"
    config.write_text(yaml.safe_dump({"data": {"source": "olist", "label_audit": {"reference": "data/labeller/probe",
                                                                                  "min_reviews": 20}}}))
    return workflow, ["--configfile", "tests/config/config.yaml", str(config)]


def test_training_waits_on_the_label_audit(olist_workflow):
    workflow, config = olist_workflow
    jobs = planned_jobs(run_snakemake(["-n", *config, "--", "results/sft/metrics.csv"], workflow).stdout)
    assert "label_audit" in {job.rule for job in jobs}


def test_the_gate_passes_on_agreeing_labels_and_stops_on_a_missed_problem(olist_workflow):
    workflow, config = olist_workflow
    run_snakemake(["--cores", "1", *config, "--", TARGET], workflow)
    result = json.loads((workflow / TARGET).read_text())
    assert result["status"] == "passed" and result["n"] == 30 and result["labeller"] == "rules"

    passes = [json.loads(line) for line in (workflow / "data/labeller/probe/pass1.jsonl").read_text().splitlines()]
    missed = [row["review_id"] for row in passes[1::2] if not row["wrong_or_missing_item"]][:5]
    for name in ("pass1.jsonl", "pass2.jsonl"):
        (workflow / "data/labeller/probe" / name).write_text("".join(
            json.dumps(dict(row, wrong_or_missing_item=row["wrong_or_missing_item"] or row["review_id"] in missed)) + "\n"
            for row in passes))
    proc = run_snakemake(["--cores", "1", *config, "--", TARGET], workflow, check=False)
    log = (workflow / "results/logs/label_audit.log").read_text()
    assert proc.returncode != 0 and not (workflow / TARGET).exists()
    assert "wrong_or_missing_item: agreement 0.833 < data.label_audit.min_agreement.wrong_or_missing_item" in log


def test_synthetic_mode_records_a_skip_and_trains(built_test_workflow):
    from commerce_grpo.data.label_audit import SKIPPED, read_label_audit

    result = read_label_audit(built_test_workflow / TARGET)
    assert result["status"] == "skipped" and result["message"] == SKIPPED and result["source"] == "synthetic"
    assert (built_test_workflow / "results/sft/metrics.csv").exists()
