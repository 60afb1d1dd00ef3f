"""Entropy collapse in the report: read from GRPO metrics.csv, masked steps left out."""
import pandas as pd

from commerce_grpo.report import analysis, inputs
from commerce_grpo.report.markdown import _entropy


def _metrics(tmp_path, rows):
    path = tmp_path / "seed42" / "metrics.csv"
    path.parent.mkdir()
    pd.DataFrame(rows, columns=["step", "entropy", "completions/clipped_ratio"]).to_csv(path, index=False)
    return path


def test_first_step_below_the_floor_is_the_collapse(tmp_path):
    path = _metrics(tmp_path, [(1, 1.2, 0.5), (2, 0.9, 0.5), (3, 0.04, 0.2), (4, 0.01, 0.1)])
    result = analysis.entropy_collapse({"grpo_seed42": inputs.read_grpo_entropy(path)}, floor=0.05)
    assert result["arms"]["grpo_seed42"] == {"min_entropy": 0.01, "min_step": 4, "collapsed_at": 3}
    assert "yes, at step 3" in _entropy(result)


def test_fully_masked_steps_are_not_a_collapse(tmp_path):
    # TRL logs entropy 0 when every completion was truncated and masked: nothing was averaged.
    path = _metrics(tmp_path, [(1, 0.0, 1.0), (2, 0.8, 0.5), (3, 0.7, 0.0)])
    result = analysis.entropy_collapse({"grpo_seed42": inputs.read_grpo_entropy(path)}, floor=0.05)
    assert result["arms"]["grpo_seed42"] == {"min_entropy": 0.7, "min_step": 3, "collapsed_at": None}
    assert "| `grpo_seed42` | 0.7000 | 3 | no |" in _entropy(result)
