"""config/quick.yaml, the documented smoke run, is the test config with one seed: the whole DAG the
suite runs for real on tests/config/config.yaml (tests/conftest.py) is what a smoke run runs, so the
two must not drift (issue 25)."""
import yaml

from dag_stats import job_counts
from snakemake_runner import REPO, run_snakemake

QUICK = "config/quick.yaml"


def test_the_quick_config_is_the_test_config_with_one_seed():
    quick = yaml.safe_load((REPO / QUICK).read_text())
    test = yaml.safe_load((REPO / "tests/config/config.yaml").read_text())
    assert quick.pop("seeds") == [42] and test.pop("seeds") == [42, 123]
    assert quick.pop("run_name") == "quick-smoke" and test.pop("run_name")
    assert quick == test


def test_the_quick_run_plans_every_stage_once(workflow):
    counts = job_counts(run_snakemake(["-n", "--configfile", QUICK], workflow).stdout)
    assert counts == {"all": 1, "commerce_db": 1, "pairs": 1, "eval_pairs": 1, "tokenizer_corpus": 1, "label_audit": 1,
                      "base_model": 1, "reward_audit": 1, "sft": 1, "grpo": 1, "select_best": 1,
                      "evaluate": 3, "report": 1}
